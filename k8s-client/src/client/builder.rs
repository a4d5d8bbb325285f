use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::observer::RequestObserver;
use super::pool::{DEFAULT_MAX_STREAMS_PER_CONNECTION, Pool};
use super::rate_limit::RateLimiter;
use super::retry::RetryPolicy;
use super::server_name::{self, ServerNameResolver};
use super::tls::{self, ClientIdentitySlot, TlsSettings};
use super::warnings::WarningHandler;
use super::{Client, Inner};
use crate::Error;
use crate::config::{Auth, DEFAULT_BURST, DEFAULT_QPS};
use crate::error::BuildError;

/// client-go's dial and keep-alive timeouts.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const TCP_KEEPALIVE: Duration = Duration::from_secs(30);
/// client-go's HTTP/2 health check: ping after 30 s idle, give up after 15 s.
#[cfg(feature = "http2")]
const H2_PING_INTERVAL: Duration = Duration::from_secs(30);
#[cfg(feature = "http2")]
const H2_PING_TIMEOUT: Duration = Duration::from_secs(15);

/// Settings for a [`Client`]; every one has client-go's default.
#[must_use]
pub struct ClientBuilder {
    url: String,
    default_namespace: String,
    root_certs: Vec<CertificateDer<'static>>,
    accept_invalid_certs: bool,
    tls_server_name: Option<String>,
    proxy_url: Option<String>,
    disable_compression: bool,
    protobuf: bool,
    identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    qps: f32,
    burst: u32,
    retry: RetryPolicy,
    warnings: WarningHandler,
    timeout: Option<Duration>,
    user_agent: String,
    headers: Vec<(String, String)>,
    auth: Auth,
    max_streams_per_connection: usize,
    observer: Option<Arc<dyn RequestObserver>>,
    max_response_body: Option<u64>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &crate::config::redact_url(&self.url))
            .field(
                "proxy_url",
                &self.proxy_url.as_deref().map(crate::config::redact_url),
            )
            .field("default_namespace", &self.default_namespace)
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("tls_server_name", &self.tls_server_name)
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("auth", &self.auth)
            .field(
                "max_streams_per_connection",
                &self.max_streams_per_connection,
            )
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(super) fn new(url: impl Into<String>) -> Self {
        ClientBuilder {
            url: url.into(),
            default_namespace: "default".to_owned(),
            root_certs: Vec::new(),
            accept_invalid_certs: false,
            tls_server_name: None,
            proxy_url: None,
            disable_compression: false,
            protobuf: true,
            identity: None,
            qps: DEFAULT_QPS,
            burst: DEFAULT_BURST,
            retry: RetryPolicy::default(),
            warnings: WarningHandler::default(),
            timeout: None,
            user_agent: default_user_agent(),
            headers: Vec::new(),
            auth: Auth::none(),
            max_streams_per_connection: DEFAULT_MAX_STREAMS_PER_CONNECTION,
            observer: None,
            max_response_body: None,
        }
    }

    /// The namespace used when none is given.
    pub fn default_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.default_namespace = namespace.into();
        self
    }

    /// Trusts these certificate authorities (instead of the system's).
    pub fn root_certificates(mut self, certs: Vec<CertificateDer<'static>>) -> Self {
        self.root_certs = certs;
        self
    }

    /// Skips server certificate verification (`insecure-skip-tls-verify`). Dangerous.
    pub fn accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Verifies the server certificate against this name rather than the URL's host, and
    /// sends it as the TLS server name (SNI), as client-go does. Connections still go to
    /// the URL's host. Through a proxy (configured, or from `HTTPS_PROXY`/`ALL_PROXY`) the
    /// name is verified but not sent: the proxy would resolve it itself.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.tls_server_name = Some(name.into());
        self
    }

    /// Sends every request through this proxy (`http://`, `https://`, or
    /// `socks5://` with the `socks` feature). Without one,
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` apply.
    pub fn proxy_url(mut self, url: impl Into<String>) -> Self {
        self.proxy_url = Some(url.into());
        self
    }

    /// Stops asking for gzip-compressed responses (only asked for with the
    /// `gzip` feature).
    pub fn disable_compression(mut self, disable: bool) -> Self {
        self.disable_compression = disable;
        self
    }

    /// Whether built-in types speak protobuf (on by default, with the
    /// `protobuf` feature): requests accept it first, create and replace
    /// send it, watches read its frames. `false` makes every request JSON,
    /// as [`Api::json`](crate::Api::json) does for one `Api`.
    pub fn protobuf(mut self, on: bool) -> Self {
        self.protobuf = on;
        self
    }

    /// Presents this client certificate chain and key.
    pub fn client_identity(
        mut self,
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Self {
        self.identity = Some((chain, key));
        self
    }

    /// Client-side rate limit: sustained requests per second and burst.
    /// A `qps` of zero or less turns limiting off.
    pub fn rate_limit(mut self, qps: f32, burst: u32) -> Self {
        self.qps = qps;
        self.burst = burst;
        self
    }

    /// How failed requests are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Where `Warning` headers go.
    pub fn warning_handler(mut self, handler: WarningHandler) -> Self {
        self.warnings = handler;
        self
    }

    /// A deadline for every request that sets none of its own (watches
    /// excepted). It covers the whole call: every attempt, and the waits for
    /// `Retry-After` and the rate limiter between them.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header; `k8s-client/VERSION (OS/ARCH)` by default.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Where credentials come from; asked before every request, and told
    /// to refresh after a 401.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// How many requests in flight (streams included) one connection
    /// carries before another is opened; kube-apiserver's default cap on
    /// concurrent HTTP/2 streams, [`DEFAULT_MAX_STREAMS_PER_CONNECTION`], by
    /// default. Set it to the server's `--http2-max-streams-per-connection`
    /// if that is lower.
    pub fn max_streams_per_connection(mut self, streams: usize) -> Self {
        self.max_streams_per_connection = streams;
        self
    }

    /// Refuses a response body read whole (every request but streams:
    /// watches, logs) that is larger than `bytes`, with
    /// [`Error::TooLarge`](crate::Error::TooLarge), so a hostile or broken
    /// server cannot make the client hold an unbounded body. Off by default,
    /// as in client-go: a LIST of a large cluster is legitimately large.
    /// Lists are decoded as they arrive, so the limit counts the bytes
    /// read, not what is held; watch frames have their own cap,
    /// [`MAX_WATCH_FRAME`](crate::rest::MAX_WATCH_FRAME).
    pub fn max_response_body(mut self, bytes: u64) -> Self {
        self.max_response_body = Some(bytes);
        self
    }

    /// Tells `observer` about every request: each attempt, retry and rate
    /// limiter wait (see [`RequestObserver`]).
    pub fn observer(mut self, observer: Arc<dyn RequestObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// A header sent with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self.url.trim_end_matches('/').to_owned();
        let server_url = |reason: String| BuildError::ServerUrl {
            url: crate::config::redact_url(&base_url),
            reason,
        };
        let parsed = reqwest::Url::parse(&base_url).map_err(|e| server_url(e.to_string()))?;
        let Some(host) = parsed
            .host_str()
            .filter(|_| matches!(parsed.scheme(), "http" | "https"))
        else {
            return Err(server_url("expected http(s)://HOST[:PORT]".to_owned()).into());
        };
        let host = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };

        let identity = Arc::new(ClientIdentitySlot::default());
        if let Some((chain, key)) = self.identity {
            identity.set(chain, key)?;
        }
        let tls = tls::client_config(
            &TlsSettings {
                root_certs: &self.root_certs,
                accept_invalid_certs: self.accept_invalid_certs,
                tls_server_name: self.tls_server_name.as_deref(),
            },
            identity.clone(),
        )?;

        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header = |reason| BuildError::Header {
                name: name.clone(),
                reason,
            };
            let name = HeaderName::try_from(name.as_str())
                .map_err(|_| header("not a valid header name"))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|_| header("not a valid header value"))?;
            headers.append(name, value);
        }

        let proxy = match &self.proxy_url {
            Some(url) => Some(proxy(url)?),
            None => None,
        };
        let connect_to =
            server_name::connect_to(&parsed, self.tls_server_name.as_deref(), proxy.is_some());
        let settings = Arc::new(HttpSettings {
            tls,
            user_agent: self.user_agent,
            disable_compression: self.disable_compression,
            proxy,
            resolver: connect_to.as_ref().map(|c| c.resolver.clone()),
        });
        #[cfg(feature = "ws")]
        let upgrader = Arc::new(super::upgrade::Upgrader::new(settings.clone()));
        let pool = Pool::new(
            Box::new(move || settings.client()),
            self.max_streams_per_connection,
        )?;

        Ok(Client {
            inner: Arc::new(Inner {
                pool: Arc::new(pool),
                base_url: connect_to.map_or_else(|| base_url.clone(), |c| c.base_url),
                server_url: base_url,
                host,
                default_namespace: self.default_namespace,
                headers,
                limiter: RateLimiter::new(self.qps, self.burst),
                retry: self.retry,
                warnings: self.warnings,
                timeout: self.timeout,
                auth: self.auth,
                identity,
                observer: self.observer,
                max_response_body: self.max_response_body,
                protobuf: self.protobuf,
                #[cfg(feature = "ws")]
                upgrader,
            }),
        })
    }
}

/// What every connection of a client is made with.
pub(super) struct HttpSettings {
    pub(super) tls: rustls::ClientConfig,
    user_agent: String,
    disable_compression: bool,
    proxy: Option<reqwest::Proxy>,
    /// Maps `tls-server-name` to the server's address, when it is sent as SNI.
    resolver: Option<ServerNameResolver>,
}

impl HttpSettings {
    /// An HTTP client: one connection pool to the server, with client-go's
    /// timeouts and HTTP/2 health checks.
    fn client(&self) -> Result<reqwest::Client, BuildError> {
        self.builder(self.tls.clone())
            .build()
            .map_err(BuildError::Http)
    }

    /// A builder with these settings over `tls`; no overall or read timeout
    /// is set on it, so a long-lived stream is never cut for being quiet.
    pub(super) fn builder(&self, tls: rustls::ClientConfig) -> reqwest::ClientBuilder {
        let mut http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(self.user_agent.clone())
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_keepalive(TCP_KEEPALIVE);
        #[cfg(feature = "http2")]
        {
            http = http
                .http2_keep_alive_interval(H2_PING_INTERVAL)
                .http2_keep_alive_timeout(H2_PING_TIMEOUT)
                .http2_keep_alive_while_idle(true)
                .http2_adaptive_window(true);
        }
        if self.disable_compression {
            http = http.no_gzip();
        }
        if let Some(proxy) = &self.proxy {
            http = http.proxy(proxy.clone());
        }
        if let Some(resolver) = &self.resolver {
            http = http.dns_resolver(Arc::new(resolver.clone()));
        }
        http
    }
}

/// The proxy for `url` (`proxy-url` in kubeconfig).
fn proxy(url: &str) -> Result<reqwest::Proxy, BuildError> {
    let error = |reason: String| BuildError::Proxy {
        url: crate::config::redact_url(url),
        reason,
    };
    #[cfg(not(feature = "socks"))]
    if url.starts_with("socks") {
        return Err(error(
            "SOCKS proxies need k8s-client's `socks` feature".to_owned(),
        ));
    }
    reqwest::Proxy::all(url).map_err(|e| error(e.to_string()))
}

/// `k8s-client/VERSION (OS/ARCH)`, after client-go's `binary/version (os/arch)`.
fn default_user_agent() -> String {
    format!(
        "k8s-client/{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}
