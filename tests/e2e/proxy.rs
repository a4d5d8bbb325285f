//! `proxy-url` against the real API server. The proxies are minimal ones
//! written here (HTTP CONNECT and SOCKS5, no auth): testenv has no proxy, and
//! these only relay bytes and record where they were asked to connect. The
//! API server at the other end, and TLS through the tunnel, are real.

use std::sync::{Arc, Mutex};

use k8s_client::Client;
use k8s_client::rest::Request;
use k8s_testenv::Kind;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::env::{config, testenv};

/// Targets the proxy was asked to reach, as `host:port`.
type Seen = Arc<Mutex<Vec<String>>>;

#[derive(Clone, Copy)]
enum Protocol {
    HttpConnect,
    Socks5,
}

/// Starts a proxy on a free loopback port; returns its URL and what it saw.
async fn start_proxy(protocol: Protocol) -> (String, Seen) {
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

async fn check_version_through(protocol: Protocol) {
    let (proxy_url, seen) = start_proxy(protocol).await;
    let mut config = config(Kind::Admin).await;
    config.proxy_url = Some(proxy_url.clone());
    let client = Client::try_from(config).unwrap();
    let version: Value = client
        .send_json(Request::get().abs_path("/version"))
        .await
        .unwrap_or_else(|e| panic!("through {proxy_url}: {e}"));
    assert!(version["gitVersion"].as_str().unwrap().starts_with("v1."));

    let server = testenv().await.server_url().trim_start_matches("https://");
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the request did not go through the proxy");
    assert!(seen.iter().all(|t| t == server), "{seen:?} vs {server}");
}

#[tokio::test]
async fn http_proxy_from_the_config_tunnels_to_the_server() {
    check_version_through(Protocol::HttpConnect).await;
}

#[tokio::test]
async fn socks5_proxy_from_the_config_tunnels_to_the_server() {
    check_version_through(Protocol::Socks5).await;
}
