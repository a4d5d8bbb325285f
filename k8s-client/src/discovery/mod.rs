//! What the server offers: API groups, versions and resources, found at run
//! time and cached the way kubectl caches them.
//!
//! - [`Discovery`]: the server's version, groups and resources, with an
//!   in-memory cache, client-go's disk cache (shared with kubectl) and an
//!   HTTP cache keyed by `ETag`.
//! - [`RestMapper`]: resolves the names kubectl accepts (`po`, `deploy`,
//!   `deployments.apps`, `all`, …) to [`ApiResource`]s.
//!
//! ```no_run
//! # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
//! use k8s_client::Api;
//! use k8s_client::discovery::Discovery;
//! use k8s_client::dynamic::DynamicObject;
//!
//! let discovery = Discovery::new(client.clone()).default_cache_dir();
//! let mapper = discovery.rest_mapper();
//! let deploy = &mapper.resolve("deploy").await?[0];
//! let api: Api<DynamicObject> = Api::namespaced_with(client, "default", deploy);
//! for d in api.list(&Default::default()).await? {
//!     println!("{}", d.metadata.name.unwrap_or_default());
//! }
//! # Ok(()) }
//! ```

mod disk;
mod fetch;
mod http_cache;
mod mapper;
mod model;
mod names;
mod openapi;
mod wire;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use disk::{DEFAULT_TTL, default_cache_dir, host_cache_dir};
pub use mapper::RestMapper;
pub use model::{
    ApiGroup, FailureReason, GroupVersionFailure, GroupVersionResources, ServerResources,
    ServerVersion,
};
pub use openapi::{OpenApiV3Index, OpenApiV3Path};

use crate::dynamic::ApiResource;
use crate::rest::Accept;
use crate::rest::decode_json;
use crate::{Client, Result};
use http_cache::HttpCache;

/// Discovery of a server's API groups, versions and resources.
///
/// Results are kept in memory until [`invalidate`](Discovery::invalidate).
/// With a cache directory they are also kept on disk exactly where and how
/// kubectl keeps them (see [`cache_dir`](Discovery::cache_dir)), so a warm
/// cache answers without any request. A cold load uses aggregated discovery:
/// two requests (`/api` and `/apis`) for the whole server. Servers without it
/// get legacy discovery, one request per group version, sent concurrently.
///
/// Requests share the client's connections and credentials but have their
/// own rate limit, kubectl's for discovery ([`DISCOVERY_QPS`],
/// [`DISCOVERY_BURST`]).
///
/// `Discovery` is cheap to clone; clones share their caches.
///
/// ```no_run
/// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
/// use k8s_client::discovery::Discovery;
///
/// let discovery = Discovery::new(client).default_cache_dir();
/// println!("{}", discovery.server_version().await?.git_version);
/// let all = discovery.server_resources().await?;
/// for failure in &all.failures {
///     eprintln!("{}: {}", failure.group_version, failure.reason);
/// }
/// for r in discovery.preferred_resources().await? {
///     println!("{} {} {}", r.plural, r.api_version(), r.kind);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Discovery {
    inner: Arc<Inner>,
}

#[derive(Clone, Debug)]
struct Options {
    /// `<root>/discovery/<host>`, where `servergroups.json` lives.
    disk_dir: Option<PathBuf>,
    http_cache: Option<HttpCache>,
    ttl: Duration,
    legacy_only: bool,
}

/// kubectl's rate limit for discovery (`genericclioptions`: 50 QPS, burst 300).
pub const DISCOVERY_QPS: f32 = 50.0;
/// kubectl's burst for discovery.
pub const DISCOVERY_BURST: u32 = 300;

#[derive(Debug)]
struct Inner {
    /// The caller's client, for [`Discovery::client`].
    client: Client,
    /// The same connections with kubectl's discovery rate limit.
    requests_client: Client,
    options: Options,
    state: Mutex<State>,
    /// Held while loading, so concurrent callers share one load.
    loading: tokio::sync::Mutex<()>,
    requests: AtomicU64,
    not_modified: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    resources: Option<Arc<ServerResources>>,
    /// Whether `resources` came from the server during this `Discovery`'s life
    /// (client-go's `Fresh()`): a miss in fresh data is a real miss.
    fresh: bool,
    /// After `invalidate`, disk files are not trusted until rewritten.
    disk_invalidated: bool,
    /// Bumped by `invalidate`, so a load that started before it does not
    /// store what it read (it still answers its own caller).
    generation: u64,
    openapi_index: Option<Arc<OpenApiV3Index>>,
}

