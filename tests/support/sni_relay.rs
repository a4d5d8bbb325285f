//! A TCP relay that reads the server name (SNI) from each TLS ClientHello it
//! carries, then forwards every byte, unchanged, to the real server: the TLS
//! session is the client's with that server, but the server cannot report
//! the SNI it received.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The SNI of each connection, in order: `None` when the ClientHello had none.
pub type SeenNames = Arc<Mutex<Vec<Option<String>>>>;

/// Starts a relay to `upstream` (`host:port`) on a free loopback port; returns
/// its `https://127.0.0.1:PORT` URL and the names it saw.
pub async fn start_sni_relay(upstream: String) -> (String, SeenNames) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: SeenNames = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let (record, upstream) = (record.clone(), upstream.clone());
            tokio::spawn(async move {
                let _ = relay(conn, &upstream, record).await;
            });
        }
    });
    (format!("https://{addr}"), seen)
}

async fn relay(mut client: TcpStream, upstream: &str, seen: SeenNames) -> std::io::Result<()> {
    let mut acceptor = rustls::server::Acceptor::default();
    let mut hello = Vec::new();
    let mut chunk = [0u8; 4096];
    let name = loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        hello.extend_from_slice(&chunk[..n]);
        let mut fresh = &chunk[..n];
        while !fresh.is_empty() {
            acceptor.read_tls(&mut fresh)?;
        }
        match acceptor.accept() {
            Ok(Some(accepted)) => break accepted.client_hello().server_name().map(str::to_owned),
            Ok(None) => continue,
            Err((e, _)) => return Err(std::io::Error::other(e)),
        }
    };
    seen.lock().unwrap().push(name);
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&hello).await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}
