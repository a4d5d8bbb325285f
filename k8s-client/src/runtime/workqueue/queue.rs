//! The queue shared by producers and workers, and the handle a worker holds.

use std::fmt;
use std::hash::Hash;
use std::ops::Deref;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::lock;
use super::metrics::WorkQueueMetrics;
use super::rate_limiter::{RateLimiter, default_controller_rate_limiter};
use super::state::{Changes, State, Take};

/// A work queue with client-go's semantics, for keys of type `T` (an object
/// reference, a name, anything hashable).
///
/// - A key added while it waits in the queue is merged: it is processed once.
/// - A key added while a worker holds it is queued again only when that
///   worker is done, so no two workers ever hold the same key.
/// - Keys can be added after a delay ([`add_after`](Self::add_after)) or after
///   the delay the rate limiter gives ([`add_rate_limited`](Self::add_rate_limited)).
///
/// Cloning is cheap: clones share one queue.
///
/// # Getting and finishing keys
///
/// [`get`](Self::get) hands out a [`WorkItem`], and the key counts as
/// processing for as long as the item lives. Dropping it (or calling
/// [`WorkItem::done`]) is client-go's `Done`. A worker therefore cannot
/// forget `Done`: an early return, a `?`, a panic that unwinds or a task that
/// is aborted all drop the item, and the key becomes available again. Calling
/// `Done` twice, or for a key one does not hold, cannot be written. Only
/// leaking the item (`std::mem::forget`) keeps its key processing for good.
///
/// # Delayed keys
///
/// No task runs behind the queue, so building one needs no runtime. A
/// delayed key becomes ready at its time for the next operation on the queue:
/// each operation first moves the keys that are due into the queue, in ready
/// order. A worker waiting in [`get`](Self::get) sleeps until the earliest
/// delayed key is due, so due keys are picked up on time even when nothing
/// else happens.
pub struct WorkQueue<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Wakes workers waiting in `get`.
    ready: Notify,
    /// Wakes `shut_down_with_drain` when processing empties or a plain shutdown ends the drain.
    drained: Notify,
    rate_limiter: Box<dyn RateLimiter<T>>,
    metrics: Option<Box<dyn WorkQueueMetrics>>,
}

/// Builds a [`WorkQueue`] with a rate limiter or metrics of your choice.
///
/// ```
/// use std::time::Duration;
/// use k8s_client::runtime::workqueue::{ItemFastSlowRateLimiter, WorkQueue};
///
/// let queue: WorkQueue<String> = WorkQueue::builder()
///     .rate_limiter(ItemFastSlowRateLimiter::new(
///         Duration::from_millis(10),
///         Duration::from_secs(30),
///         5,
///     ))
///     .build();
/// ```
pub struct WorkQueueBuilder<T> {
    rate_limiter: Option<Box<dyn RateLimiter<T>>>,
    metrics: Option<Box<dyn WorkQueueMetrics>>,
}

impl<T> WorkQueueBuilder<T>
where
    T: Eq + Hash + Clone + Send + Sync + 'static,
{
    /// Delays for [`WorkQueue::add_rate_limited`]; by default
    /// [`default_controller_rate_limiter`].
    pub fn rate_limiter(mut self, rate_limiter: impl RateLimiter<T> + 'static) -> Self {
        self.rate_limiter = Some(Box::new(rate_limiter));
        self
    }

    /// Where the queue reports its measurements; by default nowhere.
    pub fn metrics(mut self, metrics: impl WorkQueueMetrics + 'static) -> Self {
        self.metrics = Some(Box::new(metrics));
        self
    }

    /// The queue, empty.
    pub fn build(self) -> WorkQueue<T> {
        let rate_limiter = match self.rate_limiter {
            Some(rate_limiter) => rate_limiter,
            None => Box::new(default_controller_rate_limiter()),
        };
        WorkQueue {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
                ready: Notify::new(),
                drained: Notify::new(),
                rate_limiter,
                metrics: self.metrics,
            }),
        }
    }
}

