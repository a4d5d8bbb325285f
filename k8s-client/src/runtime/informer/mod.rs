//! Shared informers: one list and watch of a resource, one cache, and any
//! number of subscribers (client-go's `SharedIndexInformer`).
//!
//! A [`SharedInformer`] runs a [watcher](crate::runtime::watcher) and keeps
//! its [`Store`] (the reflector's job): relists are swapped in at once, and
//! objects deleted while the watch was down are found by the relist and
//! reported as deletions with their last known state. Each
//! [`Subscription`] gets the cache's contents when it subscribes, then every
//! change, through a queue of its own: a slow subscriber never holds up the
//! others. Its queue is bounded: once more than [`FOLD_ABOVE`] changes wait,
//! later changes of an object it has not read yet are folded into the
//! pending one, so the queue never grows much past one change per object.
//!
//! ```no_run
//! # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
//! use k8s_client::{Api, api::core::v1::Pod};
//! use k8s_client::runtime::informer::{Notification, SharedInformer};
//! use k8s_client::runtime::watcher::WatcherConfig;
//!
//! let pods: Api<Pod> = Api::all(client);
//! let informer = SharedInformer::new(pods, WatcherConfig::default());
//! let mut changes = informer.subscribe();
//! informer.start()?;
//! informer.wait_for_sync().await;
//! println!("{} pods cached", informer.store().len());
//! while let Some(change) = changes.recv().await {
//!     if let Notification::Deleted { object, .. } = change {
//!         println!("deleted {:?}", object.metadata.name);
//!     }
//! }
//! # Ok(()) }
//! ```

mod notification;
mod reflector;
mod subscriber;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::de::DeserializeOwned;
use tokio::sync::watch;

pub use notification::Notification;
pub use subscriber::{FOLD_ABOVE, Subscription};

use super::store::{Store, Transform, Writer};
use super::watcher::WatcherConfig;
use crate::{Api, Error, HasMetadata, Result};
use reflector::Reflector;
use subscriber::Subscriber;

/// client-go's smallest resync period; a shorter one is raised to it.
pub const MIN_RESYNC_PERIOD: Duration = Duration::from_secs(1);

/// Called with each failure of the informer's list or watch, before it
/// backs off and tries again (client-go's `WatchErrorHandler`).
pub type ErrorHandler = Arc<dyn Fn(&Error) + Send + Sync>;

/// One list and watch, one cache, many subscribers; cheap to clone.
pub struct SharedInformer<K> {
    inner: Arc<Inner<K>>,
}

impl<K> Clone for SharedInformer<K> {
    fn clone(&self) -> Self {
        SharedInformer {
            inner: Arc::clone(&self.inner),
        }
    }
}

