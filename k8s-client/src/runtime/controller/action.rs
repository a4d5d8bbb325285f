//! What a reconcile asks for next, in controller-runtime's terms.

use std::time::Duration;

/// What comes after a successful reconcile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action {
    requeue_after: Option<Duration>,
}

impl Action {
    /// Nothing until the object (or something it is watched through) changes.
    pub fn done() -> Self {
        Action {
            requeue_after: None,
        }
    }

    /// Reconcile again after `delay` (controller-runtime's `RequeueAfter`),
    /// even if nothing changes; the key's error backoff starts over.
    pub fn requeue_after(delay: Duration) -> Self {
        Action {
            requeue_after: Some(delay),
        }
    }

    /// The delay asked for, if any.
    pub fn requeue_delay(&self) -> Option<Duration> {
        self.requeue_after
    }
}

/// What the error policy says about a failed reconcile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnError {
    /// Reconcile again after the key's backoff: 5 ms, doubling for each
    /// failure in a row up to 1000 s (client-go's default controller rate
    /// limiter, with its overall 10 per second). The usual answer.
    Backoff,
    /// Reconcile again after exactly this delay.
    RequeueAfter(Duration),
    /// Do not reconcile again until the object changes
    /// (controller-runtime's `TerminalError`).
    Terminal,
}
