//! A loopback server that answers like the API server for one fixed set of
//! pods, so an informer benchmark measures the clients rather than a server:
//!
//! - a LIST is paged as the request's `limit` and `continue` say (the
//!   token is the offset of the next pod) and sent chunked, as the API
//!   server streams lists;
//! - a WATCH (`watch=true`) gets its headers and is then held open with no
//!   events, until [`PodServer::expire_watches`] ends every open watch with
//!   a `410 Expired` ERROR event, which makes any client relist.
//!
//! The path is not looked at: every GET is about the same pods. Counters of
//! completed lists and opened watches let a benchmark know when a client
//! has relisted and gone back to watching.

use std::io;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The list's resourceVersion; watches are answered whatever they ask for.
const LIST_RESOURCE_VERSION: &str = "2000000";
/// Go's `net/http` writes a streamed body in chunks of about this size.
const CHUNK: usize = 4096;
/// The event that ends a watch whose version is too old.
const EXPIRED: &[u8] = br#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (2000000)","reason":"Expired","code":410}}
"#;

/// The running server; dropping it leaves it running for the process's life.
#[derive(Clone)]
pub struct PodServer {
    url: String,
    shared: Arc<Shared>,
}

struct Shared {
    /// Each pod's JSON, compact.
    pods: Vec<Vec<u8>>,
    /// Bumped to end every open watch with 410.
    expire: watch::Sender<u64>,
    /// LISTs answered with their last page.
    lists_completed: watch::Sender<u64>,
    /// WATCHes whose headers were sent.
    watches_opened: watch::Sender<u64>,
}

impl PodServer {
    /// Starts the server on 127.0.0.1, serving `pods` (each one object's JSON).
    pub async fn start(pods: Vec<Vec<u8>>) -> io::Result<PodServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            pods,
            expire: watch::Sender::new(0),
            lists_completed: watch::Sender::new(0),
            watches_opened: watch::Sender::new(0),
        });
        let accepting = Arc::clone(&shared);
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let _ = conn.set_nodelay(true);
                tokio::spawn(serve(conn, Arc::clone(&accepting)));
            }
        });
        Ok(PodServer { url, shared })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Ends every watch open now with a `410 Expired` ERROR event.
    pub fn expire_watches(&self) {
        self.shared.expire.send_modify(|n| *n += 1);
    }

    /// A receiver of the number of LISTs answered to their last page.
    pub fn lists_completed(&self) -> watch::Receiver<u64> {
        self.shared.lists_completed.subscribe()
    }

    /// A receiver of the number of WATCHes opened.
    pub fn watches_opened(&self) -> watch::Receiver<u64> {
        self.shared.watches_opened.subscribe()
    }
}

/// What a request asks for.
#[derive(Debug, PartialEq)]
enum Ask {
    List { limit: usize, from: usize },
    Watch,
}

fn parse(head: &[u8]) -> Option<Ask> {
    let head = std::str::from_utf8(head).ok()?;
    let target = head.lines().next()?.split(' ').nth(1)?;
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let (mut limit, mut from, mut watch) = (0, 0, false);
    for pair in query.split('&') {
        match pair.split_once('=').unwrap_or((pair, "")) {
            ("watch", "true" | "1") => watch = true,
            ("limit", n) => limit = n.parse().ok()?,
            ("continue", n) => from = n.parse().ok()?,
            _ => {}
        }
    }
    Some(if watch {
        Ask::Watch
    } else {
        Ask::List { limit, from }
    })
}

async fn serve(mut conn: TcpStream, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut filled = 0;
    loop {
        match conn.read(&mut buf[filled..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => filled += n,
        }
        // Requests are bodiless GETs: answer each complete header block.
        while let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            let done = match parse(&buf[..end]) {
                Some(Ask::List { limit, from }) => list(&mut conn, &shared, limit, from).await,
                // A watch holds the connection until it ends; then it closes.
                Some(Ask::Watch) => {
                    let _ = hold_watch(&mut conn, &shared).await;
                    return;
                }
                None => {
                    conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                        .await
                }
            };
            if done.is_err() {
                return;
            }
            buf.copy_within(end + 4..filled, 0);
            filled -= end + 4;
        }
        if filled == buf.len() {
            return;
        }
    }
}

async fn list(conn: &mut TcpStream, shared: &Shared, limit: usize, from: usize) -> io::Result<()> {
    let total = shared.pods.len();
    let from = from.min(total);
    let to = if limit == 0 {
        total
    } else {
        (from + limit).min(total)
    };
    let mut body = Vec::with_capacity(
        shared.pods[from..to]
            .iter()
            .map(|p| p.len() + 1)
            .sum::<usize>()
            + 256,
    );
    body.extend_from_slice(
        br#"{"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":""#,
    );
    body.extend_from_slice(LIST_RESOURCE_VERSION.as_bytes());
    body.push(b'"');
    if to < total {
        body.extend_from_slice(
            format!(r#","continue":"{to}","remainingItemCount":{}"#, total - to).as_bytes(),
        );
    }
    body.extend_from_slice(br#"},"items":["#);
    for (i, pod) in shared.pods[from..to].iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(pod);
    }
    body.extend_from_slice(b"]}");

    conn.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await?;
    for chunk in body.chunks(CHUNK) {
        write_chunk(conn, chunk).await?;
    }
    conn.write_all(b"0\r\n\r\n").await?;
    if to == total {
        shared.lists_completed.send_modify(|n| *n += 1);
    }
    Ok(())
}

async fn hold_watch(conn: &mut TcpStream, shared: &Shared) -> io::Result<()> {
    let mut expire = shared.expire.subscribe();
    expire.mark_unchanged();
    conn.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .await?;
    shared.watches_opened.send_modify(|n| *n += 1);
    let mut closed = [0u8; 1];
    tokio::select! {
        // The client went away (or sent something, which a watcher never does).
        _ = conn.read(&mut closed) => return Ok(()),
        changed = expire.changed() => if changed.is_err() { return Ok(()) },
    }
    write_chunk(conn, EXPIRED).await?;
    conn.write_all(b"0\r\n\r\n").await?;
    conn.shutdown().await
}

async fn write_chunk(conn: &mut TcpStream, chunk: &[u8]) -> io::Result<()> {
    conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
        .await?;
    conn.write_all(chunk).await?;
    conn.write_all(b"\r\n").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_and_watches() {
        let get = |t: &str| format!("GET {t} HTTP/1.1\r\nHost: x").into_bytes();
        assert_eq!(
            parse(&get(
                "/api/v1/namespaces/p/pods?limit=500&resourceVersion=0"
            )),
            Some(Ask::List {
                limit: 500,
                from: 0
            })
        );
        assert_eq!(
            parse(&get("/api/v1/pods?continue=1500&limit=500")),
            Some(Ask::List {
                limit: 500,
                from: 1500
            })
        );
        assert_eq!(
            parse(&get("/api/v1/pods")),
            Some(Ask::List { limit: 0, from: 0 })
        );
        assert_eq!(
            parse(&get(
                "/api/v1/pods?allowWatchBookmarks=true&watch=1&resourceVersion=5"
            )),
            Some(Ask::Watch)
        );
        assert_eq!(parse(&get("/api/v1/pods?limit=x")), None);
    }
}