impl<T> WorkQueue<T>
where
    T: Eq + Hash + Clone + Send + Sync + 'static,
{
    /// An empty queue with [`default_controller_rate_limiter`].
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// An empty queue whose [`add_rate_limited`](Self::add_rate_limited) asks `rate_limiter`.
    pub fn with_rate_limiter(rate_limiter: impl RateLimiter<T> + 'static) -> Self {
        Self::builder().rate_limiter(rate_limiter).build()
    }

    /// A builder for a queue with other settings.
    pub fn builder() -> WorkQueueBuilder<T> {
        WorkQueueBuilder {
            rate_limiter: None,
            metrics: None,
        }
    }

    /// Marks `key` as needing processing. Merged if it is already queued;
    /// deferred until `done` if a worker holds it; ignored once shutting down.
    pub fn add(&self, key: T) {
        self.shared
            .update(|state, now, changes| state.add(key, now, changes));
    }

    /// Adds `key` once `delay` has passed (at once for a zero delay). If
    /// `key` already waits for a delay, it keeps whichever time comes first.
    /// Ignored once shutting down; keys still waiting then are dropped.
    pub fn add_after(&self, key: T, delay: Duration) {
        self.shared
            .update(|state, now, changes| state.add_after(key, ready_at(now, delay), now, changes));
    }

    /// Adds `key` after the delay the rate limiter gives it, which counts as
    /// one failure of `key` (client-go's `AddRateLimited`).
    pub fn add_rate_limited(&self, key: T) {
        let delay = self.shared.rate_limiter.when(&key);
        self.add_after(key, delay);
    }

    /// Makes the rate limiter forget `key`'s failures, after a success or when
    /// giving up. The key itself stays wherever it is in the queue.
    pub fn forget(&self, key: &T) {
        self.shared.rate_limiter.forget(key);
    }

    /// How many failures of `key` the rate limiter remembers.
    pub fn num_requeues(&self, key: &T) -> u32 {
        self.shared.rate_limiter.num_requeues(key)
    }

    /// Waits for a key to process, or returns `None` once the queue is shut
    /// down and no ready key is left. The key is processing until the
    /// returned [`WorkItem`] is dropped.
    ///
    /// Cancel-safe: a key is taken only when the future completes. Sleeps
    /// with tokio's timer, so it must run in a tokio runtime with time enabled.
    pub async fn get(&self) -> Option<WorkItem<T>> {
        loop {
            // Registered before looking, so a key queued after the look wakes us.
            let mut woken = pin!(self.shared.ready.notified());
            woken.as_mut().enable();
            let now = Instant::now();
            let mut changes = Changes::default();
            let taken = lock(&self.shared.state).take(now, &mut changes);
            match taken {
                Take::Key(key, waited) => {
                    // The item exists before any hook runs, so even a panicking
                    // hook cannot leave the key processing for good.
                    let item = WorkItem {
                        key,
                        started: now,
                        shared: Arc::clone(&self.shared),
                    };
                    self.shared.announce(&changes);
                    if let Some(metrics) = &self.shared.metrics {
                        metrics.dec_depth();
                        metrics.observe_queue_latency(waited);
                    }
                    return Some(item);
                }
                // Shut down: nothing was delayed any more, so nothing to announce.
                Take::Closed => return None,
                Take::Wait(due) => {
                    self.shared.announce(&changes);
                    match due {
                        None => woken.await,
                        // A key queued meanwhile or the delayed one due: look again.
                        Some(due) => {
                            let _ = tokio::time::timeout_at(due, woken).await;
                        }
                    }
                }
            }
        }
    }

    /// How many keys are ready for a worker (client-go's `Len`): neither
    /// delayed keys nor keys a worker holds count. For information only.
    pub fn len(&self) -> usize {
        self.shared
            .update(|state, now, changes| state.len(now, changes))
    }

    /// Whether no key is ready for a worker; see [`len`](Self::len).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops taking keys: later adds are ignored and delayed keys dropped.
    /// Workers still get the keys already queued (and keys that were added
    /// while being processed, once done); after that `get` returns `None`.
    /// Also makes a pending [`shut_down_with_drain`](Self::shut_down_with_drain)
    /// stop waiting.
    pub fn shut_down(&self) {
        lock(&self.shared.state).shut_down(false);
        self.shared.ready.notify_waiters();
        self.shared.drained.notify_waiters();
    }

    /// Shuts down as [`shut_down`](Self::shut_down) does, then waits until no
    /// worker holds a key (client-go's `ShutDownWithDrain`). Keys still queued
    /// but not taken do not hold it up. A later `shut_down` ends the wait.
    pub async fn shut_down_with_drain(&self) {
        lock(&self.shared.state).shut_down(true);
        self.shared.ready.notify_waiters();
        loop {
            let mut woken = pin!(self.shared.drained.notified());
            woken.as_mut().enable();
            if lock(&self.shared.state).drain_finished() {
                return;
            }
            woken.await;
        }
    }

    /// Whether [`shut_down`](Self::shut_down) or
    /// [`shut_down_with_drain`](Self::shut_down_with_drain) was called.
    pub fn is_shutting_down(&self) -> bool {
        lock(&self.shared.state).is_shutting_down()
    }
}

