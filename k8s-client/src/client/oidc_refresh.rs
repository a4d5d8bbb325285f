//! The HTTP half of an OIDC token refresh: the identity provider is not the
//! API server, so this talks to it with its own small reqwest client, built
//! with the same rustls setup (and the provider's CA from the kubeconfig).

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;

use super::tls::{self, ClientIdentitySlot, TlsSettings};
use crate::config::{OidcRefreshRequest, OidcRefresher, OidcTokens};

/// Refreshes OIDC tokens over HTTPS.
#[derive(Debug, Default)]
pub(crate) struct HttpOidcRefresher;

impl OidcRefresher for HttpOidcRefresher {
    fn refresh(
        &self,
        request: OidcRefreshRequest,
    ) -> BoxFuture<'static, Result<OidcTokens, String>> {
        async move { refresh(request, &Limits::default()).await }.boxed()
    }
}

/// What one refresh may take.
struct Limits {
    /// For each request, connecting included.
    timeout: Duration,
    /// For each response body.
    max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: TIMEOUT,
            max_body: MAX_BODY,
        }
    }
}

/// How long each request to the identity provider may take.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body read from the identity provider: its documents are small.
const MAX_BODY: usize = 1 << 20;

async fn refresh(request: OidcRefreshRequest, limits: &Limits) -> Result<OidcTokens, String> {
    let tls = tls::client_config(
        &TlsSettings {
            root_certs: &request.root_certs,
            accept_invalid_certs: false,
            tls_server_name: None,
        },
        Arc::new(ClientIdentitySlot::default()),
    )
    .map_err(|e| format!("OIDC provider TLS: {e}"))?;
    // No redirects: a 307 or 308 would post the refresh token and client secret again,
    // wherever the provider (or whoever answers for it) points.
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(limits.timeout)
        .build()
        .map_err(|e| format!("OIDC HTTP client: {e}"))?;

    let discovery_url = request.discovery_url();
    let discovery = fetch(http.get(&discovery_url), &discovery_url, limits.max_body).await?;
    let token_endpoint = OidcRefreshRequest::token_endpoint(&discovery)?;
    let tokens = fetch(
        http.post(&token_endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(request.form_body()),
        &token_endpoint,
        limits.max_body,
    )
    .await?;
    OidcRefreshRequest::parse_token_response(&tokens)
}

/// Sends one request and reads at most `max_body` bytes of its answer; errors name the URL
/// and status but never the body, which may hold tokens.
async fn fetch(
    request: reqwest::RequestBuilder,
    url: &str,
    max_body: usize,
) -> Result<bytes::Bytes, String> {
    let mut response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    if status.is_redirection() {
        return Err(format!("{url}: HTTP {status} (redirects are not followed)"));
    }
    if !status.is_success() {
        return Err(format!("{url}: HTTP {status}"));
    }
    let too_large = || format!("{url}: the response has more than {max_body} bytes");
    if response
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > max_body))
    {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        if body.len().saturating_add(chunk.len()) > max_body {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SecretString;
    use std::sync::Mutex;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// What the identity provider answers for a request line, or `None` to never answer.
    type Answer = fn(&str, &str) -> Option<Vec<u8>>;

    /// A local stand-in for an identity provider (there is no real one to test against):
    /// answers each request by its request line and records the lines. Its base URL is
    /// passed to `answer` so that documents can point back at it.
    async fn provider(answer: Answer) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (record, url) = (seen.clone(), base.clone());
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let (record, url) = (record.clone(), url.clone());
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n")
                        && conn.read(&mut byte).await.unwrap_or(0) == 1
                    {
                        head.push(byte[0]);
                    }
                    let text = String::from_utf8_lossy(&head).into_owned();
                    let line = text.lines().next().unwrap_or("").to_owned();
                    record.lock().unwrap().push(line.clone());
                    match answer(&line, &url) {
                        Some(reply) => {
                            let _ = conn.write_all(&reply).await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                });
            }
        });
        (base, seen)
    }

    fn reply(status: &str, headers: &str, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    fn request(issuer: &str) -> OidcRefreshRequest {
        OidcRefreshRequest {
            issuer_url: issuer.to_owned(),
            client_id: "kctl".into(),
            client_secret: Some(SecretString::new("client-secret-value")),
            refresh_token: SecretString::new("refresh-token-value"),
            extra_scopes: vec![],
            root_certs: vec![],
        }
    }

    fn short() -> Limits {
        Limits {
            timeout: Duration::from_millis(300),
            max_body: MAX_BODY,
        }
    }

    #[tokio::test]
    async fn a_plain_http_token_endpoint_is_refused() {
        let (url, seen) = provider(|line, base| {
            Some(if line.starts_with("GET") {
                let doc = format!(r#"{{"token_endpoint":"{base}/token"}}"#);
                reply("200 OK", "Content-Type: application/json\r\n", &doc)
            } else {
                reply("200 OK", "", r#"{"id_token":"new"}"#)
            })
        })
        .await;
        let e = refresh(request(&url), &short()).await.unwrap_err();
        assert!(e.contains("https"), "{e}");
        // The refresh token and client secret were never sent in clear.
        assert!(seen.lock().unwrap().iter().all(|l| !l.starts_with("POST")));
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let (url, seen) = provider(|line, _| {
            Some(if line.contains("/elsewhere") {
                reply(
                    "200 OK",
                    "",
                    r#"{"token_endpoint":"https://127.0.0.1:1/token"}"#,
                )
            } else {
                reply("307 Temporary Redirect", "Location: /elsewhere\r\n", "")
            })
        })
        .await;
        let e = refresh(request(&url), &short()).await.unwrap_err();
        assert!(e.contains("307"), "{e}");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_silent_provider_times_out() {
        let (url, _) = provider(|_, _| None).await;
        let result =
            tokio::time::timeout(Duration::from_secs(10), refresh(request(&url), &short()))
                .await
                .expect("the refresh's own timeout fires first");
        let e = result.unwrap_err();
        assert!(e.contains(&url), "{e}");
    }

    #[tokio::test]
    async fn a_huge_body_is_cut_off() {
        let (url, _) = provider(|_, _| {
            let body = " ".repeat(4 << 20);
            Some(reply("200 OK", "", &body))
        })
        .await;
        let e = refresh(request(&url), &short()).await.unwrap_err();
        assert!(e.contains("more than 1048576 bytes"), "{e}");
    }
}
