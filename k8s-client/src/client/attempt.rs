//! One attempt at a request: send it with the current credential, check
//! the status, and read the body the way the caller asked.

use bytes::Bytes;
use futures::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};

use super::Client;
use super::observer::AttemptResult;
use super::pool::Lease;
use super::retry::Outcome;
use super::transport_error::classify;
use crate::config::{ConfigError, Credential};
use crate::error::TransportErrorKind;
use crate::rest::{BodySink, MAX_ERROR_BODY, Request, ResponseHead, Verb};
use crate::{Error, Result};

/// Why an attempt failed.
pub(super) enum Failure {
    /// A failure on this side, never retried: no credential could be
    /// obtained (nothing was sent), or the body did not decode.
    Local(Error),
    /// The server answered with a failure.
    Status {
        code: u16,
        headers: HeaderMap,
        body: Bytes,
    },
    /// The exchange broke.
    Transport {
        kind: TransportErrorKind,
        error: reqwest::Error,
    },
}

impl Failure {
    pub(super) fn transport(error: reqwest::Error) -> Self {
        Failure::Transport {
            kind: classify(&error),
            error,
        }
    }

    pub(super) fn code(&self) -> Option<u16> {
        match self {
            Failure::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The size of the failure body read, when the server sent one.
    pub(super) fn body_bytes(&self) -> Option<u64> {
        match self {
            Failure::Status { body, .. } => Some(body.len() as u64),
            _ => None,
        }
    }

    pub(super) fn retry_outcome(&self) -> Outcome<'_> {
        match self {
            Failure::Local(_) => Outcome::Local,
            Failure::Status { code, headers, .. } => Outcome::Response {
                code: *code,
                headers,
            },
            Failure::Transport { kind, .. } => Outcome::Transport {
                broken_connection: kind.is_broken_connection(),
            },
        }
    }

    pub(super) fn attempt_result(&self) -> AttemptResult {
        match self {
            Failure::Local(_) => AttemptResult::Local,
            Failure::Status { code, .. } => AttemptResult::Code(*code),
            Failure::Transport { kind, .. } => AttemptResult::Transport(*kind),
        }
    }
}

/// A successful attempt: what its body became, and its status code.
pub(super) struct AttemptOk<T> {
    pub(super) output: T,
    pub(super) code: u16,
}

/// What an attempt does with a successful response.
///
/// Reading happens inside the attempt: under the request's deadline, and a
/// connection that breaks mid-body is retried (for GET) like one that broke
/// before the headers. Only two readers exist, so the retry loop generic over
/// them is compiled twice in all, here, whatever the body decodes to.
pub(super) trait ReadBody: Send {
    type Output;
    fn read(
        &mut self,
        response: reqwest::Response,
        lease: Lease,
    ) -> impl Future<Output = Result<Self::Output, Failure>> + Send;
    /// How many body bytes the last attempt read, when it read the body.
    fn bytes_read(&self) -> Option<u64>;
}

/// Feeds the body to a decoder as it arrives.
pub(super) struct Collect<'a> {
    sink: &'a mut dyn BodySink,
    read: u64,
    /// The most body bytes accepted, if limited.
    limit: Option<u64>,
    request: &'a Request,
}

impl<'a> Collect<'a> {
    pub(super) fn new(sink: &'a mut dyn BodySink, limit: Option<u64>, req: &'a Request) -> Self {
        Collect {
            sink,
            read: 0,
            limit,
            request: req,
        }
    }
}

impl ReadBody for Collect<'_> {
    type Output = ();

    async fn read(&mut self, mut response: reqwest::Response, lease: Lease) -> Result<(), Failure> {
        self.read = 0;
        self.sink.begin(&ResponseHead {
            code: response.status().as_u16(),
            headers: response.headers(),
        });
        while let Some(chunk) = response.chunk().await.map_err(Failure::transport)? {
            self.read += chunk.len() as u64;
            if let Some(limit) = self.limit.filter(|limit| self.read > *limit) {
                return Err(Failure::Local(Error::TooLarge {
                    operation: self.request.operation(),
                    what: "response body",
                    limit: usize::try_from(limit).unwrap_or(usize::MAX),
                }));
            }
            self.sink.feed(&chunk).map_err(Failure::Local)?;
        }
        drop(lease);
        Ok(())
    }

    fn bytes_read(&self) -> Option<u64> {
        Some(self.read)
    }
}

