//! [`InformerFactory`]: one shared informer per resource, for a whole program
//! (client-go's `SharedInformerFactory`).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::de::DeserializeOwned;

use super::informer::SharedInformer;
use super::store::drop_managed_fields;
use super::watcher::WatcherConfig;
use crate::dynamic::{ApiResource, DynamicObject};
use crate::meta::PartialObjectMetadata;
use crate::{Api, Client, HasMetadata, Resource, Result};

/// Hands out shared informers, one per resource however many parts of a
/// program ask, all with the factory's namespace, selectors and settings.
///
/// ```no_run
/// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
/// use std::time::Duration;
/// use k8s_client::api::core::v1::{ConfigMap, Pod};
/// use k8s_client::runtime::InformerFactory;
///
/// let factory = InformerFactory::new(client)
///     .namespace("prod")
///     .drop_managed_fields()
///     .resync(Duration::from_secs(600));
/// let pods = factory.informer::<Pod>();
/// let same_pods = factory.informer::<Pod>(); // the same informer: one watch
/// let configmaps = factory.informer::<ConfigMap>();
/// factory.start()?;
/// factory.wait_for_cache_sync().await;
/// println!("{} pods, {} configmaps", pods.store().len(), configmaps.store().len());
/// # drop(same_pods);
/// factory.shutdown().await;
/// # Ok(()) }
/// ```
pub struct InformerFactory {
    client: Client,
    namespace: Option<String>,
    watcher: WatcherConfig,
    resync: Option<Duration>,
    drop_managed_fields: bool,
    informers: Mutex<HashMap<InformerKey, Arc<dyn Managed>>>,
}

/// What makes two informers the same: the Rust type they decode to, and
/// the resource they list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct InformerKey {
    decoded_as: TypeId,
    group: String,
    version: String,
    plural: String,
}

impl InformerFactory {
    /// A factory whose informers see every namespace, with no selectors.
    pub fn new(client: Client) -> Self {
        InformerFactory {
            client,
            namespace: None,
            watcher: WatcherConfig::default(),
            resync: None,
            drop_managed_fields: false,
            informers: Mutex::new(HashMap::new()),
        }
    }

