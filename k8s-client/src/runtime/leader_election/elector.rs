//! The elector: campaigns for the Lease, renews it while leading, and gives
//! it up, by client-go's `tryAcquireOrRenew` rules.

use std::fmt;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, PoisonError};

use futures::FutureExt;
use futures::future::{BoxFuture, FusedFuture};
use tokio::sync::watch;
use tokio::time::Instant;

use super::callbacks::{LeaderCallbacks, NewLeader};
use super::config::{JITTER_FACTOR, LeaderElectionConfig, LeaderElectionConfigError};
use super::leadership::Leadership;
use super::lock::{LeaseLock, Lock, new_lease, with_spec};
use super::observation::Observation;
use super::record::Record;
use crate::Client;
use crate::api::coordination::v1::Lease;
use crate::meta::MicroTime;
use crate::runtime::random::Random;

/// One candidate for one Lease; see the [module documentation](super).
///
/// Clones share the candidate: [`is_leader`](Self::is_leader) and
/// [`leader`](Self::leader) on one clone see what [`run`](Self::run) on
/// another does. One `run` at a time: a second waits for the first to return.
#[derive(Clone)]
pub struct LeaderElector {
    inner: Arc<Inner>,
}

struct Inner {
    config: LeaderElectionConfig,
    lock: Box<dyn Lock>,
    /// What the tries remember; held for the whole of a `run`.
    campaign: tokio::sync::Mutex<Campaign>,
    /// The holder last seen.
    leader: watch::Sender<Option<String>>,
    /// The term being led, if any.
    term: Mutex<Option<Leadership>>,
}

/// What a campaign remembers between tries.
#[derive(Default)]
struct Campaign {
    observed: Observation,
    /// The Lease as last read or written, for the next optimistic update.
    lease: Option<Lease>,
}

impl Campaign {
    fn wrote(&mut self, lease: Lease, record: Record) {
        self.lease = Some(lease);
        self.observed.wrote(record, Instant::now());
    }
}

/// How one try to acquire or renew went.
#[derive(Debug, PartialEq, Eq)]
enum Attempt {
    /// This candidate holds the lease now.
    Held,
    /// Another holds it, and its lease has not expired by our clock.
    HeldByOther,
    /// The server could not be reached, refused, or another candidate
    /// wrote first (a conflict): no decision this round.
    Failed,
}

/// Why [`LeaderElector::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunOutcome {
    /// The shutdown future completed, before or while leading.
    Shutdown,
    /// Leading ended without a shutdown: the lease could not be renewed
    /// within the renew deadline, or another candidate took it.
    Lost,
    /// The leading work returned by itself.
    Finished,
}

impl LeaderElector {
    /// A candidate for the Lease `config` names, after checking the config
    /// ([`Error::LeaderElectionConfig`](crate::Error::LeaderElectionConfig)
    /// names the bad field). Nothing is sent before [`run`](Self::run).
    pub fn new(client: Client, config: LeaderElectionConfig) -> crate::Result<Self> {
        let lock = LeaseLock::new(client, &config.lease_namespace, &config.lease_name);
        Ok(Self::with_lock(config, Box::new(lock))?)
    }

    pub(super) fn with_lock(
        config: LeaderElectionConfig,
        lock: Box<dyn Lock>,
    ) -> Result<Self, LeaderElectionConfigError> {
        config.validate()?;
        Ok(LeaderElector {
            inner: Arc::new(Inner {
                config,
                lock,
                campaign: tokio::sync::Mutex::default(),
                leader: watch::channel(None).0,
                term: Mutex::new(None),
            }),
        })
    }

    /// The config this candidate campaigns with.
    pub fn config(&self) -> &LeaderElectionConfig {
        &self.inner.config
    }

    /// Whether this candidate leads now: a term is running, not stopped,
    /// and its renew deadline has not passed.
    pub fn is_leader(&self) -> bool {
        self.term().is_some_and(|term| term.is_leading())
    }

    /// The holder this candidate saw last (itself included), or `None` if
    /// it has seen the Lease held by nobody, or not read it yet.
    pub fn leader(&self) -> Option<String> {
        self.inner.leader.borrow().clone()
    }

    /// Each change of [`leader`](Self::leader), as a watch channel.
    pub fn leader_changes(&self) -> watch::Receiver<Option<String>> {
        self.inner.leader.subscribe()
    }

