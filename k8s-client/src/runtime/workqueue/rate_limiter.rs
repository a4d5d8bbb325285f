//! How long a key waits before it is retried: client-go's workqueue rate limiters.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::lock;
use crate::token_bucket::TokenBucket;

/// The first retry delay of [`ItemExponentialRateLimiter`] in
/// [`default_controller_rate_limiter`] (client-go: 5 ms).
pub const DEFAULT_EXPONENTIAL_BASE_DELAY: Duration = Duration::from_millis(5);
/// The longest retry delay of [`ItemExponentialRateLimiter`] in
/// [`default_controller_rate_limiter`] (client-go: 1000 s).
pub const DEFAULT_EXPONENTIAL_MAX_DELAY: Duration = Duration::from_secs(1000);
/// Retries per second of [`BucketRateLimiter`] in [`default_controller_rate_limiter`]
/// (client-go: 10).
pub const DEFAULT_BUCKET_QPS: f64 = 10.0;
/// Retries let through at once by [`BucketRateLimiter`] in
/// [`default_controller_rate_limiter`] (client-go: 100).
pub const DEFAULT_BUCKET_BURST: u32 = 100;

/// Decides how long a key waits before it is retried, and remembers failures
/// per key until told to [`forget`](RateLimiter::forget) them.
///
/// [`WorkQueue::add_rate_limited`](super::WorkQueue::add_rate_limited) asks
/// [`when`](RateLimiter::when) once per retry; each call counts as a failure.
pub trait RateLimiter<T>: Send + Sync {
    /// How long `key` should wait before its next try; counts one failure.
    fn when(&self, key: &T) -> Duration;
    /// Stops tracking `key`, after a success or when giving up on it.
    fn forget(&self, key: &T);
    /// How many failures of `key` are remembered.
    fn num_requeues(&self, key: &T) -> u32;
}

/// So that a limiter chosen at run time (`Box<dyn RateLimiter<T>>`) goes
/// wherever a limiter does.
impl<T, L: RateLimiter<T> + ?Sized> RateLimiter<T> for Box<L> {
    fn when(&self, key: &T) -> Duration {
        (**self).when(key)
    }
    fn forget(&self, key: &T) {
        (**self).forget(key)
    }
    fn num_requeues(&self, key: &T) -> u32 {
        (**self).num_requeues(key)
    }
}

/// client-go's `DefaultTypedControllerRateLimiter`: the longer of a per-key
/// exponential backoff (5 ms doubling up to 1000 s) and an overall token
/// bucket (10 retries a second, bursts of 100).
///
/// ```
/// use std::time::Duration;
/// use k8s_client::runtime::workqueue::{default_controller_rate_limiter, RateLimiter};
///
/// let limiter = default_controller_rate_limiter::<&str>();
/// assert_eq!(limiter.when(&"a"), Duration::from_millis(5));
/// assert_eq!(limiter.when(&"a"), Duration::from_millis(10));
/// assert_eq!(limiter.when(&"b"), Duration::from_millis(5));
/// assert_eq!(limiter.num_requeues(&"a"), 2);
/// ```
pub fn default_controller_rate_limiter<T>() -> MaxOfRateLimiter<T>
where
    T: Eq + Hash + Clone + Send + Sync + 'static,
{
    MaxOfRateLimiter::new(vec![
        Box::new(ItemExponentialRateLimiter::new(
            DEFAULT_EXPONENTIAL_BASE_DELAY,
            DEFAULT_EXPONENTIAL_MAX_DELAY,
        )),
        Box::new(BucketRateLimiter::new(
            DEFAULT_BUCKET_QPS,
            DEFAULT_BUCKET_BURST,
        )),
    ])
}

/// Per key, `base_delay · 2^failures`, at most `max_delay` (client-go's
/// `ItemExponentialFailureRateLimiter`).
#[derive(Debug)]
pub struct ItemExponentialRateLimiter<T> {
    base_delay: Duration,
    max_delay: Duration,
    failures: Mutex<HashMap<T, u32>>,
}

