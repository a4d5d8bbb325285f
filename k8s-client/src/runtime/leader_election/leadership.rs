//! The token a leader's work holds: it says whether leading may go on, and
//! wakes the work when it may not.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// One term of leadership, handed to the leading work.
///
/// Leading ends when the elector stops it (shutdown, the lease lost, or
/// held by another) and, at the latest, at the renew deadline: the start of
/// the last successful renew plus `renew_deadline`. The token judges the
/// deadline by itself with the local monotonic clock, so a process that was
/// frozen past it (SIGSTOP, a long pause) sees
/// [`is_leading`](Self::is_leading) false on waking, before the elector's
/// own task has run again.
///
/// Clones share one term.
#[derive(Clone, Debug)]
pub struct Leadership {
    term: Arc<Term>,
}

#[derive(Debug)]
struct Term {
    stopped: watch::Sender<bool>,
    /// When the last successful acquire or renew was started.
    renewed: Mutex<Instant>,
    renew_deadline: Duration,
    lease_duration: Duration,
}

impl Leadership {
    /// A term whose lease was acquired by a try started at `acquired`.
    pub(super) fn new(
        acquired: Instant,
        renew_deadline: Duration,
        lease_duration: Duration,
    ) -> Self {
        let (stopped, _) = watch::channel(false);
        Leadership {
            term: Arc::new(Term {
                stopped,
                renewed: Mutex::new(acquired),
                renew_deadline,
                lease_duration,
            }),
        }
    }

    /// Whether the work may still act as the leader: the term has not been
    /// stopped and its renew deadline has not passed. Check it before each
    /// step that only the leader may take.
    pub fn is_leading(&self) -> bool {
        !*self.term.stopped.borrow() && Instant::now() < self.deadline()
    }

    /// Completes once leading ends (see [`is_leading`](Self::is_leading));
    /// the work should then finish what it is doing and return.
    pub async fn stopped(&self) {
        let mut stopped = self.term.stopped.subscribe();
        loop {
            let deadline = self.deadline();
            if *stopped.borrow_and_update() || Instant::now() >= deadline {
                return;
            }
            tokio::select! {
                // The sender lives in `self`, so this only reports changes.
                _ = stopped.changed() => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }

    /// When leading ends unless the lease is renewed before: the start of
    /// the last successful renew plus the renew deadline.
    pub fn deadline(&self) -> Instant {
        self.renewed() + self.term.renew_deadline
    }

    /// The earliest moment another candidate, with a clock running at the
    /// rate of ours, could judge the lease expired: the start of the last
    /// successful renew plus the lease duration. Others time the lease from
    /// when they saw the renew, which cannot precede its start.
    pub(super) fn expiry_for_others(&self) -> Instant {
        self.renewed() + self.term.lease_duration
    }

    /// A renew started at `started` succeeded.
    pub(super) fn renewed_at(&self, started: Instant) {
        let mut renewed = self
            .term
            .renewed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *renewed = (*renewed).max(started);
    }

    /// Ends the term.
    pub(super) fn stop(&self) {
        self.term.stopped.send_replace(true);
    }

    fn renewed(&self) -> Instant {
        *self
            .term
            .renewed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEADLINE: Duration = Duration::from_secs(10);
    const LEASE: Duration = Duration::from_secs(15);

    #[tokio::test(start_paused = true)]
    async fn leading_ends_at_the_deadline_counted_from_the_last_renew() {
        let start = Instant::now();
        let term = Leadership::new(start, DEADLINE, LEASE);
        assert!(term.is_leading());
        tokio::time::sleep(Duration::from_secs(4)).await;
        term.renewed_at(start + Duration::from_secs(3));
        assert_eq!(term.deadline(), start + Duration::from_secs(13));
        assert_eq!(term.expiry_for_others(), start + Duration::from_secs(18));
        let watcher = term.clone();
        let stopped = tokio::spawn(async move {
            watcher.stopped().await;
            Instant::now()
        });
        tokio::time::sleep(Duration::from_secs(8)).await;
        // Now at 12 s: the deadline (13 s) has not passed.
        assert!(term.is_leading());
        assert_eq!(stopped.await.unwrap(), start + Duration::from_secs(13));
        assert!(!term.is_leading());
    }

    #[tokio::test(start_paused = true)]
    async fn a_renew_older_than_the_last_does_not_move_the_deadline_back() {
        let start = Instant::now();
        let term = Leadership::new(start + Duration::from_secs(2), DEADLINE, LEASE);
        term.renewed_at(start);
        assert_eq!(term.deadline(), start + Duration::from_secs(12));
    }

    #[tokio::test(start_paused = true)]
    async fn stop_wakes_the_work_at_once() {
        let term = Leadership::new(Instant::now(), DEADLINE, LEASE);
        let watcher = term.clone();
        let stopped = tokio::spawn(async move { watcher.stopped().await });
        tokio::task::yield_now().await;
        term.stop();
        let start = Instant::now();
        stopped.await.unwrap();
        assert_eq!(Instant::now(), start);
        assert!(!term.is_leading());
    }

    #[tokio::test(start_paused = true)]
    async fn a_term_past_its_deadline_is_not_leading_without_the_elector() {
        // As after SIGSTOP: nobody stopped the term, the clock moved past it.
        let term = Leadership::new(Instant::now(), DEADLINE, LEASE);
        tokio::time::advance(DEADLINE).await;
        assert!(!term.is_leading());
    }
}