    /// Runs one campaign until `shutdown` completes or one term of
    /// leadership ends:
    ///
    /// 1. tries to acquire the Lease at once, then every `retry_period`
    ///    plus up to 1.2 × as much at random, creating it if absent;
    /// 2. once acquired, drives the work `callbacks` start, and renews the
    ///    lease every `retry_period` meanwhile;
    /// 3. leading ends when the work returns, when `shutdown` completes,
    ///    when another candidate is seen to hold the Lease, or when the
    ///    renew deadline passes without a successful renew (counted from
    ///    the start of the last one that succeeded, so the work is told to
    ///    stop before any other candidate could judge the lease expired);
    /// 4. on shutdown the lease is still renewed until the work returns; on
    ///    a loss the work may finish until the lease could first expire for
    ///    others, and is dropped then;
    /// 5. with `release_on_cancel`, a lease still held is released (on
    ///    shutdown, or when the work returned by itself);
    /// 6. `on_stopped_leading` is called, and the outcome returned.
    ///
    /// Call `run` again to campaign again after a [`RunOutcome::Lost`].
    /// Failed tries are logged with `tracing` and retried, never returned.
    pub async fn run(
        &self,
        mut callbacks: LeaderCallbacks,
        shutdown: impl Future<Output = ()> + Send,
    ) -> RunOutcome {
        let mut campaign = self.inner.campaign.lock().await;
        let outcome = self.campaign(&mut campaign, &mut callbacks, shutdown).await;
        if let Some(stopped) = callbacks.stopped.as_mut() {
            stopped();
        }
        outcome
    }

