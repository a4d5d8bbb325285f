//! The elector's loop against a Lease kept in memory, with tokio's paused
//! clock: the timings of acquiring, renewing, losing and releasing are
//! exact here, which they cannot be against a real server (the e2e tests
//! check the same behaviour against one, with tolerances).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::lock::Lock;
use super::record::Record;
use super::*;
use crate::api::coordination::v1::{Lease, LeaseSpec};
use crate::error::ApiError;
use crate::meta::{MicroTime, ObjectMeta, Status};
use crate::{Error, Result};

const SECOND: Duration = Duration::from_secs(1);

/// One Lease, with resourceVersions, as the API server keeps it.
#[derive(Default)]
struct Server {
    state: Mutex<ServerState>,
}

#[derive(Default)]
struct ServerState {
    lease: Option<Lease>,
    version: u64,
    /// Every record written, and when.
    writes: Vec<(Instant, Record)>,
    /// Updates to refuse with a Conflict, whatever their version.
    conflicts: usize,
}

impl Server {
    fn record(&self) -> Record {
        let state = self.state.lock().unwrap();
        Record::from_spec(state.lease.as_ref().and_then(|l| l.spec.as_deref()))
    }

    fn writes(&self) -> Vec<(Instant, Record)> {
        self.state.lock().unwrap().writes.clone()
    }

    fn store(&self, mut lease: Lease) -> Lease {
        let mut state = self.state.lock().unwrap();
        state.version += 1;
        lease.metadata.resource_version = Some(state.version.to_string());
        let record = Record::from_spec(lease.spec.as_deref());
        state.writes.push((Instant::now(), record));
        state.lease = Some(lease.clone());
        lease
    }
}

fn api_error(code: u16, reason: &str) -> Error {
    Error::Api(Box::new(ApiError {
        status: Status {
            code: Some(code),
            reason: Some(reason.to_owned()),
            ..Status::default()
        },
        operation: "lease".to_owned(),
        attempts: 1,
    }))
}

/// One candidate's view of the server; cutting it makes every request hang,
/// as through a network that drops packets.
#[derive(Clone)]
struct MemoryLock {
    server: Arc<Server>,
    cut: Arc<AtomicBool>,
}

impl MemoryLock {
    fn new(server: &Arc<Server>) -> Self {
        MemoryLock {
            server: Arc::clone(server),
            cut: Arc::default(),
        }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }

    async fn reach(&self) {
        if self.cut.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
    }
}

impl Lock for MemoryLock {
    fn get(&self) -> BoxFuture<'_, Result<Option<Lease>>> {
        Box::pin(async move {
            self.reach().await;
            Ok(self.server.state.lock().unwrap().lease.clone())
        })
    }

    fn create(&self, lease: Lease) -> BoxFuture<'_, Result<Lease>> {
        Box::pin(async move {
            self.reach().await;
            if self.server.state.lock().unwrap().lease.is_some() {
                return Err(api_error(409, "AlreadyExists"));
            }
            Ok(self.server.store(lease))
        })
    }

    fn update(&self, lease: Lease) -> BoxFuture<'_, Result<Lease>> {
        Box::pin(async move {
            self.reach().await;
            {
                let mut state = self.server.state.lock().unwrap();
                let current = state
                    .lease
                    .as_ref()
                    .and_then(|l| l.metadata.resource_version.clone());
                if state.conflicts > 0 || current != lease.metadata.resource_version {
                    state.conflicts = state.conflicts.saturating_sub(1);
                    return Err(api_error(409, "Conflict"));
                }
            }
            Ok(self.server.store(lease))
        })
    }
}

fn config(identity: &str) -> LeaderElectionConfig {
    LeaderElectionConfig::new("ns", "lock", identity)
}

fn elector(config: LeaderElectionConfig, lock: &MemoryLock) -> LeaderElector {
    LeaderElector::with_lock(config, Box::new(lock.clone())).unwrap()
}

/// When each term of a candidate started and stopped leading.
#[derive(Clone, Default)]
struct Terms(Arc<Mutex<Vec<Term>>>);

/// When a term started, and when its work saw it stop.
type Term = (Instant, Option<Instant>);

