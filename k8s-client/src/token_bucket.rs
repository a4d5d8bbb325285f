//! A token bucket (x/time/rate's, as client-go uses it): `burst` tokens at
//! most, refilled at `qps` a second. Pure: the caller passes the time.
//!
//! Both the client's request limiter and the workqueue's bucket limiter are
//! this bucket.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Shared by every caller; each reservation takes a token, going into debt
/// when the bucket is empty, and says how long until that token has accrued.
/// Waiters so stay in arrival order without a queue.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    qps: f64,
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket, or `None` when `qps` is not a positive number (no limit).
    pub(crate) fn new(qps: f64, burst: u32) -> Option<Self> {
        if qps.is_nan() || qps <= 0.0 {
            return None;
        }
        let burst = f64::from(burst.max(1));
        Some(TokenBucket {
            qps,
            burst,
            state: Mutex::new(State {
                tokens: burst,
                updated: Instant::now(),
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Takes a token at `now`; returns how long until it has accrued.
    pub(crate) fn reserve(&self, now: Instant) -> Duration {
        let mut s = self.state();
        let elapsed = now.saturating_duration_since(s.updated).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.qps).min(self.burst) - 1.0;
        s.updated = now;
        if s.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64(-s.tokens / self.qps).unwrap_or(Duration::MAX)
        }
    }

    /// Gives back a token that was reserved and not used.
    pub(crate) fn give_back(&self) {
        let mut s = self.state();
        s.tokens = (s.tokens + 1.0).min(self.burst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_when_qps_is_not_positive() {
        assert!(TokenBucket::new(0.0, 10).is_none());
        assert!(TokenBucket::new(-1.0, 10).is_none());
        assert!(TokenBucket::new(f64::NAN, 10).is_none());
    }

    #[test]
    fn burst_then_steady_rate() {
        let b = TokenBucket::new(5.0, 10).unwrap();
        let t0 = Instant::now();
        for _ in 0..10 {
            assert_eq!(b.reserve(t0), Duration::ZERO);
        }
        // The 11th waits one token (200 ms), the 12th two.
        assert_eq!(b.reserve(t0), Duration::from_millis(200));
        assert_eq!(b.reserve(t0), Duration::from_millis(400));
        // After a second, five tokens have accrued, which pays the debt of two plus three.
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(b.reserve(t1), Duration::ZERO);
    }

    #[test]
    fn tokens_never_exceed_burst() {
        let b = TokenBucket::new(100.0, 2).unwrap();
        let later = Instant::now() + Duration::from_secs(60);
        assert_eq!(b.reserve(later), Duration::ZERO);
        assert_eq!(b.reserve(later), Duration::ZERO);
        assert_eq!(b.reserve(later), Duration::from_millis(10));
        // A token given back pays that debt: the next waits one token, not two.
        b.give_back();
        assert_eq!(b.reserve(later), Duration::from_millis(10));
    }
}
