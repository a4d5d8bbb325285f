//! A work queue with client-go's semantics (`util/workqueue`): for now, its
//! rate limiters.

mod rate_limiter;

pub use rate_limiter::{
    BucketRateLimiter, DEFAULT_BUCKET_BURST, DEFAULT_BUCKET_QPS, DEFAULT_EXPONENTIAL_BASE_DELAY,
    DEFAULT_EXPONENTIAL_MAX_DELAY, ItemExponentialRateLimiter, ItemFastSlowRateLimiter,
    MaxOfRateLimiter, MaxWaitRateLimiter, RateLimiter, default_controller_rate_limiter,
};

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, going on if a panic poisoned it. Only a key's own `Hash` or
/// `Eq` can panic under these locks; refusing every later call would turn that
/// into a dead queue, and a `WorkItem` dropped during the unwind into an abort.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
