//! Two scripted HTTP servers for the redirect test: one answers every
//! request with a redirect elsewhere, one records the headers it is sent.
//! Neither is an API server.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Headers = Vec<(String, String)>;

pub struct Recorder {
    port: u16,
    seen: Arc<Mutex<Vec<Headers>>>,
}

impl Recorder {
    /// Records each request's headers and answers `{}`.
    pub async fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<Headers>>> = Arc::default();
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let head = read_head(&mut conn).await;
                record.lock().unwrap().push(parse_headers(&head));
                let _ = conn
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                    .await;
            }
        });
        Recorder { port, seen }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn headers(&self) -> Vec<Headers> {
        self.seen.lock().unwrap().clone()
    }
}

/// Answers every request with `307 Temporary Redirect` to `target`; returns its URL.
pub async fn redirector(target: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let reply = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let _ = read_head(&mut conn).await;
            let _ = conn.write_all(reply.as_bytes()).await;
        }
    });
    url
}

async fn read_head(conn: &mut tokio::net::TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn parse_headers(head: &str) -> Headers {
    head.split("\r\n")
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}
