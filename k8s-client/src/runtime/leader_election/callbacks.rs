//! What the elector calls when leadership starts, stops and changes hands
//! (client-go's `LeaderCallbacks`).

use std::fmt;
use std::future::Future;

use futures::future::BoxFuture;

use super::Leadership;

type Started = Box<dyn FnMut(Leadership) -> BoxFuture<'static, ()> + Send>;
/// A `new leader` callback, if any.
pub(super) type NewLeader = Option<Box<dyn FnMut(&str) + Send>>;

/// The callbacks of one [`run`](super::LeaderElector::run).
///
/// - `started leading` (required) returns the leading work as a future,
///   which the elector drives while it renews the lease. It receives the
///   term's [`Leadership`]: the work must return soon after
///   [`Leadership::stopped`] completes, and should check
///   [`Leadership::is_leading`] before each step only a leader may take.
/// - `stopped leading` is called once `run` is about to return, whether
///   this candidate led or not (as in client-go), after the leading work
///   has returned or been dropped.
/// - `new leader` is called with the holder's identity each time the
///   elector sees the Lease change hands, itself included (not when the
///   Lease is released and has no holder).
///
/// The synchronous callbacks run on the elector's task and must not block.
///
/// ```
/// use k8s_client::runtime::leader_election::{LeaderCallbacks, Leadership};
///
/// let callbacks = LeaderCallbacks::new(|leadership: Leadership| async move {
///     while leadership.is_leading() {
///         // one unit of leading work…
///         tokio::select! {
///             () = leadership.stopped() => break,
///             () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
///         }
///     }
/// })
/// .on_stopped_leading(|| eprintln!("no longer leading"))
/// .on_new_leader(|identity| eprintln!("{identity} leads"));
/// ```
pub struct LeaderCallbacks {
    pub(super) started: Started,
    pub(super) stopped: Option<Box<dyn FnMut() + Send>>,
    pub(super) new_leader: NewLeader,
}

impl LeaderCallbacks {
    /// Callbacks whose leading work is what `on_started_leading` returns.
    pub fn new<F, Fut>(mut on_started_leading: F) -> Self
    where
        F: FnMut(Leadership) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        LeaderCallbacks {
            started: Box::new(move |leadership| Box::pin(on_started_leading(leadership))),
            stopped: None,
            new_leader: None,
        }
    }

    /// Calls `f` when `run` is about to return.
    pub fn on_stopped_leading(mut self, f: impl FnMut() + Send + 'static) -> Self {
        self.stopped = Some(Box::new(f));
        self
    }

    /// Calls `f` with the new holder's identity when the Lease changes hands.
    pub fn on_new_leader(mut self, f: impl FnMut(&str) + Send + 'static) -> Self {
        self.new_leader = Some(Box::new(f));
        self
    }
}

impl fmt::Debug for LeaderCallbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaderCallbacks")
            .field("on_stopped_leading", &self.stopped.is_some())
            .field("on_new_leader", &self.new_leader.is_some())
            .finish_non_exhaustive()
    }
}
