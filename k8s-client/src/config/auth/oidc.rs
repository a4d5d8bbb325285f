//! `auth-provider: oidc`: use the id-token while it is valid, refresh it when it expires.
//!
//! The HTTP exchange of a refresh is done by an [`OidcRefresher`] that the transport
//! supplies ([`Auth::set_oidc_refresher`](super::Auth::set_oidc_refresher)), so this
//! module stays free of an HTTP client. [`OidcRefreshRequest`] has the pure helpers for
//! it: the discovery URL, the token endpoint from the discovery document, the form body,
//! and the parsing of the token response.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use futures::future::BoxFuture;
use rustls_pki_types::CertificateDer;

use super::Credential;
use crate::config::error::ConfigError;
use crate::config::secret::SecretString;

/// An id-token is treated as expired this long before its `exp` (client-go: 10 s).
const EXPIRY_DELTA: Duration = Duration::from_secs(10);

/// Everything needed to refresh an OIDC id-token with a refresh-token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OidcRefreshRequest {
    /// `idp-issuer-url`.
    pub issuer_url: String,
    /// `client-id`.
    pub client_id: String,
    /// `client-secret`.
    pub client_secret: Option<SecretString>,
    /// `refresh-token`.
    pub refresh_token: SecretString,
    /// `extra-scopes` (comma separated in the kubeconfig).
    pub extra_scopes: Vec<String>,
    /// CAs to trust for the issuer, from `idp-certificate-authority(-data)`; empty means
    /// the system roots.
    pub root_certs: Vec<CertificateDer<'static>>,
}

/// The tokens returned by a refresh.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OidcTokens {
    /// The new `id_token`.
    pub id_token: SecretString,
    /// A new `refresh_token`, if the issuer rotated it.
    pub refresh_token: Option<SecretString>,
}

impl OidcTokens {
    /// Tokens from their parts.
    pub fn new(id_token: SecretString, refresh_token: Option<SecretString>) -> Self {
        Self {
            id_token,
            refresh_token,
        }
    }
}

/// Performs the HTTP part of an OIDC refresh: GET [`discovery_url`](OidcRefreshRequest::discovery_url),
/// POST [`form_body`](OidcRefreshRequest::form_body) to the
/// [`token_endpoint`](OidcRefreshRequest::token_endpoint) (as
/// `application/x-www-form-urlencoded`), and [`parse_token_response`](OidcRefreshRequest::parse_token_response).
/// The error string must not contain tokens.
///
/// The client's own refresher follows no redirects (a 307 would post the secrets again),
/// gives each request 30 seconds and reads at most 1 MiB of each response.
pub trait OidcRefresher: Send + Sync {
    /// Refreshes the tokens.
    fn refresh(
        &self,
        request: OidcRefreshRequest,
    ) -> BoxFuture<'static, Result<OidcTokens, String>>;
}

impl OidcRefreshRequest {
    /// `<issuer>/.well-known/openid-configuration`.
    pub fn discovery_url(&self) -> String {
        format!(
            "{}/.well-known/openid-configuration",
            self.issuer_url.trim_end_matches('/')
        )
    }

    /// The `token_endpoint` of an OpenID discovery document. It must be an `https` URL:
    /// the refresh token and client secret are posted to it.
    ///
    /// ```
    /// use k8s_client::config::OidcRefreshRequest;
    /// let doc = br#"{"token_endpoint": "http://idp.example/token"}"#;
    /// assert!(OidcRefreshRequest::token_endpoint(doc).is_err());
    /// ```
    pub fn token_endpoint(discovery_json: &[u8]) -> Result<String, String> {
        let v: serde_json::Value = serde_json::from_slice(discovery_json)
            .map_err(|e| format!("invalid OpenID discovery document: {e}"))?;
        let endpoint = v
            .get("token_endpoint")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| "OpenID discovery document has no token_endpoint".to_owned())?;
        let https = endpoint
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"));
        if !https {
            return Err(format!(
                "the OpenID token_endpoint {} is not an https URL",
                crate::config::redact_url(endpoint)
            ));
        }
        Ok(endpoint.to_owned())
    }

    /// The `application/x-www-form-urlencoded` body of the refresh request.
    pub fn form_body(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("grant_type", "refresh_token".to_owned()),
            (
                "refresh_token",
                self.refresh_token.expose_secret().to_owned(),
            ),
            ("client_id", self.client_id.clone()),
        ];
        if let Some(s) = &self.client_secret {
            pairs.push(("client_secret", s.expose_secret().to_owned()));
        }
        let mut scopes = vec!["openid".to_owned()];
        scopes.extend(self.extra_scopes.iter().cloned());
        pairs.push(("scope", scopes.join(" ")));
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Parses a token endpoint response; it must carry an `id_token`.
    pub fn parse_token_response(json: &[u8]) -> Result<OidcTokens, String> {
        #[derive(serde::Deserialize)]
        struct Resp {
            id_token: Option<SecretString>,
            refresh_token: Option<SecretString>,
        }
        let r: Resp = serde_json::from_slice(json)
            .map_err(|_| "token response is not valid JSON".to_owned())?;
        let id_token = r
            .id_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| "token response did not contain an id_token".to_owned())?;
        Ok(OidcTokens {
            id_token,
            refresh_token: r.refresh_token.filter(|t| !t.is_empty()),
        })
    }
}

fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The `exp` claim of a JWT, without verifying it.
pub(crate) fn jwt_expiry(token: &str) -> Result<SystemTime, String> {
    let payload = token.split('.').nth(1).ok_or("id-token is not a JWT")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "id-token payload is not base64url")?;
    let claims: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| "id-token payload is not JSON")?;
    let exp = claims
        .get("exp")
        .and_then(serde_json::Value::as_f64)
        .ok_or("id-token has no exp")?;
    if !exp.is_finite() || exp < 0.0 {
        return Err("id-token exp is invalid".to_owned());
    }
    Ok(UNIX_EPOCH + Duration::from_secs_f64(exp.min(1e15)))
}

/// `true` if the id-token can still be used at `now`.
pub(crate) fn id_token_valid(token: &str, now: SystemTime) -> Result<bool, String> {
    Ok(now + EXPIRY_DELTA < jwt_expiry(token)?)
}

pub(crate) struct OidcAuth {
    issuer_url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    extra_scopes: Vec<String>,
    root_certs: Vec<CertificateDer<'static>>,
    tokens: Mutex<Tokens>,
    refresher: OnceLock<Arc<dyn OidcRefresher>>,
    refreshing: tokio::sync::Mutex<()>,
}

struct Tokens {
    id_token: Option<SecretString>,
    refresh_token: Option<SecretString>,
    force_refresh: bool,
}

fn err(message: impl Into<String>) -> ConfigError {
    ConfigError::AuthProvider {
        name: "oidc".to_owned(),
        message: message.into(),
    }
}

