//! Client-side rate limiting: client-go's token bucket (QPS 5, burst 10 by default).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket shared by every request made through one client.
///
/// Each request reserves a token; when the bucket is empty the reservation
/// goes into debt and the caller sleeps until its token has accrued. That keeps
/// waiters in arrival order without a queue.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    qps: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// A limiter, or `None` when `qps` is not positive (limiting off, as in client-go).
    pub(crate) fn new(qps: f32, burst: u32) -> Option<Self> {
        if qps.is_nan() || qps <= 0.0 {
            return None;
        }
        let burst = f64::from(burst.max(1));
        Some(RateLimiter {
            qps: f64::from(qps),
            burst,
            state: Mutex::new(Bucket {
                tokens: burst,
                updated: Instant::now(),
            }),
        })
    }

    fn bucket(&self) -> std::sync::MutexGuard<'_, Bucket> {
        match self.state.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// How long the caller must wait for its token; the token is taken either way.
    fn reserve(&self, now: Instant) -> Duration {
        let mut bucket = self.bucket();
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.qps).min(self.burst);
        bucket.updated = now;
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / self.qps)
        }
    }

    /// Gives back a token that was reserved and not used.
    fn give_back(&self) {
        let mut bucket = self.bucket();
        bucket.tokens = (bucket.tokens + 1.0).min(self.burst);
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
        let wait = self.reserve(now);
        if wait.is_zero() {
            return Ok(wait);
        }
        if deadline.is_some_and(|d| now + wait > d) {
            self.give_back();
            return Err(PastDeadline);
        }
        let reservation = Reservation(Some(self));
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
struct Reservation<'a>(Option<&'a RateLimiter>);

impl Reservation<'_> {
    fn used(mut self) {
        self.0 = None;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if let Some(limiter) = self.0 {
            limiter.give_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_when_qps_is_not_positive() {
        assert!(RateLimiter::new(0.0, 10).is_none());
        assert!(RateLimiter::new(-1.0, 10).is_none());
        assert!(RateLimiter::new(f32::NAN, 10).is_none());
    }

    #[test]
    fn burst_then_steady_rate() {
        let rl = RateLimiter::new(5.0, 10).unwrap();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert_eq!(rl.reserve(t0), Duration::ZERO);
        }
        // The 11th waits one token (200 ms), the 12th two.
        assert_eq!(rl.reserve(t0), Duration::from_millis(200));
        assert_eq!(rl.reserve(t0), Duration::from_millis(400));
        // After a second, five tokens have accrued, which pays the debt of two plus three.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(rl.reserve(t1), Duration::ZERO);
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

    #[test]
    fn tokens_never_exceed_burst() {
        let rl = RateLimiter::new(100.0, 2).unwrap();
        let later = Instant::now() + Duration::from_secs(60);
        assert_eq!(rl.reserve(later), Duration::ZERO);
        assert_eq!(rl.reserve(later), Duration::ZERO);
        assert!(rl.reserve(later) > Duration::ZERO);
    }
}