impl<T> ItemExponentialRateLimiter<T> {
    /// Delays starting at `base_delay` and doubling up to `max_delay`.
    pub fn new(base_delay: Duration, max_delay: Duration) -> Self {
        ItemExponentialRateLimiter {
            base_delay,
            max_delay,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Eq + Hash + Clone + Send + Sync> RateLimiter<T> for ItemExponentialRateLimiter<T> {
    fn when(&self, key: &T) -> Duration {
        let exponent = count_failure(&self.failures, key) - 1;
        2u32.checked_pow(exponent)
            .and_then(|factor| self.base_delay.checked_mul(factor))
            .map_or(self.max_delay, |delay| delay.min(self.max_delay))
    }
    fn forget(&self, key: &T) {
        lock(&self.failures).remove(key);
    }
    fn num_requeues(&self, key: &T) -> u32 {
        failures_of(&self.failures, key)
    }
}

/// Per key, `fast_delay` for the first `max_fast_attempts` failures, then
/// `slow_delay` (client-go's `ItemFastSlowRateLimiter`).
#[derive(Debug)]
pub struct ItemFastSlowRateLimiter<T> {
    fast_delay: Duration,
    slow_delay: Duration,
    max_fast_attempts: u32,
    failures: Mutex<HashMap<T, u32>>,
}

impl<T> ItemFastSlowRateLimiter<T> {
    /// `max_fast_attempts` quick retries after `fast_delay`, then slow ones after `slow_delay`.
    pub fn new(fast_delay: Duration, slow_delay: Duration, max_fast_attempts: u32) -> Self {
        ItemFastSlowRateLimiter {
            fast_delay,
            slow_delay,
            max_fast_attempts,
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Eq + Hash + Clone + Send + Sync> RateLimiter<T> for ItemFastSlowRateLimiter<T> {
    fn when(&self, key: &T) -> Duration {
        if count_failure(&self.failures, key) <= self.max_fast_attempts {
            self.fast_delay
        } else {
            self.slow_delay
        }
    }
    fn forget(&self, key: &T) {
        lock(&self.failures).remove(key);
    }
    fn num_requeues(&self, key: &T) -> u32 {
        failures_of(&self.failures, key)
    }
}

/// Counts a failure of `key`; returns how many there are now.
fn count_failure<T: Eq + Hash + Clone>(failures: &Mutex<HashMap<T, u32>>, key: &T) -> u32 {
    let mut failures = lock(failures);
    if let Some(count) = failures.get_mut(key) {
        *count = count.saturating_add(1);
        return *count;
    }
    failures.insert(key.clone(), 1);
    1
}

fn failures_of<T: Eq + Hash>(failures: &Mutex<HashMap<T, u32>>, key: &T) -> u32 {
    lock(failures).get(key).copied().unwrap_or(0)
}

/// One token bucket for all keys (client-go's `BucketRateLimiter` over
/// `rate.Limiter`): `burst` retries go at once, then `qps` a second. It
/// tracks no key, so [`num_requeues`](RateLimiter::num_requeues) is always 0.
///
/// Each call takes a token whether or not one is there: an empty bucket goes
/// into debt, and the delay is the time until the call's token has accrued.
#[derive(Debug)]
pub struct BucketRateLimiter {
    /// `None` when every retry goes at once.
    bucket: Option<TokenBucket>,
}

impl BucketRateLimiter {
    /// A full bucket of `burst` tokens (at least 1) refilled at `qps` a
    /// second. A `qps` that is not a positive number lets everything through.
    pub fn new(qps: f64, burst: u32) -> Self {
        BucketRateLimiter {
            bucket: TokenBucket::new(qps, burst),
        }
    }

    fn reserve(&self, now: Instant) -> Duration {
        self.bucket
            .as_ref()
            .map_or(Duration::ZERO, |b| b.reserve(now))
    }
}

impl<T> RateLimiter<T> for BucketRateLimiter {
    fn when(&self, _key: &T) -> Duration {
        self.reserve(Instant::now())
    }
    fn forget(&self, _key: &T) {}
    fn num_requeues(&self, _key: &T) -> u32 {
        0
    }
}

/// The longest delay of several limiters, and the most failures any of them
/// remembers (client-go's `MaxOfRateLimiter`). Every limiter is asked each
/// time, so each counts every failure.
pub struct MaxOfRateLimiter<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> MaxOfRateLimiter<T> {
    /// Combines `limiters`; with none, every delay is zero.
    pub fn new(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        MaxOfRateLimiter { limiters }
    }
}

impl<T> std::fmt::Debug for MaxOfRateLimiter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaxOfRateLimiter")
            .field("limiters", &self.limiters.len())
            .finish()
    }
}

impl<T> RateLimiter<T> for MaxOfRateLimiter<T> {
    fn when(&self, key: &T) -> Duration {
        self.limiters
            .iter()
            .map(|limiter| limiter.when(key))
            .fold(Duration::ZERO, Duration::max)
    }
    fn forget(&self, key: &T) {
        for limiter in &self.limiters {
            limiter.forget(key);
        }
    }
    fn num_requeues(&self, key: &T) -> u32 {
        self.limiters
            .iter()
            .map(|limiter| limiter.num_requeues(key))
            .max()
            .unwrap_or(0)
    }
}

/// Another limiter's delays, cut to at most `max_wait` (client-go's
/// `WithMaxWaitRateLimiter`).
#[derive(Debug)]
pub struct MaxWaitRateLimiter<L> {
    limiter: L,
    max_wait: Duration,
}

impl<L> MaxWaitRateLimiter<L> {
    /// `limiter`'s delays, never longer than `max_wait`.
    pub fn new(limiter: L, max_wait: Duration) -> Self {
        MaxWaitRateLimiter { limiter, max_wait }
    }
}

impl<T, L: RateLimiter<T>> RateLimiter<T> for MaxWaitRateLimiter<L> {
    fn when(&self, key: &T) -> Duration {
        self.limiter.when(key).min(self.max_wait)
    }
    fn forget(&self, key: &T) {
        self.limiter.forget(key)
    }
    fn num_requeues(&self, key: &T) -> u32 {
        self.limiter.num_requeues(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn exponential_doubles_per_key_until_the_cap_and_forget_resets() {
        let limiter = ItemExponentialRateLimiter::new(ms(5), Duration::from_secs(1000));
        let delays: Vec<_> = (0..5).map(|_| limiter.when(&"a")).collect();
        assert_eq!(delays, [ms(5), ms(10), ms(20), ms(40), ms(80)]);
        assert_eq!(limiter.when(&"b"), ms(5), "keys back off separately");
        assert_eq!(limiter.num_requeues(&"a"), 5);
        limiter.forget(&"a");
        assert_eq!(limiter.num_requeues(&"a"), 0);
        assert_eq!(limiter.when(&"a"), ms(5));
    }

    #[test]
    fn exponential_stops_at_the_max_and_never_overflows() {
        let limiter = ItemExponentialRateLimiter::new(ms(5), Duration::from_secs(1000));
        // 5 ms · 2^17 = 655 s, 2^18 would be 1311 s.
        let delays: Vec<_> = (0..100).map(|_| limiter.when(&"a")).collect();
        assert_eq!(delays[17], ms(5 << 17));
        assert!(delays[18..].iter().all(|d| *d == Duration::from_secs(1000)));
        assert_eq!(limiter.num_requeues(&"a"), 100);
    }

    #[test]
    fn fast_then_slow() {
        let limiter = ItemFastSlowRateLimiter::new(ms(5), Duration::from_secs(10), 3);
        let delays: Vec<_> = (0..5).map(|_| limiter.when(&"a")).collect();
        assert_eq!(
            delays,
            [
                ms(5),
                ms(5),
                ms(5),
                Duration::from_secs(10),
                Duration::from_secs(10)
            ]
        );
        assert_eq!(limiter.num_requeues(&"a"), 5);
        limiter.forget(&"a");
        assert_eq!(limiter.when(&"a"), ms(5));
    }

    #[test]
    fn bucket_lets_a_burst_through_then_spaces_retries() {
        let limiter = BucketRateLimiter::new(DEFAULT_BUCKET_QPS, DEFAULT_BUCKET_BURST);
        let t0 = Instant::now();
        for _ in 0..DEFAULT_BUCKET_BURST {
            assert_eq!(limiter.reserve(t0), Duration::ZERO);
        }
        assert_eq!(limiter.reserve(t0), ms(100));
        assert_eq!(limiter.reserve(t0), ms(200));
        // A second later ten tokens have accrued: the debt of two, and eight more.
        let t1 = t0 + Duration::from_secs(1);
        for _ in 0..8 {
            assert_eq!(limiter.reserve(t1), Duration::ZERO);
        }
        assert_eq!(limiter.reserve(t1), ms(100));
        assert_eq!(RateLimiter::<&str>::num_requeues(&limiter, &"a"), 0);
    }

    #[test]
    fn bucket_without_a_positive_rate_does_not_limit() {
        for qps in [0.0, -1.0, f64::NAN] {
            let limiter = BucketRateLimiter::new(qps, 1);
            let now = Instant::now();
            assert!((0..10).all(|_| limiter.reserve(now).is_zero()));
        }
    }

    #[test]
    fn max_of_takes_the_longest_delay_and_forgets_everywhere() {
        let limiter: MaxOfRateLimiter<&str> = MaxOfRateLimiter::new(vec![
            Box::new(ItemExponentialRateLimiter::new(
                ms(1),
                Duration::from_secs(1),
            )),
            Box::new(ItemFastSlowRateLimiter::new(
                ms(3),
                Duration::from_secs(10),
                2,
            )),
        ]);
        let delays: Vec<_> = (0..4).map(|_| limiter.when(&"a")).collect();
        assert_eq!(
            delays,
            [
                ms(3),
                ms(3),
                Duration::from_secs(10),
                Duration::from_secs(10)
            ]
        );
        assert_eq!(limiter.num_requeues(&"a"), 4);
        limiter.forget(&"a");
        assert_eq!(limiter.num_requeues(&"a"), 0);
        assert_eq!(
            MaxOfRateLimiter::<&str>::new(Vec::new()).when(&"a"),
            Duration::ZERO
        );
    }

    #[tokio::test(start_paused = true)]
    async fn default_controller_limiter_is_exponential_until_the_bucket_runs_dry() {
        let limiter = default_controller_rate_limiter::<u32>();
        // The first retry of each of 100 keys fits in the burst: 5 ms each.
        for key in 0..100 {
            assert_eq!(limiter.when(&key), ms(5));
        }
        // The bucket is empty now, and its 100 ms per token outweighs 5 ms.
        assert_eq!(limiter.when(&100), ms(100));
        assert_eq!(
            limiter.when(&0),
            ms(200),
            "the second retry of a key: max(10 ms, 200 ms)"
        );
    }

    #[test]
    fn max_wait_caps_delays() {
        let limiter = MaxWaitRateLimiter::new(
            ItemExponentialRateLimiter::new(ms(5), Duration::from_secs(1000)),
            ms(12),
        );
        let delays: Vec<_> = (0..4).map(|_| limiter.when(&"a")).collect();
        assert_eq!(delays, [ms(5), ms(10), ms(12), ms(12)]);
        assert_eq!(limiter.num_requeues(&"a"), 4);
    }
}
