//! Controllers: informers feed a work queue, workers reconcile its keys
//! (controller-runtime's shape, with client-go's queue).
//!
//! A [`Controller`] watches a primary resource through a shared informer,
//! and, optionally, the objects it [`owns`](Controller::owns) (children
//! whose controller ownerReference points at a primary object) and others it
//! [`watches`](Controller::watches) through a mapping function. Every change
//! queues the affected primary object's [`ObjectRef`]; up to
//! `max_concurrent_reconciles` workers take keys and call the reconcile
//! function with the cached object. The queue guarantees that one key is
//! never reconciled twice at once.
//!
//! - A reconcile returns an [`Action`]: done, or requeue after a delay.
//! - A failed one is judged by the error policy ([`OnError`]): requeue with
//!   the key's growing backoff (the default), after a delay, or never.
//! - A panic in reconcile is caught, logged and requeued with backoff.
//! - Nothing is reconciled before every informer's cache has synced (two
//!   minutes at most, by default).
//! - On shutdown (SIGTERM or SIGINT with [`shutdown_on_signal`](Controller::shutdown_on_signal),
//!   or any future), no new keys are taken; reconciles in flight may finish
//!   within the graceful shutdown timeout.
//! - With [`leader_election`](Controller::leader_election), the informers
//!   run (and the queue fills) in every replica, but only the leader
//!   reconciles. When leadership ends, workers take no new keys, and
//!   reconciles in flight may finish within the graceful shutdown timeout,
//!   and never past the moment the lease could expire for others; then the
//!   replica campaigns again. Each new term reconciles every cached object.
//!
//! ```no_run
//! # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use k8s_client::api::apps::v1::{Deployment, ReplicaSet};
//! use k8s_client::runtime::InformerFactory;
//! use k8s_client::runtime::controller::{Action, Controller, OnError, predicate};
//!
//! let factory = InformerFactory::new(client.clone());
//! Controller::new(factory.informer::<Deployment>())
//!     .owns(factory.informer::<ReplicaSet>())
//!     .with_predicate(predicate::generation_changed)
//!     .shutdown_on_signal()
//!     .run(
//!         |deployment: Arc<Deployment>, _ctx: Arc<()>| async move {
//!             println!("reconciling {:?}", deployment.metadata.name);
//!             Ok::<_, k8s_client::Error>(Action::requeue_after(Duration::from_secs(300)))
//!         },
//!         |_deployment, _error, _ctx| OnError::Backoff,
//!         Arc::new(()),
//!     )
//!     .await
//! # }
//! ```

mod action;
mod object_ref;
pub mod predicate;
mod workers;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

pub use action::{Action, OnError};
pub use object_ref::ObjectRef;
pub use predicate::Predicate;

use super::informer::{Notification, SharedInformer, Subscription};
use super::leader_election::{LeaderCallbacks, LeaderElector, Leadership, RunOutcome};
use super::store::Store;
use super::workqueue::WorkQueue;
use crate::meta::OwnerReference;
use crate::{Error, HasMetadata, Resource, Result};

/// controller-runtime's `CacheSyncTimeout`.
pub const DEFAULT_CACHE_SYNC_TIMEOUT: Duration = Duration::from_secs(120);
/// controller-runtime's graceful shutdown timeout.
pub const DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

/// How a controller runs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ControllerConfig {
    /// Workers reconciling at once (controller-runtime's
    /// `MaxConcurrentReconciles`, 1 by default); one key is never
    /// reconciled by two at once.
    pub max_concurrent_reconciles: usize,
    /// How long to wait for the caches before giving up.
    pub cache_sync_timeout: Duration,
    /// How long reconciles in flight may take to finish on shutdown.
    pub graceful_shutdown_timeout: Duration,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerConfig {
            max_concurrent_reconciles: 1,
            cache_sync_timeout: DEFAULT_CACHE_SYNC_TIMEOUT,
            graceful_shutdown_timeout: DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT,
        }
    }
}

