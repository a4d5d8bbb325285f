//! Executing requests: the retry loop, failure decoding, and the body shapes
//! callers ask for (bytes, JSON, a byte stream, a watch stream, a list
//! decoded as it streams).

use std::time::Instant;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use super::Client;
use super::retry::{is_connection_broken, retry_after_seconds};
use crate::config::Credential;
use crate::error::ApiError;
use crate::meta::{List, WatchEvent};
use crate::rest::{
    IntoRequest, JsonFrames, ListDecoder, MAX_ERROR_BODY, Request, Verb, decode_json,
    status_from_response,
};
use crate::{Error, Result};

/// A response read whole, with what discovery's caches need from it: the
/// code (a conditional GET may answer 304) and the headers (`ETag`, and the
/// `Content-Type` that tells aggregated discovery from the legacy format).
#[derive(Debug)]
pub(crate) struct BufferedResponse {
    pub(crate) code: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

enum AttemptError {
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
    Transport(reqwest::Error),
}

/// What an attempt does with a successful response's body.
///
/// A body read here is read inside the attempt: under the request's timeout,
/// and a connection that breaks mid-body is retried (for GET) like one that
/// broke before the headers.
///
/// An enum with the item type behind `dyn`, rather than a type parameter, so
/// the retry loop (and the reqwest futures in it) is compiled once here, not
/// again in every crate that lists a type of its own.
enum BodyShape<'a> {
    /// Read the body whole.
    Whole,
    /// Leave the body to the caller: streams (watches, logs) are read after
    /// the request returns, outside the timeout.
    Unread,
    /// Decode a list chunk by chunk as the body arrives, never holding it whole.
    Streamed(&'a mut dyn ListSink),
}

/// A successful response, read as its [`BodyShape`] asked.
enum Body {
    Whole(BufferedResponse),
    Unread(reqwest::Response),
    /// The body went into the [`ListSink`].
    Streamed,
}

/// The item-typed half of a streamed list: a [`ListDecoder`] that can start over.
trait ListSink: Send {
    /// Starts a fresh decode: a retried body starts over.
    fn restart(&mut self);
    fn feed(&mut self, chunk: &[u8]) -> Result<()>;
    fn finish(&mut self) -> Result<()>;
}

/// Decodes a list of `K`, keeping the result for the caller.
struct StreamedList<K> {
    decoder: ListDecoder<K>,
    list: Option<List<K>>,
}

impl<K: DeserializeOwned + Send> ListSink for StreamedList<K> {
    fn restart(&mut self) {
        self.decoder = self.decoder.fresh();
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.decoder.feed(chunk)
    }

    fn finish(&mut self) -> Result<()> {
        let fresh = self.decoder.fresh();
        self.list = Some(std::mem::replace(&mut self.decoder, fresh).finish()?);
        Ok(())
    }
}

impl BodyShape<'_> {
    async fn read(&mut self, mut response: reqwest::Response) -> Result<Body, AttemptError> {
        match self {
            BodyShape::Whole => {
                let code = response.status().as_u16();
                let headers = std::mem::take(response.headers_mut());
                let body = response.bytes().await.map_err(AttemptError::Transport)?;
                Ok(Body::Whole(BufferedResponse {
                    code,
                    headers,
                    body,
                }))
            }
            BodyShape::Unread => Ok(Body::Unread(response)),
            BodyShape::Streamed(sink) => {
                sink.restart();
                while let Some(chunk) = response.chunk().await.map_err(AttemptError::Transport)? {
                    sink.feed(&chunk).map_err(AttemptError::Local)?;
                }
                sink.finish().map_err(AttemptError::Local)?;
                Ok(Body::Streamed)
            }
        }
    }
}

impl Client {
    fn url(&self, req: &Request) -> String {
        format!("{}{}", self.inner.base_url, req.path_and_query())
    }