/// When a key added now with `delay` is due. Delays are cut to about thirty
/// years, as tokio's timers cut them, so that the sum cannot overflow.
fn ready_at(now: Instant, delay: Duration) -> Instant {
    const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);
    now.checked_add(delay.min(FAR_FUTURE)).unwrap_or(now)
}

impl<T: Eq + Hash + Clone> Shared<T> {
    /// Runs `op` on the state under the lock, then tells workers and metrics.
    fn update<R>(&self, op: impl FnOnce(&mut State<T>, Instant, &mut Changes) -> R) -> R {
        let mut changes = Changes::default();
        let result = op(&mut lock(&self.state), Instant::now(), &mut changes);
        self.announce(&changes);
        result
    }

    fn announce(&self, changes: &Changes) {
        if changes.earlier_deadline {
            self.ready.notify_waiters();
        }
        for _ in 0..changes.queued {
            self.ready.notify_one();
        }
        if let Some(metrics) = &self.metrics {
            for _ in 0..changes.added {
                metrics.inc_adds();
                metrics.inc_depth();
            }
            for _ in 0..changes.retries {
                metrics.inc_retries();
            }
        }
    }
}

impl<T> Clone for WorkQueue<T> {
    fn clone(&self) -> Self {
        WorkQueue {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Default for WorkQueue<T>
where
    T: Eq + Hash + Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for WorkQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkQueue")
            .field("state", &*lock(&self.shared.state))
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WorkQueueBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkQueueBuilder")
            .field("default_rate_limiter", &self.rate_limiter.is_none())
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

/// A key a worker holds, from [`WorkQueue::get`]. While it lives no other
/// worker gets the same key; dropping it marks the key done (client-go's
/// `Done`), and a key added meanwhile is queued again then.
///
/// Derefs to the key.
pub struct WorkItem<T: Eq + Hash + Clone> {
    key: T,
    started: Instant,
    shared: Arc<Shared<T>>,
}

impl<T: Eq + Hash + Clone> WorkItem<T> {
    /// The key to process.
    pub fn key(&self) -> &T {
        &self.key
    }

    /// Marks the key done; the same as dropping the item, spelled out.
    pub fn done(self) {}
}

impl<T: Eq + Hash + Clone> Deref for WorkItem<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.key
    }
}

impl<T: Eq + Hash + Clone> Drop for WorkItem<T> {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut changes = Changes::default();
        let idle = lock(&self.shared.state).done(&self.key, now, &mut changes);
        self.shared.announce(&changes);
        if idle {
            self.shared.drained.notify_waiters();
        }
        if let Some(metrics) = &self.shared.metrics {
            metrics.observe_work_duration(now.saturating_duration_since(self.started));
        }
    }
}

impl<T: Eq + Hash + Clone + fmt::Debug> fmt::Debug for WorkItem<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkItem")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}
