//! The HTTP half of an OIDC token refresh: the identity provider is not the
//! API server, so this talks to it with its own small reqwest client, built
//! with the same rustls setup (and the provider's CA from the kubeconfig).

use std::sync::Arc;

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
        async move { refresh(request).await }.boxed()
    }
}

async fn refresh(request: OidcRefreshRequest) -> Result<OidcTokens, String> {
    let tls = tls::client_config(
        &TlsSettings {
            root_certs: &request.root_certs,
            accept_invalid_certs: false,
            tls_server_name: None,
        },
        Arc::new(ClientIdentitySlot::default()),
    )
    .map_err(|e| format!("OIDC provider TLS: {e}"))?;
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .map_err(|e| format!("OIDC HTTP client: {e}"))?;

    let discovery_url = request.discovery_url();
    let discovery = fetch(http.get(&discovery_url), &discovery_url).await?;
    let token_endpoint = OidcRefreshRequest::token_endpoint(&discovery)?;
    let tokens = fetch(
        http.post(&token_endpoint)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(request.form_body()),
        &token_endpoint,
    )
    .await?;
    OidcRefreshRequest::parse_token_response(&tokens)
}

/// Sends one request; errors name the URL and status but never the body,
/// which may hold tokens.
async fn fetch(request: reqwest::RequestBuilder, url: &str) -> Result<bytes::Bytes, String> {
    let response = request.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url}: HTTP {status}"));
    }
    response.bytes().await.map_err(|e| format!("{url}: {e}"))
}