/// Leaves the body to the caller, as a stream that holds its connection's lease.
pub(super) struct Open;

/// A response whose body is still to be read.
pub(crate) struct Opened {
    pub(crate) response: reqwest::Response,
    pub(crate) lease: Lease,
}

impl ReadBody for Open {
    type Output = Opened;

    async fn read(&mut self, response: reqwest::Response, lease: Lease) -> Result<Opened, Failure> {
        Ok(Opened { response, lease })
    }

    fn bytes_read(&self) -> Option<u64> {
        None
    }
}

impl Client {
    fn http_request(&self, http: &reqwest::Client, req: &Request) -> reqwest::RequestBuilder {
        let method = match req.verb() {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Put => reqwest::Method::PUT,
            Verb::Patch => reqwest::Method::PATCH,
            Verb::Delete => reqwest::Method::DELETE,
        };
        let url = format!("{}{}", self.inner.base_url, req.path_and_query());
        let mut builder = http
            .request(method, url)
            .header(ACCEPT, req.accept().header_value());
        if !self.inner.headers.is_empty() {
            builder = builder.headers(self.inner.headers.clone());
        }
        for (name, value) in req.headers() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = req.body() {
            builder = builder
                .header(CONTENT_TYPE, body.content_type)
                .body(body.bytes.clone());
        }
        builder
    }

    /// Attaches the current credential: a header, or a client certificate an
    /// exec plugin handed out (installed for the next TLS handshakes).
    async fn authorize(
        &self,
        mut builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder> {
        if self.inner.auth.is_none() {
            return Ok(builder);
        }
        let credential = self.inner.auth.credential().await?;
        if let Some(value) = credential.authorization() {
            let mut value = HeaderValue::from_str(value.expose_secret()).map_err(|_| {
                ConfigError::InvalidCredential {
                    origin: "the credential provider",
                }
            })?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        if let Credential::ClientCertificate(identity) = credential {
            self.inner
                .identity
                .set_if_changed(identity.cert_chain.clone(), identity.key())?;
        }
        Ok(builder)
    }

    /// The HTTP client to send `req` with, and its claim on the pool: an
    /// upgrade has an HTTP/1.1 connection of its own (`upgrade.rs`).
    fn http_for(&self, req: &Request) -> Result<(reqwest::Client, Lease), crate::BuildError> {
        #[cfg(feature = "ws")]
        if req.is_upgrade() {
            return Ok((self.upgrade_http()?, Lease::unpooled()));
        }
        #[cfg(not(feature = "ws"))]
        let _ = req;
        self.inner.pool.checkout()
    }

    /// One attempt: send, and read a successful response as `reader` asks.
    pub(super) async fn attempt<R: ReadBody>(
        &self,
        req: &Request,
        reader: &mut R,
    ) -> Result<AttemptOk<R::Output>, Failure> {
        let (http, lease) = self.http_for(req).map_err(|e| Failure::Local(e.into()))?;
        let builder = self
            .authorize(self.http_request(&http, req))
            .await
            .map_err(Failure::Local)?;
        let response = builder.send().await.map_err(Failure::transport)?;
        self.inner.warnings.handle(response.headers());
        let code = response.status().as_u16();
        // The request's span (see `traced`) shows the last attempt's answer.
        let span = tracing::Span::current();
        span.record("status", code);
        span.record("http_version", tracing::field::debug(response.version()));
        // 304 answers a conditional GET: the caller holds the body already.
        let not_modified = code == 304 && req.is_conditional();
        let success = if req.is_upgrade() {
            code == 101
        } else {
            (200..=206).contains(&code) || not_modified
        };
        if !success {
            let headers = response.headers().clone();
            let body = read_capped(response, MAX_ERROR_BODY * 8).await;
            return Err(Failure::Status {
                code,
                headers,
                body,
            });
        }
        let output = reader.read(response, lease).await?;
        Ok(AttemptOk { output, code })
    }
}

/// Reads at most `limit` bytes of a failure body; the rest is dropped.
async fn read_capped(response: reqwest::Response, limit: usize) -> Bytes {
    let mut stream = response.bytes_stream();
    let mut buf = bytes::BytesMut::new();
    while let Some(Ok(chunk)) = stream.next().await {
        let room = limit.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if buf.len() >= limit {
            break;
        }
    }
    buf.freeze()
}
