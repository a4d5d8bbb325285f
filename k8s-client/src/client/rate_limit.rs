//! Client-side rate limiting: client-go's token bucket (QPS 5, burst 10 by default).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// client-go's default sustained requests per second.
pub const DEFAULT_QPS: f32 = 5.0;
/// client-go's default burst.
pub const DEFAULT_BURST: u32 = 10;

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

    /// How long the caller must wait for its token; the token is taken either way.
    fn reserve(&self, now: Instant) -> Duration {
        let mut bucket = match self.state.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
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

    /// Waits until a request may be sent.
    pub(crate) async fn acquire(&self) -> Duration {
        let wait = self.reserve(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        wait
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

    #[test]
    fn tokens_never_exceed_burst() {
        let rl = RateLimiter::new(100.0, 2).unwrap();
        let later = Instant::now() + Duration::from_secs(60);
        assert_eq!(rl.reserve(later), Duration::ZERO);
        assert_eq!(rl.reserve(later), Duration::ZERO);
        assert!(rl.reserve(later) > Duration::ZERO);
    }
}
