//! [`Client`]: the one HTTP path every request takes.
//!
//! A client is a connection pool (HTTP/2 when the server offers it), a TLS
//! configuration, a rate limiter and a retry policy. It is cheap to clone;
//! clones share all of these.

mod attempt;
mod builder;
mod execute;
mod from_config;
mod observer;
mod oidc_refresh;
mod pool;
mod rate_limit;
mod retry;
mod send;
mod server_name;
mod stream;
mod tls;
mod transport_error;
#[cfg(feature = "ws")]
mod upgrade;
mod warnings;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderMap;

pub use builder::ClientBuilder;
pub use observer::{AttemptInfo, AttemptResult, RequestInfo, RequestObserver};
pub use pool::DEFAULT_MAX_STREAMS_PER_CONNECTION;
pub use retry::{DEFAULT_MAX_RETRIES, RetryPolicy};
#[cfg(feature = "ws")]
pub(crate) use upgrade::Upgraded;
pub use warnings::WarningHandler;

use pool::Pool;
use rate_limit::RateLimiter;
use tls::ClientIdentitySlot;

/// A connection to one Kubernetes API server.
///
/// All of [`Api`](crate::Api), dynamic objects and discovery are views over a
/// `Client`; it executes [`Request`](crate::rest::Request)s with client-go's
/// semantics: client-side rate limiting, retries on `Retry-After`, one
/// deadline over every attempt, and `metav1.Status` decoding of failures.
/// Requests share one HTTP/2 connection until it carries as many streams
/// as the server allows at once; then another connection is opened, so
/// long-lived watches never hold up short requests.
///
/// ```no_run
/// # async fn run() -> Result<(), k8s_client::Error> {
/// use k8s_client::{Client, rest::Request};
/// let client = Client::builder("https://127.0.0.1:6443").build()?;
/// let version: serde_json::Value = client.send_json(Request::get().abs_path("/version")).await?;
/// println!("{}", version["gitVersion"]);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Arc<Pool>,
    /// Where requests go: the server's URL, or the same with `tls-server-name` as its
    /// host (see `server_name.rs`).
    base_url: String,
    /// The server's URL as configured.
    server_url: String,
    /// `host:port` of the server, for observers.
    host: String,
    default_namespace: String,
    headers: HeaderMap,
    limiter: Option<RateLimiter>,
    retry: RetryPolicy,
    warnings: WarningHandler,
    timeout: Option<Duration>,
    auth: crate::config::Auth,
    identity: Arc<ClientIdentitySlot>,
    observer: Option<Arc<dyn RequestObserver>>,
    /// The most bytes of a response body read whole, if limited.
    max_response_body: Option<u64>,
    /// Built-in types speak protobuf (see `ClientBuilder::protobuf`).
    protobuf: bool,
    /// HTTP/1.1 connections for upgrades (exec, attach, port-forward).
    #[cfg(feature = "ws")]
    upgrader: Arc<upgrade::Upgrader>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.server_url)
            .field("default_namespace", &self.default_namespace)
            .field("pool", &self.pool)
            .field("limiter", &self.limiter)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("auth", &self.auth)
            .field("observer", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts building a client for the API server at `url`.
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url)
    }

    /// The namespace to use when none is given: the kubeconfig context's, else `default`.
    pub fn default_namespace(&self) -> &str {
        &self.inner.default_namespace
    }

    /// Whether built-in types speak protobuf with this client (see
    /// [`ClientBuilder::protobuf`]).
    pub fn uses_protobuf(&self) -> bool {
        cfg!(feature = "protobuf") && self.inner.protobuf
    }

    /// The server's base URL, without a trailing slash.
    #[allow(
        clippy::misnamed_getters,
        reason = "the field `base_url` is where requests go, which may name the tls-server-name"
    )]
    pub fn base_url(&self) -> &str {
        &self.inner.server_url
    }

    /// The same server, connections, credentials and settings, with a rate
    /// limiter of its own (`qps` ≤ 0 turns limiting off).
    ///
    /// kubectl gives discovery such a client (50 QPS, burst 300) so that
    /// legacy discovery, one request per group version, neither waits behind
    /// nor uses up the budget of ordinary requests.
    ///
    /// ```no_run
    /// # fn run(client: k8s_client::Client) {
    /// let for_discovery = client.with_rate_limit(50.0, 300);
    /// # }
    /// ```
    pub fn with_rate_limit(&self, qps: f32, burst: u32) -> Client {
        let i = &self.inner;
        Client {
            inner: Arc::new(Inner {
                pool: i.pool.clone(),
                base_url: i.base_url.clone(),
                server_url: i.server_url.clone(),
                host: i.host.clone(),
                default_namespace: i.default_namespace.clone(),
                headers: i.headers.clone(),
                limiter: RateLimiter::new(qps, burst),
                retry: i.retry.clone(),
                warnings: i.warnings.clone(),
                timeout: i.timeout,
                auth: i.auth.clone(),
                identity: i.identity.clone(),
                observer: i.observer.clone(),
                max_response_body: i.max_response_body,
                protobuf: i.protobuf,
                #[cfg(feature = "ws")]
                upgrader: i.upgrader.clone(),
            }),
        }
    }
}