    /// [`run`](Self::run) with only a started-leading callback: leads with
    /// the work `work` returns for each term.
    ///
    /// ```no_run
    /// # async fn f(elector: k8s_client::runtime::leader_election::LeaderElector) {
    /// use k8s_client::runtime::leader_election::Leadership;
    ///
    /// let shutdown = async { let _ = tokio::signal::ctrl_c().await; };
    /// elector
    ///     .run_while_leading(
    ///         |leadership: Leadership| async move {
    ///             leadership.stopped().await;
    ///         },
    ///         shutdown,
    ///     )
    ///     .await;
    /// # }
    /// ```
    pub async fn run_while_leading<F, Fut>(
        &self,
        work: F,
        shutdown: impl Future<Output = ()> + Send,
    ) -> RunOutcome
    where
        F: FnMut(Leadership) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.run(LeaderCallbacks::new(work), shutdown).await
    }

    async fn campaign(
        &self,
        campaign: &mut Campaign,
        callbacks: &mut LeaderCallbacks,
        shutdown: impl Future<Output = ()> + Send,
    ) -> RunOutcome {
        let config = &self.inner.config;
        let mut shutdown = pin!(shutdown.fuse());
        tracing::info!(lease = %config.describe(), identity = %config.identity, "trying to acquire the leader lease");
        let acquired = tokio::select! {
            acquired = self.acquire(campaign, &mut callbacks.new_leader) => acquired,
            () = &mut shutdown => return RunOutcome::Shutdown,
        };
        tracing::info!(lease = %config.describe(), identity = %config.identity, "acquired the leader lease");
        let leadership = Leadership::new(acquired, config.renew_deadline, config.lease_duration);
        self.set_term(Some(leadership.clone()));
        let work = (callbacks.started)(leadership.clone());
        let outcome = self
            .lead(
                campaign,
                &mut callbacks.new_leader,
                &leadership,
                work,
                shutdown,
            )
            .await;
        leadership.stop();
        self.set_term(None);
        tracing::info!(lease = %config.describe(), identity = %config.identity, ?outcome, "stopped leading");
        outcome
    }

    /// Tries until the lease is held; returns when the successful try started.
    async fn acquire(&self, campaign: &mut Campaign, new_leader: &mut NewLeader) -> Instant {
        let config = &self.inner.config;
        let mut random = Random::new();
        loop {
            let started = Instant::now();
            let attempt = tokio::time::timeout(
                config.renew_deadline,
                self.try_acquire_or_renew(campaign, new_leader),
            )
            .await;
            if attempt == Ok(Attempt::Held) {
                return started;
            }
            // client-go's JitterUntil(RetryPeriod, 1.2, sliding).
            let jitter = config.retry_period.mul_f64(JITTER_FACTOR * random.unit());
            tokio::time::sleep(config.retry_period + jitter).await;
        }
    }

    /// Leads one term: the work runs while the lease is renewed.
    async fn lead<S: Future<Output = ()>>(
        &self,
        campaign: &mut Campaign,
        new_leader: &mut NewLeader,
        leadership: &Leadership,
        work: BoxFuture<'static, ()>,
        mut shutdown: Pin<&mut S>,
    ) -> RunOutcome {
        let mut work = work.fuse();
        let (outcome, lost) = {
            let mut renewer = pin!(self.keep_renewing(campaign, new_leader, leadership));
            let outcome = tokio::select! {
                // Work that returned because the deadline passed (its token
                // saw it first) ended with a loss.
                () = &mut work => if Instant::now() >= leadership.deadline() {
                    RunOutcome::Lost
                } else {
                    RunOutcome::Finished
                },
                () = &mut renewer => RunOutcome::Lost,
                () = &mut shutdown => RunOutcome::Shutdown,
            };
            leadership.stop();
            let mut lost = outcome == RunOutcome::Lost;
            if outcome == RunOutcome::Shutdown {
                // Still the leader while the work winds down: keep renewing.
                tokio::select! {
                    () = &mut work => {}
                    () = &mut renewer => lost = true,
                }
            }
            (outcome, lost)
        };
        if lost && !work.is_terminated() {
            // No renew any more: the work may finish only while no other
            // candidate can have taken the lease.
            let bound = leadership.expiry_for_others();
            if tokio::time::timeout_at(bound, &mut work).await.is_err() {
                tracing::warn!(
                    lease = %self.inner.config.describe(),
                    "the leading work did not return before the lease could expire; dropped it"
                );
            }
        }
        if !lost && self.inner.config.release_on_cancel {
            self.release(campaign, new_leader).await;
        }
        outcome
    }

    /// Renews every `retry_period`; returns once leading must end: the
    /// renew deadline passed, or another candidate holds the lease.
    async fn keep_renewing(
        &self,
        campaign: &mut Campaign,
        new_leader: &mut NewLeader,
        leadership: &Leadership,
    ) {
        let config = &self.inner.config;
        let lease = config.describe();
        loop {
            let next = (Instant::now() + config.retry_period).min(leadership.deadline());
            tokio::time::sleep_until(next).await;
            // client-go's PollImmediateUntil(RetryPeriod, RenewDeadline),
            // its deadline counted from the last renew's start.
            loop {
                let deadline = leadership.deadline();
                if Instant::now() >= deadline {
                    tracing::warn!(%lease, "could not renew the leader lease within the renew deadline");
                    return;
                }
                let started = Instant::now();
                let attempt = tokio::time::timeout_at(
                    deadline,
                    self.try_acquire_or_renew(campaign, new_leader),
                )
                .await;
                match attempt {
                    Ok(Attempt::Held) => {
                        leadership.renewed_at(started);
                        break;
                    }
                    Ok(Attempt::HeldByOther) => {
                        tracing::warn!(%lease, holder = ?self.leader(), "another candidate holds the leader lease");
                        return;
                    }
                    Ok(Attempt::Failed) | Err(_) => {}
                }
                let next = (Instant::now() + config.retry_period).min(deadline);
                tokio::time::sleep_until(next).await;
            }
        }
    }

    /// One try, then a report of a new holder if there is one.
    async fn try_acquire_or_renew(
        &self,
        campaign: &mut Campaign,
        new_leader: &mut NewLeader,
    ) -> Attempt {
        let attempt = self.try_once(campaign).await;
        self.report_leader(campaign, new_leader);
        attempt
    }

    /// client-go's `tryAcquireOrRenew`.
    async fn try_once(&self, campaign: &mut Campaign) -> Attempt {
        let config = &self.inner.config;
        let lock = &self.inner.lock;
        let identity = config.identity.as_str();
        let lease_name = config.describe();
        let now = Instant::now();
        let wall = MicroTime::now();
        let seconds = config.lease_duration_seconds();

        // 1. The holder of a lease still valid by our clock: update the
        //    Lease we know, on its resourceVersion, without reading it.
        if campaign.observed.holder() == identity
            && campaign.observed.is_valid(now)
            && let (Some(lease), Some(old)) = (&campaign.lease, campaign.observed.record())
        {
            let record = Record::claim(identity, seconds, wall, Some(old));
            match lock.update(with_spec(lease, record.to_spec())).await {
                Ok(updated) => {
                    campaign.wrote(updated, record);
                    return Attempt::Held;
                }
                Err(error) => {
                    tracing::debug!(lease = %lease_name, %error, "optimistic renew failed; reading the lease");
                }
            }
        }

        // 2. Read the Lease; create it if there is none.
        let lease = match lock.get().await {
            Ok(Some(lease)) => lease,
            Ok(None) => {
                let record = Record::claim(identity, seconds, wall, None);
                let lease = new_lease(&config.lease_name, record.to_spec());
                return match lock.create(lease).await {
                    Ok(created) => {
                        campaign.wrote(created, record);
                        Attempt::Held
                    }
                    Err(error) => {
                        log_failure(&lease_name, "create", &error);
                        Attempt::Failed
                    }
                };
            }
            Err(error) => {
                log_failure(&lease_name, "get", &error);
                return Attempt::Failed;
            }
        };

        // 3. A changed record is timed from now, by our clock.
        let old = Record::from_spec(lease.spec.as_deref());
        campaign.observed.saw(old.clone(), Instant::now());
        campaign.lease = Some(lease.clone());

        // 4. Another holder's lease that has not expired is theirs.
        if !old.holder.is_empty() && old.holder != identity && campaign.observed.is_valid(now) {
            tracing::debug!(lease = %lease_name, holder = %old.holder, "the leader lease is held by another and has not expired");
            return Attempt::HeldByOther;
        }

        // 5. Take or renew it, on the resourceVersion just read.
        let record = Record::claim(identity, seconds, wall, Some(&old));
        match lock.update(with_spec(&lease, record.to_spec())).await {
            Ok(updated) => {
                campaign.wrote(updated, record);
                Attempt::Held
            }
            Err(error) => {
                log_failure(&lease_name, "update", &error);
                Attempt::Failed
            }
        }
    }

    /// Gives the lease up if this candidate still holds it (client-go's
    /// `release`): no holder, a duration of one second. Bounded by the
    /// renew deadline; a conflict reads the Lease again.
    async fn release(&self, campaign: &mut Campaign, new_leader: &mut NewLeader) {
        let config = &self.inner.config;
        let lease_name = config.describe();
        let released = tokio::time::timeout(config.renew_deadline, async {
            loop {
                let lease = match self.inner.lock.get().await {
                    Ok(Some(lease)) => lease,
                    Ok(None) => return,
                    Err(error) => {
                        log_failure(&lease_name, "get", &error);
                        return;
                    }
                };
                let old = Record::from_spec(lease.spec.as_deref());
                campaign.observed.saw(old.clone(), Instant::now());
                if old.holder != config.identity {
                    // Taken by another meanwhile: not ours to release.
                    return;
                }
                let record = Record::released(&old, MicroTime::now());
                match self
                    .inner
                    .lock
                    .update(with_spec(&lease, record.to_spec()))
                    .await
                {
                    Ok(updated) => {
                        campaign.wrote(updated, record);
                        tracing::info!(lease = %lease_name, "released the leader lease");
                        return;
                    }
                    Err(error) if error.is_conflict() => continue,
                    Err(error) => {
                        log_failure(&lease_name, "release", &error);
                        return;
                    }
                }
            }
        })
        .await;
        if released.is_err() {
            tracing::warn!(lease = %lease_name, "could not release the leader lease within the renew deadline");
        }
        self.report_leader(campaign, new_leader);
    }

    /// client-go's `maybeReportTransition`: tells of a holder not seen before.
    fn report_leader(&self, campaign: &Campaign, new_leader: &mut NewLeader) {
        let holder = campaign.observed.holder();
        let seen = (!holder.is_empty()).then(|| holder.to_owned());
        let changed = self.inner.leader.send_if_modified(|current| {
            if *current == seen {
                return false;
            }
            current.clone_from(&seen);
            true
        });
        if changed && let (Some(holder), Some(callback)) = (&seen, new_leader.as_mut()) {
            callback(holder);
        }
    }

    fn term(&self) -> Option<Leadership> {
        self.inner
            .term
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_term(&self, term: Option<Leadership>) {
        *self
            .inner
            .term
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = term;
    }
}

/// Logs a failed request: a conflict is a lost race, anything else a problem.
fn log_failure(lease: &str, what: &str, error: &crate::Error) {
    if error.is_conflict() || error.is_already_exists() {
        tracing::debug!(%lease, %error, "another candidate wrote the leader lease first ({what})");
    } else {
        tracing::warn!(%lease, %error, "leader election: {what} of the lease failed");
    }
}

impl fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaderElector")
            .field("config", &self.inner.config)
            .field("leader", &self.leader())
            .field("is_leader", &self.is_leader())
            .finish()
    }
}