/// Turns one source's changes into keys for the queue.
type Pump = Box<dyn FnOnce(WorkQueue<ObjectRef>) -> BoxFuture<'static, ()> + Send>;
/// Waits for one source's cache.
type WaitForSync = Box<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// A controller of `K`; see the [module docs](self).
pub struct Controller<K> {
    primary: SharedInformer<K>,
    predicates: Vec<Predicate<K>>,
    pumps: Vec<Pump>,
    syncs: Vec<WaitForSync>,
    starts: Vec<Box<dyn Fn() -> Result<()> + Send + Sync>>,
    config: ControllerConfig,
    shutdown: Option<BoxFuture<'static, ()>>,
    elector: Option<LeaderElector>,
}

impl<K> Controller<K>
where
    K: DeserializeOwned + HasMetadata + Send + Sync + 'static,
{
    /// A controller of the objects `primary` informs about.
    pub fn new(primary: SharedInformer<K>) -> Self {
        let mut controller = Controller {
            primary: primary.clone(),
            predicates: Vec::new(),
            pumps: Vec::new(),
            syncs: Vec::new(),
            starts: Vec::new(),
            config: ControllerConfig::default(),
            shutdown: None,
            elector: None,
        };
        controller.track(&primary);
        controller
    }

    /// Remembers that `informer` must be started and synced before reconciling.
    fn track<O: DeserializeOwned + HasMetadata + Send + Sync + 'static>(
        &mut self,
        informer: &SharedInformer<O>,
    ) {
        let i = informer.clone();
        self.starts.push(Box::new(move || i.start()));
        let i = informer.clone();
        self.syncs.push(Box::new(move || {
            let i = i.clone();
            Box::pin(async move { i.wait_for_sync().await })
        }));
    }

    /// Reconciles the owner of each changed child: children are the objects
    /// of `children` whose *controller* ownerReference names a `K`
    /// (controller-runtime's `Owns`, with `OnlyControllerOwner`). An update
    /// that moves a child to another owner queues both.
    pub fn owns<C>(mut self, children: SharedInformer<C>) -> Self
    where
        K: Resource,
        C: DeserializeOwned + HasMetadata + Send + Sync + 'static,
    {
        self.track(&children);
        let mapper = |child: &C| controller_owner::<K>(child).into_iter().collect();
        self.pumps
            .push(pump(children.subscribe(), mapper, Vec::new()));
        self
    }

    /// Reconciles whatever `mapper` says each changed object of `other`
    /// relates to (controller-runtime's `Watches` with an `EnqueueRequestsFromMapFunc`).
    pub fn watches<O, F>(mut self, other: SharedInformer<O>, mapper: F) -> Self
    where
        O: DeserializeOwned + HasMetadata + Send + Sync + 'static,
        F: Fn(&O) -> Vec<ObjectRef> + Send + Sync + 'static,
    {
        self.track(&other);
        self.pumps.push(pump(other.subscribe(), mapper, Vec::new()));
        self
    }

    /// Only updates of the primary object for which `predicate(old, new)`
    /// holds are reconciled (all predicates must hold). Creations always
    /// are, and so are updates that start the object's deletion.
    pub fn with_predicate(
        mut self,
        predicate: impl Fn(&K, &K) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.predicates.push(Arc::new(predicate));
        self
    }

    /// How the controller runs.
    pub fn with_config(mut self, config: ControllerConfig) -> Self {
        self.config = config;
        self
    }

    /// Workers reconciling at once.
    pub fn max_concurrent_reconciles(mut self, workers: usize) -> Self {
        self.config.max_concurrent_reconciles = workers.max(1);
        self
    }

    /// Shuts down gracefully when `signal` completes.
    pub fn graceful_shutdown_on(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// Reconciles only while `elector` leads (see the [module docs](self)).
    /// Give each replica its own identity and the same Lease.
    ///
    /// ```no_run
    /// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
    /// use std::sync::Arc;
    /// use k8s_client::api::core::v1::ConfigMap;
    /// use k8s_client::runtime::InformerFactory;
    /// use k8s_client::runtime::controller::{Action, Controller, OnError};
    /// use k8s_client::runtime::leader_election::{LeaderElectionConfig, LeaderElector};
    ///
    /// let identity = std::env::var("POD_NAME").unwrap_or_else(|_| "dev".to_owned());
    /// let lease = LeaderElectionConfig::new("shop", "configmap-controller", identity)
    ///     .release_on_cancel(true);
    /// let factory = InformerFactory::new(client.clone()).namespace("shop");
    /// Controller::new(factory.informer::<ConfigMap>())
    ///     .leader_election(LeaderElector::new(client, lease)?)
    ///     .shutdown_on_signal()
    ///     .run(
    ///         |_cm: Arc<ConfigMap>, _ctx: Arc<()>| async { Ok::<_, k8s_client::Error>(Action::done()) },
    ///         |_cm, _error, _ctx| OnError::Backoff,
    ///         Arc::new(()),
    ///     )
    ///     .await
    /// # }
    /// ```
    pub fn leader_election(mut self, elector: LeaderElector) -> Self {
        self.elector = Some(elector);
        self
    }

    /// Shuts down gracefully on SIGTERM or SIGINT (Ctrl-C).
    pub fn shutdown_on_signal(self) -> Self {
        self.graceful_shutdown_on(termination_signal())
    }

    /// Starts the informers, waits for their caches, and reconciles until
    /// shut down. Returns an error only if the caches do not sync in time,
    /// or the informers cannot start.
    pub async fn run<Ctx, E, R, RFut, P>(
        self,
        reconcile: R,
        error_policy: P,
        context: Arc<Ctx>,
    ) -> Result<()>
    where
        Ctx: Send + Sync + 'static,
        E: std::fmt::Display + Send + 'static,
        R: Fn(Arc<K>, Arc<Ctx>) -> RFut + Send + Sync + 'static,
        RFut: Future<Output = std::result::Result<Action, E>> + Send + 'static,
        P: Fn(Arc<K>, &E, Arc<Ctx>) -> OnError + Send + Sync + 'static,
    {
        let Controller {
            primary,
            predicates,
            mut pumps,
            syncs,
            starts,
            config,
            shutdown,
            elector,
        } = self;
        let queue: WorkQueue<ObjectRef> = WorkQueue::new();
        pumps.push(pump(
            primary.subscribe(),
            |o: &K| vec![ObjectRef::from_obj(o)],
            predicates,
        ));
        for start in &starts {
            start()?;
        }
        let synced = futures::future::join_all(syncs.iter().map(|s| s()));
        if tokio::time::timeout(config.cache_sync_timeout, synced)
            .await
            .is_err()
        {
            return Err(Error::Timeout {
                operation: "waiting for the controller's caches to sync".to_owned(),
                timeout: config.cache_sync_timeout,
                attempts: 0,
                last: None,
            });
        }
        let pump_tasks: Vec<_> = pumps
            .into_iter()
            .map(|p| tokio::spawn(p(queue.clone())))
            .collect();
        let workers = workers::Workers {
            queue: queue.clone(),
            store: primary.store(),
            reconcile: Arc::new(reconcile),
            error_policy: Arc::new(error_policy),
            context,
        };
        let mut shutdown = shutdown
            .unwrap_or_else(|| Box::pin(std::future::pending()))
            .fuse();
        if let Some(elector) = elector {
            let term = lead_term(workers, primary.store(), config);
            while elector
                .run(LeaderCallbacks::new(term.clone()), &mut shutdown)
                .await
                != RunOutcome::Shutdown
            {
                tracing::info!("controller: leadership ended; campaigning again");
            }
            tracing::info!("controller: shut down");
            for task in &pump_tasks {
                task.abort();
            }
            queue.shut_down();
            return Ok(());
        }
        let worker_tasks: Vec<_> = (0..config.max_concurrent_reconciles.max(1))
            .map(|_| tokio::spawn(workers.clone().run(std::future::pending())))
            .collect();
        (&mut shutdown).await;
        tracing::info!("controller: shutting down; no new reconciles");
        for task in &pump_tasks {
            task.abort();
        }
        queue.shut_down();
        let drained = tokio::time::timeout(
            config.graceful_shutdown_timeout,
            futures::future::join_all(worker_tasks),
        )
        .await;
        if drained.is_err() {
            tracing::warn!(
                timeout = ?config.graceful_shutdown_timeout,
                "controller: reconciles still running at the end of the graceful shutdown"
            );
        }
        Ok(())
    }
}