impl Terms {
    /// Leading work that records its term and returns when told to stop.
    fn work(&self) -> LeaderCallbacks {
        let terms = self.clone();
        LeaderCallbacks::new(move |leadership: Leadership| {
            let terms = terms.clone();
            async move {
                let i = {
                    let mut t = terms.0.lock().unwrap();
                    t.push((Instant::now(), None));
                    t.len() - 1
                };
                leadership.stopped().await;
                terms.0.lock().unwrap()[i].1 = Some(Instant::now());
            }
        })
    }

    fn get(&self) -> Vec<Term> {
        self.0.lock().unwrap().clone()
    }

    fn started(&self) -> Option<Instant> {
        self.get().first().map(|t| t.0)
    }

    fn stopped(&self) -> Option<Instant> {
        self.get().first().and_then(|t| t.1)
    }
}

/// Runs `elector` with `callbacks` until the returned sender fires.
fn spawn(
    elector: &LeaderElector,
    callbacks: LeaderCallbacks,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<RunOutcome>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let elector = elector.clone();
    let task = tokio::spawn(async move {
        elector
            .run(callbacks, async move {
                let _ = stopped.await;
            })
            .await
    });
    (stop, task)
}

#[tokio::test(start_paused = true)]
async fn a_lone_candidate_creates_the_lease_and_renews_it_every_retry_period() {
    let server = Arc::new(Server::default());
    let a = elector(config("a"), &MemoryLock::new(&server));
    let terms = Terms::default();
    let start = Instant::now();
    let (stop, task) = spawn(&a, terms.work());
    tokio::time::sleep(5 * SECOND).await;
    assert!(a.is_leader());
    assert_eq!(a.leader().as_deref(), Some("a"));
    assert_eq!(terms.started(), Some(start));
    let record = server.record();
    assert_eq!(record.holder, "a");
    assert_eq!(record.lease_duration_seconds, 15);
    assert_eq!(record.transitions, 0);
    let writes = server.writes();
    let times: Vec<Duration> = writes.iter().map(|(t, _)| *t - start).collect();
    assert_eq!(times, [Duration::ZERO, 2 * SECOND, 4 * SECOND]);
    // Renews keep the acquire time and count no transition.
    assert!(
        writes
            .iter()
            .all(|(_, r)| r.acquire_time == writes[0].1.acquire_time)
    );
    assert!(writes.iter().all(|(_, r)| r.transitions == 0));
    stop.send(()).unwrap();
    assert_eq!(task.await.unwrap(), RunOutcome::Shutdown);
    assert!(!a.is_leader());
    // Without release_on_cancel the lease stays as last renewed.
    assert_eq!(server.record().holder, "a");
}

#[tokio::test(start_paused = true)]
async fn a_cut_off_leader_stops_at_the_renew_deadline_counted_from_its_last_renew() {
    let server = Arc::new(Server::default());
    let lock = MemoryLock::new(&server);
    let a = elector(config("a"), &lock);
    let terms = Terms::default();
    let stopped_called = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stopped_called);
    let callbacks = terms
        .work()
        .on_stopped_leading(move || flag.store(true, Ordering::SeqCst));
    let start = Instant::now();
    let (_stop, task) = spawn(&a, callbacks);
    // Renews at 2 s and 4 s succeed; the one at 6 s hangs.
    tokio::time::sleep(5 * SECOND).await;
    lock.cut();
    assert_eq!(task.await.unwrap(), RunOutcome::Lost);
    // The last renew that succeeded started at 4 s: leading ends at 14 s,
    // not 10 s after the hanging try (16 s).
    assert_eq!(terms.stopped(), Some(start + 14 * SECOND));
    assert!(stopped_called.load(Ordering::SeqCst));
    assert!(!a.is_leader());
    // Others, timing from when they saw the 4 s renew, wait until 19 s.
    assert!(terms.stopped().unwrap() + 5 * SECOND <= start + 19 * SECOND);
}

#[tokio::test(start_paused = true)]
async fn a_leader_refused_by_the_server_keeps_trying_until_the_deadline() {
    let server = Arc::new(Server::default());
    let a = elector(config("a"), &MemoryLock::new(&server));
    let terms = Terms::default();
    let start = Instant::now();
    let (_stop, task) = spawn(&a, terms.work());
    tokio::time::sleep(SECOND).await;
    // Every update from now on is refused.
    server.state.lock().unwrap().conflicts = usize::MAX;
    assert_eq!(task.await.unwrap(), RunOutcome::Lost);
    // Acquired at 0 s, tries every 2 s fail: stops at 10 s.
    assert_eq!(terms.stopped(), Some(start + 10 * SECOND));
}

