//! The WebSocket handshake (RFC 6455) over the client's upgrade path.
//!
//! The HTTP exchange is the client's own (credentials, retries, TLS; see
//! `client/upgrade.rs`); this adds the WebSocket headers, checks the
//! server's answer to them, and hands the connection to tungstenite for the
//! framing.

use reqwest::header::HeaderMap;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::client::Upgraded;
use crate::rest::RequestBuilder;
use crate::{Client, Error, Result, SessionErrorKind};

/// An open WebSocket and what was agreed for it: over an upgraded HTTP
/// connection, or any byte stream in tests.
pub(crate) struct Socket<S = reqwest::Upgraded> {
    pub(crate) ws: WebSocketStream<S>,
    /// The subprotocol the server chose, one of those offered.
    pub(crate) protocol: &'static str,
    /// The request, for errors: `GET /api/v1/namespaces/NS/pods/NAME/exec`.
    pub(crate) operation: String,
}

/// Most bytes in one message the client accepts: a server message is at
/// most what the node read in one go, far below this.
const MAX_MESSAGE: usize = 16 << 20;

/// Upgrades `request` to a WebSocket speaking one of `protocols` (in order
/// of preference).
pub(crate) async fn connect(
    client: &Client,
    request: RequestBuilder,
    protocols: &[&'static str],
) -> Result<Socket> {
    let key = generate_key();
    let req = request
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", &key)
        .header("Sec-WebSocket-Protocol", &protocols.join(", "))
        .upgrade()
        .build()?;
    let operation = req.operation();
    let Upgraded { io, headers } = client.upgrade(&req).await?;
    let protocol = check_handshake(&headers, &key, protocols).map_err(|reason| Error::Session {
        operation: operation.clone(),
        kind: SessionErrorKind::Handshake(reason),
        source: None,
    })?;
    let mut config = WebSocketConfig::default();
    config.max_message_size = Some(MAX_MESSAGE);
    config.max_frame_size = Some(MAX_MESSAGE);
    let ws = WebSocketStream::from_raw_socket(io, Role::Client, Some(config)).await;
    tracing::debug!(operation, protocol, "WebSocket session open");
    Ok(Socket {
        ws,
        protocol,
        operation,
    })
}

/// Checks the `101`'s WebSocket headers; returns the chosen subprotocol.
fn check_handshake(
    headers: &HeaderMap,
    key: &str,
    protocols: &[&'static str],
) -> Result<&'static str, String> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if !header("upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket")) {
        return Err("the server upgraded to something other than websocket".to_owned());
    }
    if header("sec-websocket-accept") != Some(derive_accept_key(key.as_bytes()).as_str()) {
        return Err("Sec-WebSocket-Accept does not answer the key sent".to_owned());
    }
    let chosen = header("sec-websocket-protocol").unwrap_or_default().trim();
    protocols
        .iter()
        .copied()
        .find(|p| *p == chosen)
        .ok_or_else(|| {
            format!(
                "the server chose subprotocol {chosen:?}, not one of {}",
                protocols.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn answer(accept: &str, protocol: Option<&'static str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("upgrade", HeaderValue::from_static("websocket"));
        h.insert(
            "sec-websocket-accept",
            HeaderValue::from_str(accept).unwrap(),
        );
        if let Some(p) = protocol {
            h.insert("sec-websocket-protocol", HeaderValue::from_static(p));
        }
        h
    }

    #[test]
    fn the_handshake_checks_the_accept_key_and_the_subprotocol() {
        // RFC 6455's example key and answer.
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
        let offered = ["v5.channel.k8s.io", "v4.channel.k8s.io"];
        let chosen = check_handshake(&answer(accept, Some("v4.channel.k8s.io")), key, &offered);
        assert_eq!(chosen, Ok("v4.channel.k8s.io"));
        assert!(
            check_handshake(&answer("wrong", Some("v4.channel.k8s.io")), key, &offered).is_err()
        );
        // No subprotocol would mean the pre-v4 protocols, which are not offered.
        assert!(check_handshake(&answer(accept, None), key, &offered).is_err());
        assert!(check_handshake(&answer(accept, Some("channel.k8s.io")), key, &offered).is_err());
    }
}