    fn http_request(&self, req: &Request) -> reqwest::RequestBuilder {
        let method = match req.verb() {
            Verb::Get => reqwest::Method::GET,
            Verb::Post => reqwest::Method::POST,
            Verb::Put => reqwest::Method::PUT,
            Verb::Patch => reqwest::Method::PATCH,
            Verb::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .inner
            .http
            .request(method, self.url(req))
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
            let mut value =
                reqwest::header::HeaderValue::from_str(value.expose_secret()).map_err(|_| {
                    Error::InvalidRequest("credential is not a valid header value".to_owned())
                })?;
            value.set_sensitive(true);
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
        if let Credential::ClientCertificate(identity) = credential {
            self.inner
                .identity
                .set_if_changed(identity.cert_chain.clone(), identity.key())?;
        }
        Ok(builder)
    }

    /// One attempt: send, and read a successful response as `shape` asks.
    async fn attempt(
        &self,
        req: &Request,
        shape: &mut BodyShape<'_>,
    ) -> Result<Body, AttemptError> {
        let http = self
            .authorize(self.http_request(req))
            .await
            .map_err(AttemptError::Local)?;
        let response = http.send().await.map_err(AttemptError::Transport)?;
        self.inner.warnings.handle(response.headers());
        let code = response.status().as_u16();
        // The request's span (see `traced`) shows the last attempt's answer.
        let span = tracing::Span::current();
        span.record("status", code);
        span.record("http_version", tracing::field::debug(response.version()));
        // 304 answers a conditional GET: the caller holds the body already.
        let not_modified = code == 304 && req.is_conditional();
        if !(200..=206).contains(&code) && !not_modified {
            let headers = response.headers().clone();
            let body = read_capped(response, MAX_ERROR_BODY * 8).await;
            return Err(AttemptError::Status {
                code,
                headers,
                body,
            });
        }
        shape.read(response).await
    }

    /// The retry loop shared by every request shape.
    async fn run(&self, req: &Request, mut shape: BodyShape<'_>) -> Result<(Body, u32)> {
        let mut attempts = 0u32;
        let mut reauthenticated = false;
        loop {
            attempts += 1;
            tracing::Span::current().record("attempts", attempts);
            if let Some(limiter) = &self.inner.limiter {
                limiter.acquire().await;
            }
            let timeout = if req.is_watch() {
                None
            } else {
                req.timeout().or(self.inner.timeout)
            };
            let outcome = match timeout {
                Some(t) => match tokio::time::timeout(t, self.attempt(req, &mut shape)).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        return Err(Error::Timeout {
                            operation: req.operation(),
                            timeout: t,
                        });
                    }
                },
                None => self.attempt(req, &mut shape).await,
            };
            // A 401 may mean the credential rotated: refresh it once and resend,
            // as client-go does for exec plugins and token files.
            if let Err(AttemptError::Status { code: 401, .. }) = &outcome
                && !reauthenticated
                && !self.inner.auth.is_none()
            {
                reauthenticated = true;
                self.inner.auth.invalidate();
                tracing::debug!(operation = %req.operation(), "401: refreshing credentials and retrying once");
                continue;
            }
            let wait = match &outcome {
                Ok(_) => None,
                Err(AttemptError::Local(_)) => None,
                Err(AttemptError::Status { code, headers, .. }) => {
                    self.inner.retry.after_response(*code, headers, attempts)
                }
                Err(AttemptError::Transport(e)) => self.inner.retry.after_transport_error(
                    req.verb(),
                    is_connection_broken(e),
                    attempts,
                ),
            };
            match (outcome, wait) {
                (Ok(output), _) => return Ok((output, attempts)),
                (Err(failure), Some(wait)) => {
                    tracing::debug!(operation = %req.operation(), attempts, ?wait, cause = %describe(&failure), "retrying");
                    tokio::time::sleep(wait).await;
                }
                (
                    Err(AttemptError::Status {
                        code,
                        headers,
                        body,
                    }),
                    None,
                ) => {
                    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
                    let api = status_from_response(
                        code,
                        req.verb(),
                        content_type,
                        &body,
                        retry_after_seconds(&headers),
                        req.operation(),
                        attempts,
                    );
                    return Err(Error::Api(Box::new(api)));
                }
                (Err(AttemptError::Transport(e)), None) => {
                    return Err(transport_error(&req.operation(), e, attempts));
                }
                (Err(AttemptError::Local(e)), None) => return Err(e),
            }
        }
    }

    /// Runs `fut` in the request's `k8s_request` span: method, URL template,
    /// the last attempt's status and HTTP version, attempts, latency.
    async fn traced<T>(&self, req: &Request, fut: impl Future<Output = Result<T>>) -> Result<T> {
        let span = tracing::debug_span!(
            "k8s_request",
            method = req.verb().as_str(),
            url = req.template(),
            status = tracing::field::Empty,
            http_version = tracing::field::Empty,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = fut.instrument(span.clone()).await;
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        result
    }

    /// Sends a request and returns the whole response body.
    pub async fn send_bytes(&self, req: impl IntoRequest) -> Result<Bytes> {
        self.buffered(&req.into_request()?).await
    }

    /// The body of a request read whole, for callers that keep the request
    /// to name it in decode errors.
    pub(crate) async fn buffered(&self, req: &Request) -> Result<Bytes> {
        Ok(self.buffered_response(req).await?.body)
    }

    /// The whole response with its code and headers.
    pub(crate) async fn buffered_response(&self, req: &Request) -> Result<BufferedResponse> {
        match self.traced(req, self.run(req, BodyShape::Whole)).await?.0 {
            Body::Whole(response) => Ok(response),
            _ => Err(unexpected_body(req)),
        }
    }

    /// Sends a LIST request and decodes the list while its body streams in,
    /// so the whole body and all the decoded objects are never held at once.
    /// `what` names the list in decode errors.
    pub(crate) async fn streamed_list<K: DeserializeOwned + Send>(
        &self,
        req: &Request,
        what: &str,
    ) -> Result<List<K>> {
        let mut sink = StreamedList::<K> {
            decoder: ListDecoder::new(req.operation(), what),
            list: None,
        };
        self.traced(req, self.run(req, BodyShape::Streamed(&mut sink)))
            .await?;
        sink.list.ok_or_else(|| unexpected_body(req))
    }

    /// Sends a request and decodes the JSON response into `T`.
    ///
    /// A body that does not match `T` is an [`Error::Decode`] naming the
    /// request and the field path.
    pub async fn send_json<T: DeserializeOwned>(&self, req: impl IntoRequest) -> Result<T> {
        let req = req.into_request()?;
        let body = self.buffered(&req).await?;
        decode_json(&body, &req.operation(), std::any::type_name::<T>())
    }

    /// Sends a request and returns its body as a stream of chunks, never buffered
    /// whole (pod logs, large downloads).
    pub async fn send_stream(
        &self,
        req: impl IntoRequest,
    ) -> Result<BoxStream<'static, Result<Bytes>>> {
        let req: Request = req.into_request()?;
        let operation = req.operation();
        let (Body::Unread(response), attempts) =
            self.traced(&req, self.run(&req, BodyShape::Unread)).await?
        else {
            return Err(unexpected_body(&req));
        };
        Ok(response
            .bytes_stream()
            .map(move |chunk| chunk.map_err(|e| transport_error(&operation, e, attempts)))
            .boxed())
    }

    /// Sends a watch request and decodes its stream of events.
    ///
    /// `ERROR` events become [`Error::Api`] items carrying the server's Status, so
    /// `410 Gone` is `Err(e)` with `e.is_gone()`. A stream cut between events ends
    /// normally (long watches end that way); one cut inside an event is an error.
    pub async fn send_watch<T>(
        &self,
        req: impl IntoRequest,
    ) -> Result<BoxStream<'static, Result<WatchEvent<T>>>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let req: Request = req.into_request()?;
        let operation = req.operation();
        let chunks = self.send_stream(req).await?;
        Ok(watch_events(chunks, operation).boxed())
    }
}

