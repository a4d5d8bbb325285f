//! A loopback HTTP/1.1 server that answers every request with the same JSON
//! body, so a benchmark measures the clients rather than a server.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the body is framed on the wire.
#[derive(Clone, Copy)]
enum Framing {
    /// One `Content-Length` response, prepared once: the whole answer.
    Length(&'static [u8]),
    /// `Transfer-Encoding: chunked` in chunks of at most `size` bytes, as the
    /// API server sends lists (Go's `net/http` buffers 4 KiB per chunk).
    Chunked { body: &'static [u8], size: usize },
}

/// Starts the server on 127.0.0.1 and returns its base URL; the body is
/// sent with a `Content-Length`.
pub async fn start(body: &'static [u8]) -> io::Result<String> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let response: &'static [u8] = Box::leak([head.as_bytes(), body].concat().into_boxed_slice());
    serve(Framing::Length(response)).await
}

/// Starts the server on 127.0.0.1 and returns its base URL; the body is
/// sent chunked, `chunk` bytes at a time.
pub async fn start_chunked(body: &'static [u8], chunk: usize) -> io::Result<String> {
    serve(Framing::Chunked {
        body,
        size: chunk.max(1),
    })
    .await
}

async fn serve(framing: Framing) -> io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut filled = 0;
                loop {
                    match conn.read(&mut buf[filled..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => filled += n,
                    }
                    // Requests are bodiless GETs: answer each complete header block.
                    while let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                        if respond(&mut conn, framing).await.is_err() {
                            return;
                        }
                        buf.copy_within(end + 4..filled, 0);
                        filled -= end + 4;
                    }
                    if filled == buf.len() {
                        return;
                    }
                }
            });
        }
    });
    Ok(url)
}

async fn respond(conn: &mut TcpStream, framing: Framing) -> io::Result<()> {
    match framing {
        Framing::Length(response) => conn.write_all(response).await,
        Framing::Chunked { body, size } => {
            conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            )
            .await?;
            for chunk in body.chunks(size) {
                conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
                conn.write_all(chunk).await?;
                conn.write_all(b"\r\n").await?;
            }
            conn.write_all(b"0\r\n\r\n").await
        }
    }
}