impl Inner {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain data with no invariant a panic could break.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count_request(&self, operation: &str) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(operation, requests = n, "discovery request");
    }

    fn count_not_modified(&self) {
        self.not_modified.fetch_add(1, Ordering::Relaxed);
    }
}

impl Discovery {
    /// Discovery for the client's server, cached in memory only.
    pub fn new(client: Client) -> Self {
        Self::with_options(
            client,
            Options {
                disk_dir: None,
                http_cache: None,
                ttl: DEFAULT_TTL,
                legacy_only: false,
            },
        )
    }

    fn with_options(client: Client, options: Options) -> Self {
        Discovery {
            inner: Arc::new(Inner {
                requests_client: client.with_rate_limit(DISCOVERY_QPS, DISCOVERY_BURST),
                client,
                options,
                state: Mutex::new(State::default()),
                loading: tokio::sync::Mutex::new(()),
                requests: AtomicU64::new(0),
                not_modified: AtomicU64::new(0),
            }),
        }
    }

    /// The same settings with one changed, and fresh caches.
    fn reconfigure(self, change: impl FnOnce(&mut Options)) -> Self {
        let mut options = self.inner.options.clone();
        change(&mut options);
        Self::with_options(self.inner.client.clone(), options)
    }

    /// Caches on disk under `root`, as kubectl's `--cache-dir` does:
    /// discovery documents in `root/discovery/<host>` and HTTP responses in
    /// `root/http`.
    #[must_use]
    pub fn cache_dir(self, root: impl AsRef<Path>) -> Self {
        let root = root.as_ref();
        let host_dir = host_cache_dir(&root.join("discovery"), self.inner.client.base_url());
        let http = root.join("http");
        self.reconfigure(|o| {
            o.disk_dir = Some(host_dir);
            o.http_cache = Some(HttpCache::new(http));
        })
    }

    /// Caches on disk where kubectl does by default: `$KUBECACHEDIR`, else
    /// `~/.kube/cache`. Without either variable, only memory is used.
    #[must_use]
    pub fn default_cache_dir(self) -> Self {
        match default_cache_dir() {
            Some(root) => self.cache_dir(root),
            None => {
                tracing::debug!("neither KUBECACHEDIR nor HOME is set: no disk cache");
                self
            }
        }
    }

    /// Keeps discovery documents in exactly this directory (where
    /// `servergroups.json` goes), or nowhere with `None`.
    #[must_use]
    pub fn discovery_cache_dir(self, dir: Option<PathBuf>) -> Self {
        self.reconfigure(|o| o.disk_dir = dir)
    }

    /// Keeps the HTTP cache in this directory, or nowhere with `None`.
    #[must_use]
    pub fn http_cache_dir(self, dir: Option<PathBuf>) -> Self {
        self.reconfigure(|o| o.http_cache = dir.map(HttpCache::new))
    }

    /// How long disk cache files are trusted; [`DEFAULT_TTL`] (6 hours) unless set.
    #[must_use]
    pub fn ttl(self, ttl: Duration) -> Self {
        self.reconfigure(|o| o.ttl = ttl)
    }

    /// Uses legacy discovery (one request per group version) even when the
    /// server offers aggregated discovery.
    #[must_use]
    pub fn legacy_only(self, legacy: bool) -> Self {
        self.reconfigure(|o| o.legacy_only = legacy)
    }

    /// The client requests go through.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// Where discovery documents are cached on disk, if anywhere.
    pub fn disk_cache_path(&self) -> Option<&Path> {
        self.inner.options.disk_dir.as_deref()
    }

    /// Where HTTP responses are cached on disk, if anywhere.
    pub fn http_cache_path(&self) -> Option<&Path> {
        self.inner.options.http_cache.as_ref().map(HttpCache::dir)
    }

