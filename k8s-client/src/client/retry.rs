//! When a failed attempt is sent again, following client-go's `rest/with_retry.go`.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::rest::Verb;

/// client-go's limit on retries of one request.
pub const DEFAULT_MAX_RETRIES: u32 = 10;

/// How a client retries.
///
/// Only two kinds of failure are retried, as in client-go:
/// - a 429 or 5xx response carrying an integer `Retry-After` (any verb: the
///   server did not act on the request), after the larger of Retry-After and
///   the backoff;
/// - a connection reset or unexpected end of the response, for `GET` only (as
///   if Retry-After were 1 s), since other verbs may have taken effect.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt; `0` turns retrying off.
    pub max_retries: u32,
    /// Backoff before the first retry, doubled for each further one. Zero by
    /// default, as client-go's default `NoBackoff`: Retry-After alone decides.
    pub backoff_base: Duration,
    /// The most a backoff grows to.
    pub backoff_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: DEFAULT_MAX_RETRIES,
            backoff_base: Duration::ZERO,
            backoff_cap: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.backoff_base
            .saturating_mul(factor)
            .min(self.backoff_cap)
    }

    /// How long to wait before retrying a response with `code`, if it is retried.
    pub(crate) fn after_response(
        &self,
        code: u16,
        headers: &HeaderMap,
        retry: u32,
    ) -> Option<Duration> {
        if retry > self.max_retries || !(code == 429 || code >= 500) {
            return None;
        }
        let seconds = retry_after_seconds(headers)?;
        Some(Duration::from_secs(u64::from(seconds)).max(self.backoff(retry)))
    }

    /// How long to wait before retrying after a transport error, if it is retried.
    pub(crate) fn after_transport_error(
        &self,
        verb: Verb,
        retriable: bool,
        retry: u32,
    ) -> Option<Duration> {
        if retry > self.max_retries || verb != Verb::Get || !retriable {
            return None;
        }
        Some(Duration::from_secs(1).max(self.backoff(retry)))
    }
}

/// The `Retry-After` header as whole seconds; client-go ignores other forms.
pub(crate) fn retry_after_seconds(headers: &HeaderMap) -> Option<u32> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// One request's retries, in client-go's shape (`rest/with_retry.go`):
/// [`before`](RetryState::before) each attempt says how long to wait first,
/// [`after`](RetryState::after) a failed one decides whether another follows.
#[derive(Debug)]
pub(crate) struct RetryState<'p> {
    policy: &'p RetryPolicy,
    verb: Verb,
    attempts: u32,
    wait: Duration,
}

/// What a failed attempt was, as far as retrying is concerned.
pub(crate) enum Outcome<'a> {
    /// The server answered with this code and headers.
    Response { code: u16, headers: &'a HeaderMap },
    /// The exchange broke; `broken_connection` if it broke under the request
    /// (a reset or an early end), which is safe to resend for GET.
    Transport { broken_connection: bool },
    /// Nothing to retry: the failure is on this side.
    Local,
}

impl<'p> RetryState<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy, verb: Verb) -> Self {
        RetryState {
            policy,
            verb,
            attempts: 0,
            wait: Duration::ZERO,
        }
    }

    /// An attempt begins: how long to wait before sending it (zero for the first).
    pub(crate) fn before(&mut self) -> Duration {
        self.attempts += 1;
        std::mem::take(&mut self.wait)
    }

    /// An attempt failed: whether to make another, after the wait that
    /// [`before`](RetryState::before) will return.
    pub(crate) fn after(&mut self, outcome: Outcome<'_>) -> bool {
        let wait = match outcome {
            Outcome::Response { code, headers } => {
                self.policy.after_response(code, headers, self.attempts)
            }
            Outcome::Transport { broken_connection } => {
                self.policy
                    .after_transport_error(self.verb, broken_connection, self.attempts)
            }
            Outcome::Local => None,
        };
        self.wait = wait.unwrap_or_default();
        wait.is_some()
    }

    /// Another attempt at once, outside the policy (a 401 answered by
    /// refreshing the credential).
    pub(crate) fn again_now(&mut self) {
        self.wait = Duration::ZERO;
    }

    /// The wait [`after`](RetryState::after) chose for the next attempt.
    pub(crate) fn pending_wait(&self) -> Duration {
        self.wait
    }

    /// How many attempts have begun.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(retry_after: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(retry_after).unwrap());
        h
    }

    #[test]
    fn retries_429_and_5xx_only_with_integer_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.after_response(429, &headers("3"), 1),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            p.after_response(503, &headers("0"), 1),
            Some(Duration::ZERO)
        );
        assert_eq!(p.after_response(500, &HeaderMap::new(), 1), None);
        assert_eq!(p.after_response(404, &headers("1"), 1), None);
        assert_eq!(
            p.after_response(429, &headers("Wed, 21 Oct 2015 07:28:00 GMT"), 1),
            None
        );
    }

    #[test]
    fn stops_after_max_retries() {
        let p = RetryPolicy::default();
        assert!(p.after_response(429, &headers("1"), 10).is_some());
        assert!(p.after_response(429, &headers("1"), 11).is_none());
    }

    #[test]
    fn waits_the_larger_of_retry_after_and_backoff() {
        let p = RetryPolicy {
            backoff_base: Duration::from_secs(2),
            ..RetryPolicy::default()
        };
        assert_eq!(
            p.after_response(429, &headers("1"), 1),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            p.after_response(429, &headers("1"), 3),
            Some(Duration::from_secs(8))
        );
        assert_eq!(
            p.after_response(429, &headers("100"), 3),
            Some(Duration::from_secs(100))
        );
        assert_eq!(p.backoff(30), Duration::from_secs(30));
    }

    #[test]
    fn transport_errors_retry_for_get_only() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.after_transport_error(Verb::Get, true, 1),
            Some(Duration::from_secs(1))
        );
        assert_eq!(p.after_transport_error(Verb::Post, true, 1), None);
        assert_eq!(p.after_transport_error(Verb::Get, false, 1), None);
    }

    #[test]
    fn retry_state_counts_attempts_and_keeps_the_wait_for_before() {
        let p = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let mut r = RetryState::new(&p, Verb::Get);
        assert_eq!(r.before(), Duration::ZERO);
        let h = headers("2");
        assert!(r.after(Outcome::Response {
            code: 429,
            headers: &h
        }));
        assert_eq!(r.before(), Duration::from_secs(2));
        assert!(r.after(Outcome::Transport {
            broken_connection: true
        }));
        assert_eq!(r.before(), Duration::from_secs(1));
        // The policy allows two retries: the fourth attempt is not made.
        assert!(!r.after(Outcome::Response {
            code: 429,
            headers: &h
        }));
        assert_eq!(r.attempts(), 3);
        assert!(!r.after(Outcome::Local));

        let mut post = RetryState::new(&p, Verb::Post);
        post.before();
        assert!(!post.after(Outcome::Transport {
            broken_connection: true
        }));
    }
}