#[tokio::test(start_paused = true)]
async fn another_candidate_takes_over_only_after_the_lease_expires_by_its_clock() {
    let server = Arc::new(Server::default());
    let lock_a = MemoryLock::new(&server);
    let a = elector(config("a"), &lock_a);
    let b = elector(config("b"), &MemoryLock::new(&server));
    let (terms_a, terms_b) = (Terms::default(), Terms::default());
    let leaders_seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&leaders_seen);
    let (_stop_a, task_a) = spawn(&a, terms_a.work());
    tokio::time::sleep(SECOND / 2).await;
    let (_stop_b, _task_b) = spawn(
        &b,
        terms_b
            .work()
            .on_new_leader(move |id| seen.lock().unwrap().push(id.to_owned())),
    );
    tokio::time::sleep(10 * SECOND).await;
    assert!(
        terms_b.started().is_none(),
        "b must not lead while a renews"
    );
    assert_eq!(b.leader().as_deref(), Some("a"));
    lock_a.cut();
    assert_eq!(task_a.await.unwrap(), RunOutcome::Lost);
    let last_renew = server
        .writes()
        .last()
        .map(|(t, r)| {
            assert_eq!(r.holder, "a");
            *t
        })
        .unwrap();
    while terms_b.started().is_none() {
        tokio::time::sleep(SECOND / 10).await;
    }
    let took_over = terms_b.started().unwrap();
    assert!(terms_a.stopped().unwrap() < took_over);
    // b saw a's last renew at most one of its tries after it was written
    // (2–4.4 s apart), and waited the full 15 s from then.
    assert!(
        took_over >= last_renew + 15 * SECOND,
        "{:?}",
        took_over - last_renew
    );
    assert!(took_over <= last_renew + 15 * SECOND + 9 * SECOND);
    let record = server.record();
    assert_eq!(record.holder, "b");
    assert_eq!(record.transitions, 1);
    assert_eq!(*leaders_seen.lock().unwrap(), ["a", "b"]);
}

#[tokio::test(start_paused = true)]
async fn release_on_cancel_lets_the_other_take_over_at_its_next_try() {
    let server = Arc::new(Server::default());
    let a = elector(
        config("a").release_on_cancel(true),
        &MemoryLock::new(&server),
    );
    let b = elector(config("b"), &MemoryLock::new(&server));
    let (terms_a, terms_b) = (Terms::default(), Terms::default());
    let (stop_a, task_a) = spawn(&a, terms_a.work());
    tokio::time::sleep(SECOND / 2).await;
    let (_stop_b, _task_b) = spawn(&b, terms_b.work());
    tokio::time::sleep(5 * SECOND).await;
    let released_at = Instant::now();
    stop_a.send(()).unwrap();
    assert_eq!(task_a.await.unwrap(), RunOutcome::Shutdown);
    let released = server.record();
    assert_eq!(released.holder, "");
    assert_eq!(released.lease_duration_seconds, 1);
    assert_eq!(released.transitions, 0);
    assert_eq!(a.leader(), None);
    while terms_b.started().is_none() {
        tokio::time::sleep(SECOND / 10).await;
    }
    // One jittered retry at most (2–4.4 s), far under the 15 s lease.
    let waited = terms_b.started().unwrap() - released_at;
    assert!(waited <= Duration::from_millis(4500), "{waited:?}");
    let record = server.record();
    assert_eq!(record.holder, "b");
    assert_eq!(record.lease_duration_seconds, 15);
    assert_eq!(record.transitions, 1);
}