    /// How many HTTP requests this `Discovery` (and its clones) has sent.
    /// A warm cache answers with none; a cold aggregated load takes two.
    pub fn request_count(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// How many of those requests the server answered `304 Not Modified`
    /// (the HTTP cache's body was used).
    pub fn not_modified_count(&self) -> u64 {
        self.inner.not_modified.load(Ordering::Relaxed)
    }

    /// Whether the cached view came from the server during this
    /// `Discovery`'s life rather than from a disk cache written earlier.
    pub fn is_fresh(&self) -> bool {
        self.inner.state().fresh
    }

    /// Forgets what is cached: the next call asks the server again and
    /// rewrites the disk cache. Files on disk are not read again until this
    /// `Discovery` has rewritten them.
    pub fn invalidate(&self) {
        let mut state = self.inner.state();
        state.resources = None;
        state.openapi_index = None;
        state.fresh = false;
        state.disk_invalidated = true;
        state.generation += 1;
    }

    /// A REST mapper over this discovery.
    pub fn rest_mapper(&self) -> RestMapper {
        RestMapper::new(self.clone())
    }

    /// The server's version (`/version`); never cached, as in client-go.
    pub async fn server_version(&self) -> Result<ServerVersion> {
        let f = self.get("/version", Accept::Json).await?;
        decode_json(&f.body, &f.operation, "version.Info")
    }

    /// The API groups with their versions and preferred version, the core
    /// group (named `""`) first.
    pub async fn server_groups(&self) -> Result<Vec<ApiGroup>> {
        Ok(self.server_resources().await?.groups.clone())
    }

    /// Every group version's resources, and separately the group versions
    /// that could not be discovered. Fails only when the server's group list
    /// itself cannot be read.
    pub async fn server_resources(&self) -> Result<Arc<ServerResources>> {
        if let Some(cached) = self.inner.state().resources.clone() {
            return Ok(cached);
        }
        let _loading = self.inner.loading.lock().await;
        if let Some(cached) = self.inner.state().resources.clone() {
            return Ok(cached);
        }
        let (disk_invalidated, generation) = {
            let state = self.inner.state();
            (state.disk_invalidated, state.generation)
        };
        if !disk_invalidated
            && let Some(dir) = &self.inner.options.disk_dir
            && let Some(docs) = read_disk(dir, self.inner.options.ttl).await
        {
            tracing::debug!(dir = %dir.display(), "discovery served from the disk cache");
            let resources = Arc::new(ServerResources::from_documents(&docs, Vec::new()));
            self.store(generation, &resources, false);
            return Ok(resources);
        }
        let (docs, failures) = self.fetch_documents().await?;
        if let Some(dir) = &self.inner.options.disk_dir {
            write_disk(dir, &docs).await;
        }
        let resources = Arc::new(ServerResources::from_documents(&docs, failures));
        self.store(generation, &resources, true);
        Ok(resources)
    }

    /// Keeps a loaded view unless `invalidate` was called since the load began.
    fn store(&self, generation: u64, resources: &Arc<ServerResources>, from_server: bool) {
        let mut state = self.inner.state();
        if state.generation != generation {
            return;
        }
        state.resources = Some(resources.clone());
        state.fresh = from_server;
        if from_server {
            state.disk_invalidated = false;
        }
    }

    /// Each resource once, at its group's preferred version where it exists
    /// (what `kubectl api-resources` lists); see [`ServerResources::preferred`].
    pub async fn preferred_resources(&self) -> Result<Vec<ApiResource>> {
        Ok(self.server_resources().await?.preferred())
    }
}

/// The whole server's documents from the disk cache, or `None` unless every
/// file is there and younger than the TTL.
async fn read_disk(dir: &Path, ttl: Duration) -> Option<wire::Documents> {
    let groups: wire::ApiGroupList = disk::read_fresh(&disk::groups_file(dir), ttl).await?;
    if groups.groups.is_empty() {
        return None;
    }
    let gvs: Vec<_> = groups
        .groups
        .iter()
        .flat_map(|g| {
            g.versions
                .iter()
                .map(move |v| crate::dynamic::GroupVersion::new(&g.name, &v.version))
        })
        .collect();
    let lists = futures::future::join_all(gvs.iter().map(|gv| async move {
        disk::read_fresh::<wire::ApiResourceList>(&disk::resources_file(dir, gv)?, ttl).await
    }))
    .await;
    let mut resources = Vec::with_capacity(gvs.len());
    for (gv, list) in gvs.into_iter().zip(lists) {
        resources.push((gv, list?));
    }
    Some(wire::Documents {
        groups: groups.groups,
        resources,
        stale: Vec::new(),
    })
}

/// Writes the documents in client-go's layout. Failures are logged, not
/// returned: the cache is an optimisation, as in client-go. Empty results
/// are not cached (client-go's rule).
async fn write_disk(dir: &Path, docs: &wire::Documents) {
    if docs.groups.is_empty() {
        return;
    }
    let mut writes = Vec::new();
    for (gv, list) in &docs.resources {
        let Some(path) = disk::resources_file(dir, gv) else {
            continue;
        };
        if list.resources.is_empty() {
            continue;
        }
        writes.push(async move { (disk::write_json(&path, list).await, path) });
    }
    let groups_path = disk::groups_file(dir);
    let groups = wire::ApiGroupList::new(docs.groups.clone());
    let mut results = futures::future::join_all(writes).await;
    results.push((disk::write_json(&groups_path, &groups).await, groups_path));
    for (result, path) in results {
        if let Err(e) = result {
            tracing::debug!(path = %path.display(), "cannot write discovery cache: {e}");
        }
    }
}