/// The work of one term of leadership: queue every cached object, reconcile
/// until leadership ends, then let reconciles in flight finish within the
/// graceful shutdown timeout (the elector bounds it further after a loss).
fn lead_term<K, Ctx, E, R, RFut, P>(
    workers: workers::Workers<K, Ctx, R, P>,
    store: Store<K>,
    config: ControllerConfig,
) -> impl Fn(Leadership) -> BoxFuture<'static, ()> + Clone + Send + Sync + 'static
where
    K: HasMetadata + Send + Sync + 'static,
    Ctx: Send + Sync + 'static,
    E: std::fmt::Display + Send + 'static,
    R: Fn(Arc<K>, Arc<Ctx>) -> RFut + Send + Sync + 'static,
    RFut: Future<Output = std::result::Result<Action, E>> + Send + 'static,
    P: Fn(Arc<K>, &E, Arc<Ctx>) -> OnError + Send + Sync + 'static,
{
    move |leadership: Leadership| {
        let workers = workers.clone();
        let store = store.clone();
        let config = config.clone();
        Box::pin(async move {
            tracing::info!("controller: leading; reconciling");
            for object in store.list() {
                workers.queue.add(ObjectRef::from_obj(&*object));
            }
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..config.max_concurrent_reconciles.max(1) {
                let term = leadership.clone();
                tasks.spawn(workers.clone().run(async move { term.stopped().await }));
            }
            leadership.stopped().await;
            tracing::info!("controller: no longer leading; no new reconciles");
            // Dropping the set (on timeout, or when the elector drops this
            // future) aborts the workers still running.
            let drained = tokio::time::timeout(config.graceful_shutdown_timeout, tasks.join_all());
            if drained.await.is_err() {
                tracing::warn!(
                    "controller: reconciles still running when leadership ended; aborted"
                );
            }
        })
    }
}