struct Inner<K> {
    api: Api<K>,
    config: WatcherConfig,
    store: Store<K>,
    /// The cache's writer and the subscribers, under one lock: a change is
    /// stored and handed to every subscriber in one step, so a subscriber
    /// that joins sees each change exactly once, in the cache or after it.
    hub: Mutex<Hub<K>>,
    settings: Mutex<Settings<K>>,
    started: AtomicBool,
    stop: watch::Sender<bool>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

struct Settings<K> {
    transform: Option<Transform<K>>,
    resync: Option<Duration>,
    on_error: Option<ErrorHandler>,
}

pub(super) struct Hub<K> {
    writer: Writer<K>,
    subscribers: Vec<Arc<Subscriber<K>>>,
    synced: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl<K> SharedInformer<K>
where
    K: DeserializeOwned + HasMetadata + Send + Sync + 'static,
{
    /// An informer of `api`'s objects (its namespace, or all), listed and
    /// watched as `config` says. Nothing happens until [`start`](Self::start).
    pub fn new(api: Api<K>, config: WatcherConfig) -> Self {
        let writer = Writer::new();
        let store = writer.reader();
        SharedInformer {
            inner: Arc::new(Inner {
                api,
                config,
                store,
                hub: Mutex::new(Hub {
                    writer,
                    subscribers: Vec::new(),
                    synced: false,
                }),
                settings: Mutex::new(Settings {
                    transform: None,
                    resync: None,
                    on_error: None,
                }),
                started: AtomicBool::new(false),
                stop: watch::Sender::new(false),
                task: Mutex::new(None),
            }),
        }
    }

    /// Changes every object before it is stored, such as
    /// [`drop_managed_fields`](crate::runtime::store::drop_managed_fields)
    /// to save memory. It must give the same result when applied twice.
    /// Set it before [`start`](Self::start): later it is refused, as in client-go.
    pub fn set_transform(&self, transform: Transform<K>) -> Result<()> {
        self.before_start("set_transform")?;
        lock(&self.inner.settings).transform = Some(transform);
        Ok(())
    }

    /// Every `period` (at least [`MIN_RESYNC_PERIOD`]), subscribers that
    /// asked for resyncs ([`subscribe_with_resync`](Self::subscribe_with_resync))
    /// get an [`Updated`](Notification::Updated) with `old` and `new` the
    /// same for every cached object, so they reconcile again.
    pub fn set_resync_period(&self, period: Duration) -> Result<()> {
        self.before_start("set_resync_period")?;
        lock(&self.inner.settings).resync = Some(period.max(MIN_RESYNC_PERIOD));
        Ok(())
    }

    /// Called with every list or watch failure (they are also logged).
    pub fn set_error_handler(&self, handler: ErrorHandler) -> Result<()> {
        self.before_start("set_error_handler")?;
        lock(&self.inner.settings).on_error = Some(handler);
        Ok(())
    }

    fn before_start(&self, what: &'static str) -> Result<()> {
        if self.inner.started.load(Ordering::Acquire) {
            return Err(Error::AlreadyStarted { what });
        }
        Ok(())
    }

    /// The cache: every object the informer holds, with its indexes.
    pub fn store(&self) -> Store<K> {
        self.inner.store.clone()
    }

    /// A new subscriber: it gets the cached objects as `Added { initial: true }`
    /// first, then every change.
    pub fn subscribe(&self) -> Subscription<K> {
        self.add_subscriber(false)
    }

    /// A new subscriber that also gets the periodic resyncs.
    pub fn subscribe_with_resync(&self) -> Subscription<K> {
        self.add_subscriber(true)
    }

    fn add_subscriber(&self, resync: bool) -> Subscription<K> {
        let shared = Subscriber::new(resync);
        let mut hub = lock(&self.inner.hub);
        for object in self.inner.store.list() {
            let key = super::store::object_key(&*object);
            shared.push(
                key.into(),
                Notification::Added {
                    object,
                    initial: true,
                },
            );
        }
        if hub.synced {
            shared.mark_synced();
        }
        hub.subscribers.push(Arc::clone(&shared));
        Subscription::new(shared)
    }

    /// Starts listing and watching, on a task of the current Tokio runtime.
    /// A second call does nothing.
    pub fn start(&self) -> Result<()> {
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| Error::NoRuntime { what: "informer" })?;
        if self.inner.started.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let settings = {
            let s = lock(&self.inner.settings);
            (s.transform.clone(), s.resync, s.on_error.clone())
        };
        let reflector = Reflector {
            informer: Arc::clone(&self.inner),
            transform: settings.0,
            resync: settings.1,
            on_error: settings.2,
        };
        let stop = self.inner.stop.subscribe();
        let task = handle.spawn(reflector.run(stop));
        *lock(&self.inner.task) = Some(task);
        Ok(())
    }

    /// Whether [`start`](Self::start) has been called.
    pub fn is_started(&self) -> bool {
        self.inner.started.load(Ordering::Acquire)
    }

    /// Whether the cache holds a complete list (the first relist is in).
    pub fn has_synced(&self) -> bool {
        self.inner.store.has_synced()
    }

    /// Waits until the cache holds a complete list.
    pub async fn wait_for_sync(&self) {
        // The writer lives as long as the informer, so this only fails once
        // the informer is gone, when there is nothing left to wait for.
        let _ = self.inner.store.wait_until_ready().await;
    }

    /// Stops listing and watching, waits for the task to end, and ends
    /// every subscription (after what was queued is read).
    pub async fn shutdown(&self) {
        self.inner.stop.send_replace(true);
        let task = lock(&self.inner.task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
        let hub = lock(&self.inner.hub);
        for s in &hub.subscribers {
            s.close();
        }
    }

    /// How many subscribers are attached.
    pub fn subscribers(&self) -> usize {
        let mut hub = lock(&self.inner.hub);
        hub.drop_closed();
        hub.subscribers.len()
    }
}

impl<K> Hub<K> {
    /// Forgets subscribers whose `Subscription` was dropped.
    fn drop_closed(&mut self) {
        self.subscribers.retain(|s| Arc::strong_count(s) > 1);
    }
}

impl<K> std::fmt::Debug for SharedInformer<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedInformer")
            .field("api", &self.inner.api)
            .field("started", &self.inner.started.load(Ordering::Relaxed))
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}
