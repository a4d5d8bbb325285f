//! A work queue with client-go's semantics (`util/workqueue`): keys are
//! merged while queued, one worker holds a key at a time, and failed keys are
//! retried after a rate limiter's delay.
//!
//! - [`WorkQueue`]: the queue; [`WorkQueue::get`] hands out a [`WorkItem`]
//!   that marks its key done when dropped.
//! - [`RateLimiter`] and client-go's limiters: [`ItemExponentialRateLimiter`],
//!   [`BucketRateLimiter`], [`ItemFastSlowRateLimiter`], [`MaxOfRateLimiter`],
//!   [`MaxWaitRateLimiter`], and [`default_controller_rate_limiter`].
//! - [`WorkQueueMetrics`]: hooks for client-go's `workqueue_*` metrics.
//!
//! # A worker loop
//!
//! ```
//! use k8s_client::runtime::workqueue::WorkQueue;
//!
//! /// Which object to reconcile.
//! #[derive(Clone, Debug, PartialEq, Eq, Hash)]
//! struct ObjectRef {
//!     namespace: String,
//!     name: String,
//! }
//!
//! async fn reconcile(object: &ObjectRef) -> Result<(), String> {
//!     if object.name.is_empty() { Err("no name".into()) } else { Ok(()) }
//! }
//!
//! async fn worker(queue: WorkQueue<ObjectRef>) {
//!     // `None` once the queue is shut down and empty.
//!     while let Some(item) = queue.get().await {
//!         match reconcile(&item).await {
//!             // Success: the key's backoff starts over next time.
//!             Ok(()) => queue.forget(&item),
//!             // Failure: retried after 5 ms, 10 ms, 20 ms, … (and at most 10 a second).
//!             Err(_) => queue.add_rate_limited(item.key().clone()),
//!         }
//!         // Dropping `item` here marks the key done; had it been added again
//!         // while we worked, it is queued again now.
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let queue = WorkQueue::new();
//! let workers: Vec<_> = (0..2).map(|_| tokio::spawn(worker(queue.clone()))).collect();
//! let web = ObjectRef { namespace: "default".into(), name: "web".into() };
//! queue.add(web.clone());
//! queue.add(web); // merged with the first: reconciled once
//! // Workers finish what is queued, then `get` returns `None`.
//! queue.shut_down();
//! for worker in workers {
//!     worker.await.unwrap();
//! }
//! # }
//! ```

mod metrics;
mod queue;
mod rate_limiter;
mod state;
mod waiting;

#[cfg(test)]
mod tests;

pub use metrics::WorkQueueMetrics;
pub use queue::{WorkItem, WorkQueue, WorkQueueBuilder};
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
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
