//! Hooks for a queue's metrics, named after client-go's `workqueue_*` series.

use std::sync::Arc;
use std::time::Duration;

/// Receives a [`WorkQueue`](super::WorkQueue)'s measurements; every method
/// does nothing unless implemented. Wire them to the metrics library of your
/// choice, one series per queue, as client-go names them:
///
/// | method | client-go series |
/// | --- | --- |
/// | [`inc_depth`](Self::inc_depth), [`dec_depth`](Self::dec_depth) | `workqueue_depth` (gauge) |
/// | [`inc_adds`](Self::inc_adds) | `workqueue_adds_total` |
/// | [`observe_queue_latency`](Self::observe_queue_latency) | `workqueue_queue_duration_seconds` |
/// | [`observe_work_duration`](Self::observe_work_duration) | `workqueue_work_duration_seconds` |
/// | [`inc_retries`](Self::inc_retries) | `workqueue_retries_total` |
///
/// The depth counts dirty keys, as client-go's does: queued ones, and those
/// added again while a worker holds them. Hooks run after the queue's lock is
/// released, so they may call back into the queue; they run in
/// [`WorkItem`](super::WorkItem)'s drop too, also while a worker unwinds from a
/// panic, so they must not panic.
pub trait WorkQueueMetrics: Send + Sync {
    /// A key became dirty: the depth grows by one.
    fn inc_depth(&self) {}
    /// A worker took a key: the depth shrinks by one.
    fn dec_depth(&self) {}
    /// A key became dirty (added while already dirty does not count).
    fn inc_adds(&self) {}
    /// How long a key was dirty before a worker took it.
    fn observe_queue_latency(&self, _waited: Duration) {}
    /// How long a worker held a key.
    fn observe_work_duration(&self, _worked: Duration) {}
    /// A delayed or rate-limited add (`add_after`, `add_rate_limited`) was taken.
    fn inc_retries(&self) {}
}

impl<M: WorkQueueMetrics + ?Sized> WorkQueueMetrics for Arc<M> {
    fn inc_depth(&self) {
        (**self).inc_depth()
    }
    fn dec_depth(&self) {
        (**self).dec_depth()
    }
    fn inc_adds(&self) {
        (**self).inc_adds()
    }
    fn observe_queue_latency(&self, waited: Duration) {
        (**self).observe_queue_latency(waited)
    }
    fn observe_work_duration(&self, worked: Duration) {
        (**self).observe_work_duration(worked)
    }
    fn inc_retries(&self) {
        (**self).inc_retries()
    }
}
