//! Minimal forwarding proxies for tests: HTTP CONNECT and SOCKS5 (RFC 1928,
//! no authentication). They relay bytes unchanged and record the targets they
//! were asked to reach; the server behind them is the real one.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Targets the proxy was asked to reach, as `host:port`.
pub type Seen = Arc<Mutex<Vec<String>>>;

#[derive(Clone, Copy)]
pub enum Protocol {
    /// `http://`: an HTTP CONNECT tunnel.
    HttpConnect,
    /// `socks5://`.
    Socks5,
}

/// Starts a proxy on a free loopback port; returns its URL and what it saw.
pub async fn start_proxy(protocol: Protocol) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let _ = relay(protocol, conn, record).await;
            });
        }
    });
    let scheme = match protocol {
        Protocol::HttpConnect => "http",
        Protocol::Socks5 => "socks5",
    };
    (format!("{scheme}://{addr}"), seen)
}

async fn relay(protocol: Protocol, mut client: TcpStream, seen: Seen) -> std::io::Result<()> {
    let target = match protocol {
        Protocol::HttpConnect => http_connect_handshake(&mut client).await?,
        Protocol::Socks5 => socks5_handshake(&mut client).await?,
    };
    seen.lock().unwrap().push(target.clone());
    let mut upstream = TcpStream::connect(&target).await?;
    match protocol {
        Protocol::HttpConnect => {
            client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await?
        }
        // Succeeded, bound to 0.0.0.0:0 (clients ignore the address).
        Protocol::Socks5 => client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?,
    }
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// Reads `CONNECT host:port HTTP/1.1` and the headers after it.
async fn http_connect_handshake(client: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(client.read_u8().await?);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.split_whitespace();
    assert_eq!(words.next(), Some("CONNECT"), "{head}");
    Ok(words.next().unwrap_or_default().to_owned())
}

/// RFC 1928 without authentication: greeting, then one CONNECT request.
async fn socks5_handshake(client: &mut TcpStream) -> std::io::Result<String> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; greeting[1] as usize];
    client.read_exact(&mut methods).await?;
    client.write_all(&[5, 0]).await?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    assert_eq!(request[1], 1, "only CONNECT");
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let len = client.read_u8().await? as usize;
            let mut name = vec![0u8; len];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        other => panic!("address type {other} not handled by this test proxy"),
    };
    let port = client.read_u16().await?;
    Ok(format!("{host}:{port}"))
}