impl OidcAuth {
    /// From the auth-provider `config` map; `root_certs` are the parsed
    /// `idp-certificate-authority(-data)`.
    pub(crate) fn new(
        config: &BTreeMap<String, SecretString>,
        root_certs: Vec<CertificateDer<'static>>,
    ) -> Self {
        let get = |k: &str| config.get(k).filter(|v| !v.is_empty()).cloned();
        let plain = |k: &str| get(k).map(|v| v.expose_secret().to_owned());
        Self {
            issuer_url: plain("idp-issuer-url"),
            client_id: plain("client-id"),
            client_secret: get("client-secret"),
            extra_scopes: plain("extra-scopes")
                .map(|s| {
                    s.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            root_certs,
            tokens: Mutex::new(Tokens {
                id_token: get("id-token"),
                refresh_token: get("refresh-token"),
                force_refresh: false,
            }),
            refresher: OnceLock::new(),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn set_refresher(&self, r: Arc<dyn OidcRefresher>) -> bool {
        self.refresher.set(r).is_ok()
    }

    /// The id-token if it can be used now; `Ok(None)` if a refresh is needed.
    fn usable(&self) -> Result<Option<SecretString>, ConfigError> {
        let t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        match &t.id_token {
            Some(tok) if !t.force_refresh => {
                if id_token_valid(tok.expose_secret(), SystemTime::now()).map_err(err)? {
                    Ok(Some(tok.clone()))
                } else {
                    Ok(None)
                }
            }
            _ => Ok(None),
        }
    }

    pub(crate) async fn credential(&self) -> Result<Credential, ConfigError> {
        if let Some(t) = self.usable()? {
            return Ok(Credential::Bearer(t));
        }
        let _refreshing = self.refreshing.lock().await;
        if let Some(t) = self.usable()? {
            return Ok(Credential::Bearer(t));
        }
        let request = self.refresh_request()?;
        let refresher = self
            .refresher
            .get()
            .ok_or_else(|| err("the id-token expired and no refresher is configured"))?
            .clone();
        let new = refresher
            .refresh(request)
            .await
            .map_err(|m| err(format!("refresh failed: {m}")))?;
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        t.id_token = Some(new.id_token.clone());
        if let Some(r) = new.refresh_token {
            t.refresh_token = Some(r);
        }
        t.force_refresh = false;
        Ok(Credential::Bearer(new.id_token))
    }

    fn refresh_request(&self) -> Result<OidcRefreshRequest, ConfigError> {
        let t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        let refresh_token = t.refresh_token.clone().ok_or_else(|| {
            err("the id-token is missing or expired and there is no refresh-token")
        })?;
        Ok(OidcRefreshRequest {
            issuer_url: self
                .issuer_url
                .clone()
                .ok_or_else(|| err("idp-issuer-url is required to refresh"))?,
            client_id: self
                .client_id
                .clone()
                .ok_or_else(|| err("client-id is required to refresh"))?,
            client_secret: self.client_secret.clone(),
            refresh_token,
            extra_scopes: self.extra_scopes.clone(),
            root_certs: self.root_certs.clone(),
        })
    }

    /// After a 401: refresh on the next call, if a refresh is possible.
    pub(crate) fn invalidate(&self) {
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        if t.refresh_token.is_some() {
            t.force_refresh = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(exp: u64) -> String {
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256"}"#),
            enc(&format!(r#"{{"sub":"me","exp":{exp}}}"#))
        )
    }

    fn now_secs() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn config(pairs: &[(&str, &str)]) -> BTreeMap<String, SecretString> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), SecretString::new(*v)))
            .collect()
    }

    #[test]
    fn expiry_detection() {
        let now = SystemTime::now();
        assert!(id_token_valid(&jwt(now_secs() + 3600), now).unwrap());
        assert!(!id_token_valid(&jwt(now_secs() - 1), now).unwrap());
        // Within the 10 s delta counts as expired.
        assert!(!id_token_valid(&jwt(now_secs() + 5), now).unwrap());
        assert!(id_token_valid("not-a-jwt", now).is_err());
        assert!(id_token_valid("a.!!!.c", now).is_err());
    }

    #[tokio::test]
    async fn valid_id_token_is_used() {
        let tok = jwt(now_secs() + 3600);
        let auth = OidcAuth::new(&config(&[("id-token", &tok)]), vec![]);
        match auth.credential().await.unwrap() {
            Credential::Bearer(t) => assert_eq!(t.expose_secret(), tok),
            other => panic!("{other:?}"),
        }
    }

    struct Fake;
    impl OidcRefresher for Fake {
        fn refresh(&self, r: OidcRefreshRequest) -> BoxFuture<'static, Result<OidcTokens, String>> {
            Box::pin(async move {
                assert_eq!(r.refresh_token.expose_secret(), "rt");
                assert_eq!(
                    r.discovery_url(),
                    "https://issuer/.well-known/openid-configuration"
                );
                Ok(OidcTokens::new(
                    SecretString::new("new-id"),
                    Some(SecretString::new("rt2")),
                ))
            })
        }
    }

    #[tokio::test]
    async fn expired_id_token_is_refreshed_or_errors() {
        let old = jwt(now_secs() - 100);
        let cfg = config(&[
            ("id-token", &old),
            ("refresh-token", "rt"),
            ("idp-issuer-url", "https://issuer/"),
            ("client-id", "kubectl"),
            ("client-secret", "cs"),
        ]);
        let auth = OidcAuth::new(&cfg, vec![]);
        let e = auth.credential().await.unwrap_err().to_string();
        assert!(e.contains("no refresher"), "{e}");
        assert!(!e.contains(&old) && !e.contains("cs"), "{e}");
        assert!(auth.set_refresher(Arc::new(Fake)));
        match auth.credential().await.unwrap() {
            Credential::Bearer(t) => assert_eq!(t.expose_secret(), "new-id"),
            other => panic!("{other:?}"),
        }
        let no_refresh = OidcAuth::new(&config(&[("id-token", &old)]), vec![]);
        let e = no_refresh.credential().await.unwrap_err().to_string();
        assert!(e.contains("no refresh-token"), "{e}");
    }

    #[test]
    fn refresh_helpers() {
        let r = OidcRefreshRequest {
            issuer_url: "https://i".into(),
            client_id: "id x".into(),
            client_secret: Some(SecretString::new("s&=")),
            refresh_token: SecretString::new("r/t"),
            extra_scopes: vec!["email".into()],
            root_certs: vec![],
        };
        assert_eq!(
            r.form_body(),
            "grant_type=refresh_token&refresh_token=r%2Ft&client_id=id+x&client_secret=s%26%3D&scope=openid+email"
        );
        assert!(!format!("{r:?}").contains("r/t"));
        assert_eq!(
            OidcRefreshRequest::token_endpoint(br#"{"token_endpoint":"https://i/token"}"#).unwrap(),
            "https://i/token"
        );
        assert!(OidcRefreshRequest::token_endpoint(b"{}").is_err());
        assert_eq!(
            OidcRefreshRequest::token_endpoint(br#"{"token_endpoint":"HTTPS://i/t"}"#).unwrap(),
            "HTTPS://i/t"
        );
        for plain in ["http://i/token", "//i/token", "/token", "https:/i"] {
            let doc = serde_json::json!({ "token_endpoint": plain }).to_string();
            let e = OidcRefreshRequest::token_endpoint(doc.as_bytes()).unwrap_err();
            assert!(e.contains("not an https URL"), "{e}");
        }
        let t =
            OidcRefreshRequest::parse_token_response(br#"{"id_token":"a","refresh_token":"b"}"#)
                .unwrap();
        assert_eq!(t.id_token.expose_secret(), "a");
        assert!(OidcRefreshRequest::parse_token_response(br#"{"access_token":"a"}"#).is_err());
    }
}
