//! Client-side rate limiting: client-go's token bucket (QPS 5, burst 10 by default).

use std::time::Duration;

use tokio::time::Instant;

use crate::token_bucket::TokenBucket;

/// The token bucket shared by every request made through one client.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    bucket: TokenBucket,
}

impl RateLimiter {
    /// A limiter, or `None` when `qps` is not positive (limiting off, as in client-go).
    pub(crate) fn new(qps: f32, burst: u32) -> Option<Self> {
        TokenBucket::new(f64::from(qps), burst).map(|bucket| RateLimiter { bucket })
    }

    /// Waits until a request may be sent, and returns how long that took.
    ///
    /// A wait that would end after `deadline` is not begun: the token is
    /// given back at once and [`PastDeadline`] returned (x/time/rate's rule,
    /// which client-go follows). A caller that stops waiting (its future is
    /// dropped) gives its token back too, so cancelled callers leave no debt
    /// for the ones after them.
    pub(crate) async fn acquire(
        &self,
        deadline: Option<Instant>,
    ) -> Result<Duration, PastDeadline> {
        let now = Instant::now();
        let wait = self.bucket.reserve(now);
        if wait.is_zero() {
            return Ok(wait);
        }
        if deadline.is_some_and(|d| now + wait > d) {
            self.bucket.give_back();
            return Err(PastDeadline);
        }
        let reservation = Reservation(Some(&self.bucket));
        tokio::time::sleep(wait).await;
        reservation.used();
        Ok(wait)
    }
}

/// A wait would have ended after the request's deadline.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PastDeadline;

/// A token reserved by a caller still waiting for it; dropped unused, it
/// goes back to the bucket.
struct Reservation<'a>(Option<&'a TokenBucket>);

impl Reservation<'_> {
    fn used(mut self) {
        self.0 = None;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if let Some(bucket) = self.0 {
            bucket.give_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_when_qps_is_not_positive() {
        assert!(RateLimiter::new(0.0, 10).is_none());
        assert!(RateLimiter::new(f32::NAN, 10).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_past_the_deadline_is_refused_and_costs_nothing() {
        let rl = RateLimiter::new(1.0, 1).unwrap();
        assert_eq!(rl.acquire(None).await, Ok(Duration::ZERO));
        let soon = Instant::now() + Duration::from_millis(100);
        for _ in 0..100 {
            assert_eq!(rl.acquire(Some(soon)).await, Err(PastDeadline));
        }
        // The refused callers took nothing: the next one waits one token only.
        let t0 = Instant::now();
        rl.acquire(None).await.unwrap();
        assert_eq!(t0.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn cancelled_callers_give_their_tokens_back() {
        let rl = std::sync::Arc::new(RateLimiter::new(1.0, 1).unwrap());
        rl.acquire(None).await.unwrap();
        // Fifty callers start waiting, then give up.
        for _ in 0..50 {
            let waiting = rl.acquire(None);
            let gave_up = tokio::time::timeout(Duration::from_millis(10), waiting).await;
            assert!(gave_up.is_err());
        }
        // Without give-backs the bucket would be 50 tokens in debt.
        let t0 = Instant::now();
        rl.acquire(None).await.unwrap();
        assert!(t0.elapsed() <= Duration::from_secs(1), "{:?}", t0.elapsed());
    }
}