/// The controller ownerReference of `child`, if it names a `K`.
fn controller_owner<K: Resource>(child: &impl HasMetadata) -> Option<ObjectRef> {
    let owner: &OwnerReference = child
        .metadata()
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))?;
    (owner.api_version == K::API_VERSION && owner.kind == K::KIND).then(|| {
        ObjectRef::new(
            child
                .namespace()
                .filter(|_| <K::Scope as crate::Scope>::NAMESPACED),
            &owner.name,
        )
    })
}

/// Queues what `mapper` says each change of a subscription relates to.
fn pump<O, F>(mut changes: Subscription<O>, mapper: F, predicates: Vec<Predicate<O>>) -> Pump
where
    O: HasMetadata + Send + Sync + 'static,
    F: Fn(&O) -> Vec<ObjectRef> + Send + Sync + 'static,
{
    Box::new(move |queue| {
        Box::pin(async move {
            while let Some(change) = changes.recv().await {
                let refs = match &change {
                    Notification::Added { object, .. } | Notification::Deleted { object, .. } => {
                        mapper(object)
                    }
                    Notification::Updated { old, new } => {
                        let deleting = old.metadata().deletion_timestamp.is_none()
                            && new.metadata().deletion_timestamp.is_some();
                        if !deleting && !predicates.iter().all(|p| p(old, new)) {
                            continue;
                        }
                        let mut refs = mapper(new);
                        for r in mapper(old) {
                            if !refs.contains(&r) {
                                refs.push(r);
                            }
                        }
                        refs
                    }
                };
                for r in refs {
                    queue.add(r);
                }
            }
        })
    })
}

/// SIGTERM or SIGINT, whichever comes first.
async fn termination_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; waiting for Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