#[tokio::test(start_paused = true)]
async fn a_renew_time_from_the_future_does_not_keep_a_dead_holders_lease() {
    let server = Arc::new(Server::default());
    let year_ahead = MicroTime::now().unix_micros() + 365 * 24 * 3600 * 1_000_000;
    server.store(Lease {
        metadata: ObjectMeta {
            name: Some("lock".to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(Box::new(LeaseSpec {
            holder_identity: Some("ghost".to_owned()),
            lease_duration_seconds: Some(15),
            renew_time: Some(MicroTime::from_unix_micros(year_ahead)),
            lease_transitions: Some(4),
            ..LeaseSpec::default()
        })),
    });
    let b = elector(config("b"), &MemoryLock::new(&server));
    let terms = Terms::default();
    let start = Instant::now();
    let (_stop, _task) = spawn(&b, terms.work());
    while terms.started().is_none() {
        tokio::time::sleep(SECOND / 10).await;
    }
    let waited = terms.started().unwrap() - start;
    // 15 s from first sight, then at most one jittered retry.
    assert!(
        waited > 15 * SECOND && waited <= 15 * SECOND + Duration::from_millis(4400),
        "{waited:?}"
    );
    assert_eq!(server.record().transitions, 5);
}

#[tokio::test(start_paused = true)]
async fn a_conflict_loses_the_round() {
    let server = Arc::new(Server::default());
    server.store(Lease {
        metadata: ObjectMeta {
            name: Some("lock".to_owned()),
            ..ObjectMeta::default()
        },
        spec: Some(Box::new(Record::default().to_spec())),
    });
    server.state.lock().unwrap().conflicts = 1;
    let a = elector(config("a"), &MemoryLock::new(&server));
    let terms = Terms::default();
    let start = Instant::now();
    let (_stop, _task) = spawn(&a, terms.work());
    while terms.started().is_none() {
        tokio::time::sleep(SECOND / 10).await;
    }
    let waited = terms.started().unwrap() - start;
    assert!(
        waited >= 2 * SECOND && waited <= Duration::from_millis(4400),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn work_that_ignores_a_loss_is_dropped_when_the_lease_could_expire() {
    struct Dropped(Arc<Mutex<Option<Instant>>>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = Some(Instant::now());
        }
    }
    let server = Arc::new(Server::default());
    let lock = MemoryLock::new(&server);
    let a = elector(config("a"), &lock);
    let dropped_at = Arc::new(Mutex::new(None));
    let at = Arc::clone(&dropped_at);
    let callbacks = LeaderCallbacks::new(move |_leadership: Leadership| {
        let guard = Dropped(Arc::clone(&at));
        async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }
    });
    let start = Instant::now();
    let (_stop, task) = spawn(&a, callbacks);
    tokio::time::sleep(3 * SECOND).await;
    lock.cut();
    assert_eq!(task.await.unwrap(), RunOutcome::Lost);
    // Last renew started at 2 s: told to stop at 12 s, dropped at 17 s.
    assert_eq!(*dropped_at.lock().unwrap(), Some(start + 17 * SECOND));
}

#[tokio::test(start_paused = true)]
async fn on_shutdown_the_leader_renews_until_its_work_returns_then_releases() {
    let server = Arc::new(Server::default());
    let a = elector(
        config("a").release_on_cancel(true),
        &MemoryLock::new(&server),
    );
    let winding_down = Duration::from_secs(12);
    let callbacks = LeaderCallbacks::new(move |leadership: Leadership| async move {
        leadership.stopped().await;
        // Longer than the renew deadline: still safe, since renews go on.
        tokio::time::sleep(winding_down).await;
    });
    let start = Instant::now();
    let (stop, task) = spawn(&a, callbacks);
    tokio::time::sleep(3 * SECOND).await;
    stop.send(()).unwrap();
    assert_eq!(task.await.unwrap(), RunOutcome::Shutdown);
    assert_eq!(Instant::now(), start + 15 * SECOND);
    let writes = server.writes();
    let (last, released) = writes.last().unwrap();
    assert_eq!(*last, start + 15 * SECOND);
    assert_eq!(released.holder, "");
    // Renews at 2, 4, …, 14 s kept the lease while the work wound down.
    assert_eq!(writes.len(), 1 + 7 + 1);
}

#[tokio::test(start_paused = true)]
async fn work_that_returns_ends_the_term() {
    let server = Arc::new(Server::default());
    let a = elector(
        config("a").release_on_cancel(true),
        &MemoryLock::new(&server),
    );
    let outcome = a
        .run_while_leading(
            |leadership: Leadership| async move {
                assert!(leadership.is_leading());
                tokio::time::sleep(3 * SECOND).await;
            },
            std::future::pending(),
        )
        .await;
    assert_eq!(outcome, RunOutcome::Finished);
    assert_eq!(server.record().holder, "");
}

#[test]
fn an_invalid_config_is_refused_with_its_field() {
    let server = Arc::new(Server::default());
    let bad = config("a").retry_period(Duration::from_secs(9));
    let err = LeaderElector::with_lock(bad, Box::new(MemoryLock::new(&server))).unwrap_err();
    assert_eq!(err.field(), "renew_deadline");
}