    /// Informers of namespaced kinds see only `namespace` (client-go's `WithNamespace`).
    #[must_use]
    pub fn namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_owned());
        self
    }

    /// Only objects matching a label selector (client-go's `WithTweakListOptions`).
    #[must_use]
    pub fn labels(mut self, selector: &str) -> Self {
        self.watcher = self.watcher.labels(selector);
        self
    }

    /// Only objects matching a field selector.
    #[must_use]
    pub fn fields(mut self, selector: &str) -> Self {
        self.watcher = self.watcher.fields(selector);
        self
    }

    /// How every informer lists and watches (selectors included).
    #[must_use]
    pub fn watcher_config(mut self, config: WatcherConfig) -> Self {
        self.watcher = config;
        self
    }

    /// The resync period of every informer (see
    /// [`SharedInformer::set_resync_period`]).
    #[must_use]
    pub fn resync(mut self, period: Duration) -> Self {
        self.resync = Some(period);
        self
    }

    /// Every informer drops `metadata.managedFields` before storing an
    /// object: often half of its metadata, and rarely read by controllers.
    #[must_use]
    pub fn drop_managed_fields(mut self) -> Self {
        self.drop_managed_fields = true;
        self
    }

    /// The informer of `K`, made on first use.
    pub fn informer<K>(&self) -> SharedInformer<K>
    where
        K: Resource + DeserializeOwned + Send + Sync + 'static,
    {
        let api =
            Api::<K>::in_namespace_if_namespaced(self.client.clone(), self.namespace.as_deref());
        self.get_or_make::<K>(K::GROUP, K::VERSION, K::PLURAL, || api)
    }

    /// The informer of a resource known at run time (from discovery, say),
    /// as [`DynamicObject`]s.
    pub fn dynamic_informer(&self, resource: &ApiResource) -> SharedInformer<DynamicObject> {
        let api = || self.api_for(resource);
        self.get_or_make(&resource.group, &resource.version, &resource.plural, api)
    }

    /// The metadata-only informer of `K`: objects as [`PartialObjectMetadata`]
    /// (client-go's metadata informers), a fraction of the memory.
    pub fn metadata_informer<K: Resource>(&self) -> SharedInformer<PartialObjectMetadata> {
        self.metadata_informer_for(&ApiResource::of::<K>())
    }

    /// The metadata-only informer of a resource known at run time.
    pub fn metadata_informer_for(
        &self,
        resource: &ApiResource,
    ) -> SharedInformer<PartialObjectMetadata> {
        let api = || self.api_for(resource).metadata();
        self.get_or_make(&resource.group, &resource.version, &resource.plural, api)
    }

    fn api_for(&self, resource: &ApiResource) -> Api<DynamicObject> {
        match &self.namespace {
            Some(ns) if resource.namespaced => {
                Api::namespaced_with(self.client.clone(), ns, resource)
            }
            _ => Api::all_with(self.client.clone(), resource),
        }
    }

    fn get_or_make<K>(
        &self,
        group: &str,
        version: &str,
        plural: &str,
        api: impl FnOnce() -> Api<K>,
    ) -> SharedInformer<K>
    where
        K: DeserializeOwned + HasMetadata + Send + Sync + 'static,
    {
        let key = InformerKey {
            decoded_as: TypeId::of::<K>(),
            group: group.to_owned(),
            version: version.to_owned(),
            plural: plural.to_owned(),
        };
        let mut informers = lock(&self.informers);
        if let Some(existing) = informers
            .get(&key)
            .and_then(|m| m.as_any().downcast_ref::<SharedInformer<K>>())
        {
            return existing.clone();
        }
        let informer = SharedInformer::new(api(), self.watcher.clone());
        // A new informer has not started, so its settings are accepted.
        if self.drop_managed_fields {
            let _ = informer.set_transform(Arc::new(drop_managed_fields::<K>));
        }
        if let Some(period) = self.resync {
            let _ = informer.set_resync_period(period);
        }
        informers.insert(key, Arc::new(informer.clone()));
        informer
    }

    /// Starts every informer made so far that has not started (client-go's
    /// `Start`: call it again after asking for more informers).
    pub fn start(&self) -> Result<()> {
        for informer in self.all() {
            informer.start()?;
        }
        Ok(())
    }

    /// Waits until every started informer's cache is synced.
    pub async fn wait_for_cache_sync(&self) {
        for informer in self.all() {
            if informer.started() {
                informer.wait_for_sync().await;
            }
        }
    }

    /// Whether every started informer's cache is synced.
    pub fn has_synced(&self) -> bool {
        self.all().iter().all(|i| !i.started() || i.has_synced())
    }

    /// Stops every informer and waits for their tasks to end.
    pub async fn shutdown(&self) {
        for informer in self.all() {
            informer.shutdown().await;
        }
    }

    fn all(&self) -> Vec<Arc<dyn Managed>> {
        lock(&self.informers).values().cloned().collect()
    }
}

impl std::fmt::Debug for InformerFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InformerFactory")
            .field("namespace", &self.namespace)
            .field("watcher", &self.watcher)
            .field("resync", &self.resync)
            .field("informers", &lock(&self.informers).len())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// What the factory does with an informer of any type.
trait Managed: Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn start(&self) -> Result<()>;
    fn started(&self) -> bool;
    fn has_synced(&self) -> bool;
    fn wait_for_sync(&self) -> BoxFuture<'_, ()>;
    fn shutdown(&self) -> BoxFuture<'_, ()>;
}

impl<K: DeserializeOwned + HasMetadata + Send + Sync + 'static> Managed for SharedInformer<K> {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn start(&self) -> Result<()> {
        SharedInformer::start(self)
    }
    fn started(&self) -> bool {
        self.is_started()
    }
    fn has_synced(&self) -> bool {
        SharedInformer::has_synced(self)
    }
    fn wait_for_sync(&self) -> BoxFuture<'_, ()> {
        Box::pin(SharedInformer::wait_for_sync(self))
    }
    fn shutdown(&self) -> BoxFuture<'_, ()> {
        Box::pin(SharedInformer::shutdown(self))
    }
}
