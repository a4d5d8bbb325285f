//! The crate's one error type.
//!
//! Each variant's `Display` says what failed in this crate's terms (the
//! request, the object, the field); the underlying error, when there is
//! one, is returned by [`source`](std::error::Error::source) and never
//! repeated in the message, so `{:#}` in anyhow or eyre prints each cause
//! once.

use std::fmt;
use std::time::Duration;

use crate::meta::Status;

/// Everything that can go wrong in k8s-client.
///
/// Server failures keep the server's [`Status`]; the helpers
/// ([`is_not_found`](Error::is_not_found), [`is_conflict`](Error::is_conflict), …)
/// answer the usual questions without matching on variants.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a failure (a non-2xx response).
    #[error(transparent)]
    Api(Box<ApiError>),

    /// A request was refused before anything was sent, such as for an invalid name.
    #[error(transparent)]
    InvalidRequest(#[from] RequestError),

    /// The HTTP exchange failed: connecting, TLS, or reading the response.
    #[error("{operation}: {kind} (after {attempts} attempt{})", plural(*attempts))]
    Transport {
        /// The request, such as `GET /api/v1/namespaces/default/pods`.
        operation: String,
        /// What kind of failure it was.
        kind: TransportErrorKind,
        /// How many times the request was sent.
        attempts: u32,
        /// The underlying error, if there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The request did not complete before its deadline. One deadline covers
    /// every attempt, and the waits between them.
    #[error("{operation}: timed out after {timeout:?} ({attempts} attempt{})", plural(*attempts))]
    Timeout {
        /// The request, or what was waited for.
        operation: String,
        /// The timeout that expired.
        timeout: Duration,
        /// How many times the request was sent (0 if the deadline passed
        /// before the first attempt, waiting for the rate limiter).
        attempts: u32,
        /// Why the last attempt before the deadline failed, if one did.
        #[source]
        last: Option<Box<Error>>,
    },

    /// A response body could not be decoded into the expected type.
    ///
    /// The decoder's message is part of this error's own text, after the
    /// field path: it says what was wrong there, and has no cause of its own.
    #[error("{operation}: cannot decode {what}{}: {cause}", at_path(path))]
    Decode {
        /// The request whose response failed to decode.
        operation: String,
        /// What was being decoded, such as `Pod default/web-0` or `watch event`.
        what: String,
        /// The field path where decoding failed, such as `spec.replicas`; empty if unknown.
        path: String,
        /// The decoder's error.
        cause: serde_json::Error,
    },

    /// A response, or one frame of a stream, is larger than the limit.
    #[error("{operation}: {what} is larger than {limit} bytes")]
    TooLarge {
        /// The request.
        operation: String,
        /// What was too large: `watch frame`, `response body`, ….
        what: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },

    /// A text response (such as a pod log) is not UTF-8.
    #[error("{operation}: {what} is not UTF-8")]
    NotUtf8 {
        /// The request.
        operation: String,
        /// What was read, such as `log`.
        what: &'static str,
        /// Where the text stops being UTF-8.
        #[source]
        source: std::str::Utf8Error,
    },

    /// A request body could not be encoded.
    #[error("cannot encode request body")]
    Encode(#[source] serde_json::Error),

    /// Loading configuration or obtaining a credential failed (kubeconfig,
    /// in-cluster files, exec plugins, token files, OIDC).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// Building the client failed (server URL, TLS material, proxy, …).
    #[error(transparent)]
    ClientBuild(#[from] BuildError),

    /// Discovery does not know a name, even after refreshing a cached view:
    /// a resource type, kind or OpenAPI path. The message is kubectl's, such as
    /// `the server doesn't have a resource type "widgetz"`.
    #[error("the server doesn't have {what} {name:?}")]
    NoMatch {
        /// What was looked up, such as `a resource type`.
        what: &'static str,
        /// The name as given.
        name: String,
    },

    /// The CustomResourceDefinitions of several versions of one kind cannot
    /// be merged into one.
    #[cfg(feature = "apiextensions")]
    #[error(transparent)]
    CrdMerge(#[from] crate::crd::MergeError),

    /// A setting that must come before `start` came after it (an informer's
    /// transform, say), as client-go refuses it.
    #[error("{what} must be called before start")]
    AlreadyStarted {
        /// The call that came too late.
        what: &'static str,
    },

    /// A leader election config breaks one of client-go's rules; the error
    /// names the field.
    #[cfg(feature = "runtime")]
    #[error(transparent)]
    LeaderElectionConfig(#[from] crate::runtime::leader_election::LeaderElectionConfigError),

    /// Something that runs tasks was started outside a Tokio runtime.
    #[error("the {what} must be started from within a Tokio runtime")]
    NoRuntime {
        /// What was started, such as `informer`.
        what: &'static str,
    },

    /// An exec, attach or port-forward session failed: its WebSocket
    /// handshake, its connection once open, or what the node reported on it.
    /// A command's non-zero exit is not an error: it is an
    /// [`ExitStatus`](crate::api::ExitStatus).
    #[cfg(feature = "ws")]
    #[error("{operation}: {kind}")]
    Session {
        /// The request that opened the session, such as
        /// `GET /api/v1/namespaces/default/pods/web-0/exec`.
        operation: String,
        /// What went wrong.
        kind: SessionErrorKind,
        /// The underlying error, if there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// Waiting for an object to reach a state failed: it was deleted first.
    #[error("{what} was deleted while waiting for it to be {condition}")]
    DeletedWhileWaiting {
        /// The object, such as `CustomResourceDefinition widgets.example.com`.
        what: String,
        /// The state waited for, such as `Established`.
        condition: &'static str,
    },
}

fn at_path(path: &str) -> String {
    if path.is_empty() || path == "." {
        String::new()
    } else {
        format!(" at {path}")
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Why a request was refused before it was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// A path segment (name, namespace, resource, subresource) is not allowed.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidSegment {
        /// `name`, `namespace`, `resource` or `subresource`.
        what: &'static str,
        /// The segment as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An explicitly empty namespace where the path needs one (client-go's rule).
    #[error("an empty namespace may not be set for {verb} with a name or on create")]
    EmptyNamespace {
        /// The request's verb, such as `POST`.
        verb: &'static str,
    },
    /// A subresource was given without an object name.
    #[error("a subresource needs an object name")]
    SubresourceWithoutName,
    /// An absolute path that does not start with `/`.
    #[error("absolute path {path:?} must start with '/'")]
    RelativePath {
        /// The path as given.
        path: String,
    },
    /// Parameters the API server would refuse, such as server-side apply
    /// without a field manager.
    #[error("{0}")]
    InvalidParameters(&'static str),
    /// A header name or value that HTTP does not allow.
    #[error("header {name:?}: {reason}")]
    InvalidHeader {
        /// The header name.
        name: String,
        /// What is wrong (never the value, which may be a secret).
        reason: &'static str,
    },
}

/// Why a [`Client`](crate::Client) could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The server URL is not `http(s)://HOST[:PORT][/PATH]`.
    #[error("server URL {url:?}: {reason}")]
    ServerUrl {
        /// The URL, with any user info removed.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A header to send with every request is not valid HTTP.
    #[error("header {name:?}: {reason}")]
    Header {
        /// The header name.
        name: String,
        /// What is wrong (never the value).
        reason: &'static str,
    },
    /// The proxy URL cannot be used.
    #[error("proxy-url {url:?}: {reason}")]
    Proxy {
        /// The proxy URL, with any user info removed.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// TLS material or settings cannot be used.
    #[error("{what}")]
    Tls {
        /// What was being set up, such as `certificate authority #2`.
        what: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No TLS crypto provider is built in (neither of the `tls-ring` and
    /// `tls-aws-lc-rs` features) and the program installed none.
    #[error(
        "TLS crypto provider: none is built in and none is installed; enable k8s-client's \
         `tls-ring` or `tls-aws-lc-rs` feature, or install a process-wide default with \
         rustls' `CryptoProvider::install_default` before building the client"
    )]
    NoCryptoProvider,
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    Http(#[source] reqwest::Error),
}

/// What kind of transport failure an [`Error::Transport`] is.
///
/// One classification serves retries (client-go retries [`Reset`] and
/// [`EndedEarly`] for GET) and watch streams (which end quietly on them,
/// between events).
///
/// [`Reset`]: TransportErrorKind::Reset
/// [`EndedEarly`]: TransportErrorKind::EndedEarly
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Nothing listens at the address (connection refused).
    Refused,
    /// The connection could not be made for another reason: a name that does
    /// not resolve, an unreachable network, a proxy that refused.
    Connect,
    /// The connection was reset or closed under the request, or an HTTP/2
    /// connection was lost (GOAWAY, a reset stream).
    Reset,
    /// The response ended before it was complete (unexpected EOF).
    EndedEarly,
    /// A network read or write timed out.
    TimedOut,
    /// The TLS handshake failed, such as for an untrusted server certificate.
    Tls,
    /// The server broke the HTTP protocol.
    Protocol,
    /// Something else; the source says what.
    Other,
}

impl TransportErrorKind {
    /// Whether the connection broke under the request, so that a request
    /// that changes nothing (GET) may be sent again: client-go's
    /// `IsConnectionReset`, `IsProbableEOF` and `IsHTTP2ConnectionLost`.
    pub fn is_broken_connection(self) -> bool {
        matches!(
            self,
            TransportErrorKind::Reset | TransportErrorKind::EndedEarly
        )
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Refused => "connection refused",
            TransportErrorKind::Connect => "cannot connect",
            TransportErrorKind::Reset => "connection reset or closed",
            TransportErrorKind::EndedEarly => "the response ended early",
            TransportErrorKind::TimedOut => "network timeout",
            TransportErrorKind::Tls => {
                "TLS handshake failed: the server certificate or the TLS settings were not accepted"
            }
            TransportErrorKind::Protocol => "HTTP protocol error",
            TransportErrorKind::Other => "request failed",
        })
    }
}

/// What went wrong in an exec, attach or port-forward session
/// ([`Error::Session`]).
#[cfg(feature = "ws")]
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SessionErrorKind {
    /// The server switched protocols, but not to a WebSocket this client
    /// asked for: a wrong `Sec-WebSocket-Accept`, or no subprotocol.
    Handshake(String),
    /// The connection broke, or the server stopped answering pings.
    Broken,
    /// The server sent what the negotiated protocol does not allow.
    Protocol(String),
    /// The node could not run the command or attach to the container; its
    /// Status from the error channel (an exit code is not this, but an
    /// [`ExitStatus`](crate::api::ExitStatus)).
    Failed(Box<Status>),
    /// The node could not forward a port, with its message (such as a
    /// refused connection inside the pod).
    PortForward {
        /// The pod's port.
        port: u16,
        /// What the node said.
        message: String,
    },
}

#[cfg(feature = "ws")]
impl fmt::Display for SessionErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionErrorKind::Handshake(reason) => {
                write!(f, "WebSocket handshake failed: {reason}")
            }
            SessionErrorKind::Broken => f.write_str("the session's connection broke"),
            SessionErrorKind::Protocol(reason) => write!(f, "stream protocol error: {reason}"),
            SessionErrorKind::Failed(status) => {
                let reason = status.reason();
                let reason = if reason.is_empty() { "Failure" } else { reason };
                write!(f, "{reason}: {}", status.message())
            }
            SessionErrorKind::PortForward { port, message } => {
                write!(f, "port {port}: {message}")
            }
        }
    }
}

/// A failure reported by the API server, with the server's [`Status`].
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The server's Status; synthesized from the HTTP code when the body was
    /// not one. Its `code` is always set.
    pub status: Status,
    /// The request, such as `GET /api/v1/namespaces/default/pods/web-0`.
    pub operation: String,
    /// How many times the request was sent.
    pub attempts: u32,
}

impl ApiError {
    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        self.status.code.unwrap_or_default()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = self.status.reason();
        let reason = if reason.is_empty() { "Unknown" } else { reason };
        write!(
            f,
            "{} ({reason}, {}): {}",
            self.operation,
            self.code(),
            self.status.message()
        )?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl Error {
    /// The server's failure, if this is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The server's Status, if this is a server failure.
    pub fn status(&self) -> Option<&Status> {
        self.api_error().map(|e| &e.status)
    }

    /// The HTTP status code, if the server answered.
    pub fn code(&self) -> Option<u16> {
        self.api_error().map(ApiError::code)
    }

    /// The kind of transport failure, if this is one.
    pub fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Error::Transport { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    fn reason_is(&self, reason: &str) -> bool {
        self.status().is_some_and(|s| s.reason() == reason)
    }

    fn code_is(&self, code: u16) -> bool {
        self.code() == Some(code)
    }

    /// 404, or reason `NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.reason_is("NotFound")
            || (self.code_is(404) && self.status().is_some_and(|s| s.reason().is_empty()))
    }
    /// Reason `AlreadyExists` (a create of a name that is taken).
    pub fn is_already_exists(&self) -> bool {
        self.reason_is("AlreadyExists")
    }
    /// Reason `Conflict` (a stale resourceVersion, or a server-side apply conflict).
    pub fn is_conflict(&self) -> bool {
        self.reason_is("Conflict") || (self.code_is(409) && !self.is_already_exists())
    }
    /// 403, or reason `Forbidden`.
    pub fn is_forbidden(&self) -> bool {
        self.reason_is("Forbidden") || self.code_is(403)
    }
    /// 401, or reason `Unauthorized`.
    pub fn is_unauthorized(&self) -> bool {
        self.reason_is("Unauthorized") || self.code_is(401)
    }
    /// 422, or reason `Invalid`.
    pub fn is_invalid(&self) -> bool {
        self.reason_is("Invalid") || self.code_is(422)
    }
    /// 410, or reason `Gone` or `Expired`: a resourceVersion or continue token too old.
    pub fn is_gone(&self) -> bool {
        self.reason_is("Gone") || self.reason_is("Expired") || self.code_is(410)
    }
    /// 429, or reason `TooManyRequests`.
    pub fn is_too_many_requests(&self) -> bool {
        self.reason_is("TooManyRequests") || self.code_is(429)
    }
    /// A timeout: the server's `Timeout`/`ServerTimeout` (504) or the client's own deadline.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
            || self.reason_is("Timeout")
            || self.reason_is("ServerTimeout")
            || self.code_is(504)
    }
    /// A name discovery does not know ([`Error::NoMatch`]).
    pub fn is_no_match(&self) -> bool {
        matches!(self, Error::NoMatch { .. })
    }
    /// A 5xx answer.
    pub fn is_server_error(&self) -> bool {
        self.code().is_some_and(|c| c >= 500)
    }
    /// Nothing listened at the server's address (connection refused).
    pub fn is_connection_refused(&self) -> bool {
        self.transport_kind() == Some(TransportErrorKind::Refused)
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error whose source is set must not repeat the source's text.
    fn assert_source_not_repeated(e: &(dyn std::error::Error + 'static)) {
        let text = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            let inner = s.to_string();
            assert!(
                !text.contains(&inner),
                "{text:?} repeats its source {inner:?}"
            );
            source = s.source();
        }
    }

    #[test]
    fn display_does_not_repeat_the_source() {
        let serde = || serde_json::from_str::<u32>("\"x\"").unwrap_err();
        let io = || std::io::Error::other("peer went away");
        let cases: Vec<Error> = vec![
            Error::Transport {
                operation: "GET /x".into(),
                kind: TransportErrorKind::Reset,
                attempts: 2,
                source: Some(Box::new(io())),
            },
            Error::Decode {
                operation: "GET /x".into(),
                what: "Pod ns/p".into(),
                path: "spec.replicas".into(),
                cause: serde(),
            },
            Error::Encode(serde()),
            Error::Timeout {
                operation: "GET /x".into(),
                timeout: Duration::from_secs(10),
                attempts: 3,
                last: Some(Box::new(Error::Transport {
                    operation: "GET /x".into(),
                    kind: TransportErrorKind::Refused,
                    attempts: 3,
                    source: Some(Box::new(io())),
                })),
            },
            Error::NotUtf8 {
                operation: "GET /log".into(),
                what: "log",
                source: std::str::from_utf8(&[b'a', 0xff][..]).unwrap_err(),
            },
            Error::ClientBuild(BuildError::Tls {
                what: "client certificate".into(),
                source: Box::new(io()),
            }),
            Error::Config(crate::config::ConfigError::Read {
                what: "kubeconfig".into(),
                path: "/nowhere".into(),
                source: io(),
            }),
        ];
        for e in &cases {
            assert_source_not_repeated(e);
        }
    }

    #[test]
    fn timeout_says_attempts_and_keeps_the_last_cause() {
        let e = Error::Timeout {
            operation: "GET /x".into(),
            timeout: Duration::from_secs(10),
            attempts: 3,
            last: Some(Box::new(Error::InvalidRequest(
                RequestError::SubresourceWithoutName,
            ))),
        };
        assert_eq!(e.to_string(), "GET /x: timed out after 10s (3 attempts)");
        let last = std::error::Error::source(&e).unwrap();
        assert_eq!(last.to_string(), "a subresource needs an object name");
    }
}
