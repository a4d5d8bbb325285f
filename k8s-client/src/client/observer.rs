//! A hook that sees every request the client makes, for metrics.
//!
//! Modelled on client-go's `tools/metrics`: request latency by verb and URL
//! template, results by code, retries, the time spent waiting for the
//! client-side rate limiter, and request and response sizes. The client
//! calls the observer; what it records, and where it exports it, is the
//! observer's business (see `examples/metrics.rs`).

use std::time::Duration;

use crate::error::TransportErrorKind;
use crate::rest::Verb;

/// Receives what happens to each request. Every method has an empty
/// default, so an observer implements only what it records.
///
/// Methods are called on the request's task, between its steps: keep them
/// quick (an atomic add, a histogram bucket), never blocking.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use k8s_client::{AttemptInfo, RequestInfo, RequestObserver};
///
/// #[derive(Default)]
/// struct CountAttempts(AtomicU64);
///
/// impl RequestObserver for CountAttempts {
///     fn attempt_finished(&self, _request: &RequestInfo<'_>, _attempt: &AttemptInfo) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let counter = std::sync::Arc::new(CountAttempts::default());
/// let client = k8s_client::Client::builder("https://127.0.0.1:6443")
///     .observer(counter.clone())
///     .build();
/// ```
pub trait RequestObserver: Send + Sync + 'static {
    /// A request waited for the client-side rate limiter before an attempt
    /// (client-go's `rest_client_rate_limiter_duration_seconds`).
    fn rate_limiter_waited(&self, request: &RequestInfo<'_>, waited: Duration) {
        let _ = (request, waited);
    }

    /// One attempt ended: the server answered (with any code) or the
    /// exchange failed (client-go's `rest_client_request_duration_seconds`,
    /// `rest_client_requests_total` and `rest_client_response_size_bytes`).
    fn attempt_finished(&self, request: &RequestInfo<'_>, attempt: &AttemptInfo) {
        let _ = (request, attempt);
    }

    /// A failed attempt will be sent again after `wait`
    /// (client-go's `rest_client_request_retries_total`).
    fn retrying(&self, request: &RequestInfo<'_>, attempt: &AttemptInfo, wait: Duration) {
        let _ = (request, attempt, wait);
    }
}

/// The request an observer is told about.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RequestInfo<'a> {
    /// The verb.
    pub verb: Verb,
    /// The path with placeholders for namespace and name
    /// (`/api/v1/namespaces/{namespace}/pods/{name}`): bounded, so fit for
    /// a metric label.
    pub url_template: &'a str,
    /// The server's host and port.
    pub host: &'a str,
    /// Whether the request is a watch (its response is a stream).
    pub watch: bool,
    /// The size of the request body in bytes (client-go's
    /// `rest_client_request_size_bytes`).
    pub request_bytes: u64,
}

/// How one attempt ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AttemptInfo {
    /// Which attempt this was, from 1.
    pub attempt: u32,
    /// What came of it.
    pub result: AttemptResult,
    /// From sending the attempt until its response was read (or, for a
    /// stream, until its headers arrived).
    pub latency: Duration,
    /// The bytes of response body read, when the body was read within the
    /// attempt (not for streams).
    pub response_bytes: Option<u64>,
}

/// What came of an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptResult {
    /// The server answered with this HTTP status code.
    Code(u16),
    /// The exchange failed.
    Transport(TransportErrorKind),
    /// The request's deadline passed during the attempt.
    TimedOut,
    /// Nothing was sent: no credential could be obtained, or the response
    /// body did not decode.
    Local,
}

impl AttemptResult {
    /// The code as client-go's `requests_total` labels it: the HTTP status,
    /// or `<error>` when there was none.
    pub fn code_label(&self) -> std::borrow::Cow<'static, str> {
        match self {
            AttemptResult::Code(code) => code.to_string().into(),
            _ => "<error>".into(),
        }
    }
}
