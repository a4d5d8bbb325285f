//! A scripted HTTP/1.1 server on 127.0.0.1 for the few cases a real API server
//! cannot be made to produce on demand: Retry-After answers, connections that
//! break mid-response, truncated or non-JSON bodies. It is NOT an API server:
//! each connection gets the next scripted reply, whatever was asked.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with the next request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A complete response.
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Headers promising `promised` bytes, then `sent` of them, then the connection closes.
    Truncated { promised: usize, sent: Vec<u8> },
    /// Close the connection without answering.
    Hangup,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type", "application/json".to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }
    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name, value.to_owned()));
        }
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

pub struct FaultServer {
    pub url: String,
    script: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

/// Replies chosen by request path (query ignored), for clients that send
/// several requests at once and so in no fixed order.
type Routes = Arc<Vec<(&'static str, Reply)>>;

impl FaultServer {
    /// Starts serving `script` in order; once it runs out, every request gets `fallback`.
    pub async fn start(script: Vec<Reply>, fallback: Reply) -> FaultServer {
        Self::serve_with(script, Vec::new(), fallback).await
    }

    /// Answers a request for `path` with its route's reply; any other path gets `fallback`.
    pub async fn start_routed(routes: Vec<(&'static str, Reply)>, fallback: Reply) -> FaultServer {
        Self::serve_with(Vec::new(), routes, fallback).await
    }

    async fn serve_with(
        script: Vec<Reply>,
        routes: Vec<(&'static str, Reply)>,
        fallback: Reply,
    ) -> FaultServer {
        let routes: Routes = Arc::new(routes);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, v) = (script.clone(), seen.clone());
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let (s, v, r, fallback) = (s.clone(), v.clone(), routes.clone(), fallback.clone());
                tokio::spawn(async move { serve(conn, s, v, r, fallback).await });
            }
        });
        FaultServer { url, script, seen }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn remaining_script(&self) -> usize {
        self.script.lock().unwrap().len()
    }
}

async fn serve(
    mut conn: TcpStream,
    script: Arc<Mutex<VecDeque<Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    routes: Routes,
    fallback: Reply,
) {
    // Keep-alive: serve requests on this connection until it closes.
    loop {
        let Some(request) = read_request(&mut conn).await else {
            return;
        };
        let path = request
            .path
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        seen.lock().unwrap().push(request);
        let routed = routes
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, r)| r.clone());
        let reply = routed.unwrap_or_else(|| {
            script
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| fallback.clone())
        });
        match reply {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if conn.write_all(head.as_bytes()).await.is_err()
                    || conn.write_all(&body).await.is_err()
                {
                    return;
                }
            }
            Reply::Truncated { promised, sent } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {promised}\r\n\r\n"
                );
                let _ = conn.write_all(head.as_bytes()).await;
                let _ = conn.write_all(&sent).await;
                let _ = conn.flush().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
                return;
            }
            Reply::Hangup => return,
        }
    }
}

async fn read_request(conn: &mut TcpStream) -> Option<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body_read = buf.len() - header_end;
    while body_read < length {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body_read += n;
    }
    Some(Seen {
        method,
        path,
        headers,
    })
}
