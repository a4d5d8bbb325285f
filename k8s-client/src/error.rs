//! The crate's one error type.

use std::fmt;

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

    /// A request was malformed before anything was sent, such as an invalid name.
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The HTTP exchange failed: connecting, TLS, or reading the response.
    #[error("{operation}: {message} (after {attempts} attempt{})", plural(*attempts))]
    Transport {
        /// The request, such as `GET /api/v1/namespaces/default/pods`.
        operation: String,
        /// What failed, including the underlying causes.
        message: String,
        /// How many times the request was sent.
        attempts: u32,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// The request did not complete within its timeout.
    #[error("{operation}: timed out after {timeout:?}")]
    Timeout {
        /// The request.
        operation: String,
        /// The timeout that expired.
        timeout: std::time::Duration,
    },

    /// A response body could not be decoded into the expected type.
    #[error("{operation}: cannot decode {what}{}: {source}", at_path(path))]
    Decode {
        /// The request whose response failed to decode.
        operation: String,
        /// What was being decoded, such as `Pod default/web-0` or `watch event`.
        what: String,
        /// The field path where decoding failed, such as `spec.replicas`; empty if unknown.
        path: String,
        /// The decoder's error; its Display includes the field path when known.
        #[source]
        source: serde_json::Error,
    },

    /// A request body could not be encoded.
    #[error("cannot encode request body: {0}")]
    Encode(#[source] serde_json::Error),

    /// Loading configuration or obtaining a credential failed (kubeconfig,
    /// in-cluster files, exec plugins, token files, OIDC).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// Building the client failed (TLS material, proxy, …).
    #[error("cannot build client: {0}")]
    ClientBuild(String),

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

/// A failure reported by the API server, with the server's [`Status`].
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The server's Status; synthesized from the HTTP code when the body was not one.
    pub status: Status,
    /// The HTTP status code.
    pub code: u16,
    /// The request, such as `GET /api/v1/namespaces/default/pods/web-0`.
    pub operation: String,
    /// How many times the request was sent.
    pub attempts: u32,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = self.status.reason();
        let reason = if reason.is_empty() { "Unknown" } else { reason };
        write!(
            f,
            "{} ({reason}, {}): {}",
            self.operation,
            self.code,
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
        self.api_error().map(|e| e.code)
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
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
