//! Executing requests: one retry loop for every request, under one deadline.
//!
//! A request runs as attempts. Before each, the retry state says how long
//! to wait and the rate limiter gives a token; then [`attempt`] sends it
//! and reads the body as the caller asked (decoded as it arrives, or left
//! open as a stream). After a failure, the retry state decides whether
//! another attempt follows. One deadline, set when the request starts,
//! bounds every attempt and every wait between them.

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use tokio::time::Instant;
use tracing::Instrument;

use super::Client;
use super::attempt::{AttemptOk, Failure, ReadBody};
use super::observer::{AttemptInfo, AttemptResult, RequestInfo};
use super::rate_limit::PastDeadline;
use super::retry::RetryState;
use crate::error::ApiError;
use crate::rest::{Request, status_from_response};
use crate::{Error, Result};

impl Client {
    /// The retry loop shared by every request shape.
    pub(super) async fn run<R: ReadBody>(
        &self,
        req: &Request,
        reader: &mut R,
    ) -> Result<R::Output> {
        let inner = &*self.inner;
        let timeout = if req.is_watch() {
            None
        } else {
            req.timeout().or(inner.timeout)
        };
        // A timeout too long to be an instant (`Duration::MAX`) is no deadline.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let timed_out = |attempts: u32, last: Option<Error>| Error::Timeout {
            operation: req.operation(),
            timeout: timeout.unwrap_or_default(),
            attempts,
            last: last.map(Box::new),
        };
        let info = RequestInfo {
            verb: req.verb(),
            url_template: req.template(),
            host: &inner.host,
            watch: req.is_watch(),
            request_bytes: req.body().map_or(0, |b| b.bytes.len() as u64),
        };
        let observer = inner.observer.as_deref();
        // An upgrade is a GET, but starts a command or a connection in the
        // pod: like a POST, it is not sent again after a transport error.
        let retry_verb = if req.is_upgrade() {
            crate::rest::Verb::Post
        } else {
            req.verb()
        };
        let mut retry = RetryState::new(&inner.retry, retry_verb);
        let mut reauthenticated = false;
        let mut last: Option<Error> = None;
        loop {
            let wait = retry.before();
            let made = retry.attempts() - 1;
            tracing::Span::current().record("attempts", retry.attempts());
            if !wait.is_zero() {
                // A wait that would end past the deadline is not begun.
                if deadline.is_some_and(|d| Instant::now() + wait > d) {
                    return Err(timed_out(made, last));
                }
                tokio::time::sleep(wait).await;
            }
            if let Some(limiter) = &inner.limiter {
                match limiter.acquire(deadline).await {
                    Ok(waited) if !waited.is_zero() => {
                        if let Some(o) = observer {
                            o.rate_limiter_waited(&info, waited);
                        }
                    }
                    Ok(_) => {}
                    Err(PastDeadline) => return Err(timed_out(made, last)),
                }
            }
            let started = Instant::now();
            let attempt = self.attempt(req, reader);
            let outcome = match deadline {
                Some(d) => match tokio::time::timeout_at(d, attempt).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        if let Some(o) = observer {
                            let attempt =
                                attempt_info(&retry, started, AttemptResult::TimedOut, None);
                            o.attempt_finished(&info, &attempt);
                        }
                        return Err(timed_out(retry.attempts(), last));
                    }
                },
                None => attempt.await,
            };
            let (result, response_bytes) = match &outcome {
                Ok(ok) => (AttemptResult::Code(ok.code), reader.bytes_read()),
                Err(failure) => (failure.attempt_result(), failure.body_bytes()),
            };
            let attempt = observer.map(|o| {
                let a = attempt_info(&retry, started, result, response_bytes);
                o.attempt_finished(&info, &a);
                a
            });
            let failure = match outcome {
                Ok(AttemptOk { output, .. }) => return Ok(output),
                Err(failure) => failure,
            };
            // A 401 may mean the credential rotated: refresh it once and resend,
            // as client-go does for exec plugins and token files.
            if failure.code() == Some(401) && !reauthenticated && !inner.auth.is_none() {
                reauthenticated = true;
                inner.auth.invalidate();
                retry.again_now();
                tracing::debug!(operation = %req.op(), "401: refreshing credentials and retrying once");
                last = Some(self.failure_error(req, failure, retry.attempts()));
                continue;
            }
            let again = retry.after(failure.retry_outcome());
            let error = self.failure_error(req, failure, retry.attempts());
            if !again {
                return Err(error);
            }
            tracing::debug!(operation = %req.op(), attempts = retry.attempts(), cause = %error, "retrying");
            if let (Some(o), Some(a)) = (observer, &attempt) {
                o.retrying(&info, a, retry.pending_wait());
            }
            last = Some(error);
        }
    }

    /// The error a failed attempt becomes.
    fn failure_error(&self, req: &Request, failure: Failure, attempts: u32) -> Error {
        match failure {
            Failure::Local(e) => e,
            Failure::Status {
                code,
                headers,
                body,
            } => Error::Api(Box::new(api_error(req, code, &headers, &body, attempts))),
            Failure::Transport { kind, error } => Error::Transport {
                operation: req.operation(),
                kind,
                attempts,
                source: Some(Box::new(error)),
            },
        }
    }

    /// Runs `fut` in the request's `k8s_request` span: method, URL template,
    /// the last attempt's status and HTTP version, attempts, latency.
    pub(super) async fn traced<T>(
        &self,
        req: &Request,
        fut: impl Future<Output = Result<T>>,
    ) -> Result<T> {
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
}

fn attempt_info(
    retry: &RetryState<'_>,
    started: Instant,
    result: AttemptResult,
    response_bytes: Option<u64>,
) -> AttemptInfo {
    AttemptInfo {
        attempt: retry.attempts(),
        result,
        latency: started.elapsed(),
        response_bytes,
    }
}

fn api_error(
    req: &Request,
    code: u16,
    headers: &HeaderMap,
    body: &[u8],
    attempts: u32,
) -> ApiError {
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    status_from_response(
        code,
        req.verb(),
        content_type,
        body,
        super::retry::retry_after_seconds(headers),
        req.operation(),
        attempts,
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::rest::Request;
    use crate::{Client, Error, RetryPolicy};

    #[tokio::test]
    async fn a_timeout_past_every_instant_is_no_deadline() {
        // Seen while fuzzing the `timeout` parameter (scalars target):
        // `Instant::now() + Duration::MAX` overflowed and panicked, for a
        // request's timeout and for the client's alike.
        // Nothing listens on port 9: the request fails to connect, once.
        let client = Client::builder("http://127.0.0.1:9")
            .retry_policy(RetryPolicy::none())
            .timeout(Duration::MAX)
            .build()
            .unwrap();
        let err = client
            .send_bytes(Request::get().abs_path("/api"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err}");
        let err = client
            .send_bytes(Request::get().abs_path("/api").timeout(Duration::MAX))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err}");
    }
}