/// Turns a body stream into watch events.
fn watch_events<T: DeserializeOwned + Send + 'static>(
    chunks: BoxStream<'static, Result<Bytes>>,
    operation: String,
) -> impl futures::Stream<Item = Result<WatchEvent<T>>> + Send + 'static {
    struct State {
        chunks: BoxStream<'static, Result<Bytes>>,
        frames: JsonFrames,
        operation: String,
        done: bool,
    }
    let state = State {
        chunks,
        frames: JsonFrames::default(),
        operation,
        done: false,
    };
    futures::stream::unfold(state, |mut st| async move {
        loop {
            if st.done {
                return None;
            }
            if let Some(frame) = st.frames.next_frame() {
                let event = decode_json::<WatchEvent<T>>(&frame, &st.operation, "watch event")
                    .and_then(|ev| match ev {
                        WatchEvent::Error(status) => {
                            let code = status.code.unwrap_or(500);
                            Err(Error::Api(Box::new(ApiError {
                                status,
                                code,
                                operation: st.operation.clone(),
                                attempts: 1,
                            })))
                        }
                        ev => Ok(ev),
                    });
                return Some((event, st));
            }
            match st.chunks.next().await {
                Some(Ok(chunk)) => st.frames.push(&chunk),
                Some(Err(e)) => {
                    st.done = true;
                    // Between events, a broken stream is the normal end of a long watch.
                    if st.frames.remainder().is_empty()
                        && e.to_string().to_ascii_lowercase().contains("eof")
                    {
                        tracing::debug!(operation = st.operation, "watch stream ended: {e}");
                        return None;
                    }
                    return Some((Err(e), st));
                }
                None => {
                    st.done = true;
                    if st.frames.remainder().is_empty() {
                        return None;
                    }
                    let truncated = Error::Transport {
                        operation: st.operation.clone(),
                        message: format!(
                            "watch stream ended inside an event ({} bytes unread)",
                            st.frames.remainder().len()
                        ),
                        attempts: 1,
                        source: None,
                    };
                    return Some((Err(truncated), st));
                }
            }
        }
    })
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

fn transport_error(operation: &str, e: reqwest::Error, attempts: u32) -> Error {
    Error::Transport {
        operation: operation.to_owned(),
        message: error_chain(&e),
        attempts,
        source: Some(Box::new(e)),
    }
}

/// A body read in another shape than asked for: a bug here, reported rather
/// than panicking.
fn unexpected_body(req: &Request) -> Error {
    Error::InvalidRequest(format!(
        "{}: response body read in the wrong shape",
        req.operation()
    ))
}

fn describe(failure: &AttemptError) -> String {
    match failure {
        AttemptError::Status { code, .. } => format!("HTTP {code}"),
        AttemptError::Transport(e) => error_chain(e),
        AttemptError::Local(e) => e.to_string(),
    }
}

/// An error and its causes, joined, so the message says what actually failed
/// (reqwest's top-level message alone is often just "error sending request").
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_chain_includes_causes() {
        let inner = std::io::Error::other("certificate expired");
        #[derive(Debug, thiserror::Error)]
        #[error("connect failed")]
        struct Outer(#[source] std::io::Error);
        assert_eq!(
            error_chain(&Outer(inner)),
            "connect failed: certificate expired"
        );
    }
}
