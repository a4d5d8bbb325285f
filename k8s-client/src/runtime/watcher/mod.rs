//! A watcher: list, then watch, forever (client-go's reflector loop).
//!
//! [`watcher`] turns an [`Api`] into a stream of [`Event`]s that never ends
//! on its own. It lists (in pages of 500, or as one streaming list where the
//! server offers it), then watches from where the list ended, and follows
//! client-go's rules for everything that can go wrong:
//!
//! - the first list asks for resourceVersion `"0"` (the server's watch
//!   cache), later ones for the last version synced, and `""` (a quorum read)
//!   once the server said that version is too old or too new;
//! - a continue token that expires mid-list falls back to one unpaged list;
//! - each watch asks for bookmarks and ends after a random 5–10 minutes;
//!   after a normal end the watcher watches again from the last version
//!   seen, with no new list;
//! - `410 Gone` relists; a refused connection or `429` backs off and
//!   watches again from the same version; other failures back off (800 ms
//!   doubling to 30 s, with jitter, reset after two quiet minutes) and
//!   relist;
//! - a watch that ends within a second with no events counts as a failure.
//!
//! A relist is framed as [`Event::Init`], [`Event::InitApply`] for every
//! object, then [`Event::InitDone`], so a store can fill a new copy and swap
//! it in at once. Failures are yielded as `Err` items for whoever wants to
//! see them, and the stream goes on after its backoff: do not stop at the
//! first error (`try_next` would).
//!
//! ```no_run
//! # async fn run(client: k8s_client::Client) {
//! use futures::StreamExt;
//! use k8s_client::{Api, api::core::v1::Pod};
//! use k8s_client::runtime::watcher::{Event, WatcherConfig, watcher};
//!
//! let pods: Api<Pod> = Api::namespaced(client, "default");
//! let mut events = std::pin::pin!(watcher(pods, WatcherConfig::default()));
//! while let Some(event) = events.next().await {
//!     match event {
//!         Ok(Event::Apply(pod) | Event::InitApply(pod)) => println!("{:?}", pod.metadata.name),
//!         Ok(Event::Delete(pod)) => println!("gone: {:?}", pod.metadata.name),
//!         Ok(_) => {}
//!         Err(e) => eprintln!("watch failed, retrying: {e}"),
//!     }
//! }
//! # }
//! ```

mod machine;

use std::time::Duration;

use futures::Stream;
use serde::de::DeserializeOwned;

use crate::{Api, HasMetadata, Result};

/// What a watcher sees.
#[derive(Clone, Debug, PartialEq)]
pub enum Event<K> {
    /// A (re)list begins: the objects up to [`InitDone`](Event::InitDone)
    /// are the whole current state. An `Init` before the `InitDone` of an
    /// earlier one starts that list over.
    Init,
    /// An object of the list.
    InitApply(K),
    /// The list is complete: objects not in it are gone.
    InitDone,
    /// An object was added or changed while watching.
    Apply(K),
    /// An object was deleted while watching; this is its last state.
    Delete(K),
}

/// client-go's page size for the initial list.
pub const DEFAULT_PAGE_SIZE: u32 = 500;
/// The shortest watch timeout asked for; each watch asks for a random
/// time between this and twice this (client-go's 5 minutes).
pub const DEFAULT_MIN_WATCH_TIMEOUT: Duration = Duration::from_secs(300);

/// Which resourceVersion the first list asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListSemantic {
    /// `"0"`: any version, served from the watch cache (client-go's choice).
    #[default]
    Any,
    /// `""`: the most recent version, a quorum read from etcd.
    MostRecent,
}

/// How the initial state is read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum InitialList {
    /// A streaming list where the server offers it, else a paged list.
    #[default]
    Auto,
    /// A paged LIST, then a watch.
    ListWatch,
    /// One watch with `sendInitialEvents=true` serves the initial state
    /// and then the changes (client-go's `WatchListClient`); a server that
    /// refuses it makes the watcher list instead.
    StreamingList,
}

/// How a watcher lists and watches.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatcherConfig {
    /// Only objects matching this label selector.
    pub label_selector: Option<String>,
    /// Only objects matching this field selector.
    pub field_selector: Option<String>,
    /// Objects per page of the initial list.
    pub page_size: u32,
    /// Which resourceVersion the first list asks for.
    pub list_semantic: ListSemantic,
    /// How the initial state is read.
    pub initial_list: InitialList,
    /// Each watch asks the server to end it after a random time in
    /// `[min_watch_timeout, 2 × min_watch_timeout)`.
    pub min_watch_timeout: Duration,
}

impl Default for WatcherConfig {
    fn default() -> Self {
        WatcherConfig {
            label_selector: None,
            field_selector: None,
            page_size: DEFAULT_PAGE_SIZE,
            list_semantic: ListSemantic::default(),
            initial_list: InitialList::default(),
            min_watch_timeout: DEFAULT_MIN_WATCH_TIMEOUT,
        }
    }
}

impl WatcherConfig {
    /// Only objects matching a label selector.
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.to_owned());
        self
    }
    /// Only objects matching a field selector.
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.to_owned());
        self
    }
    /// Objects per page of the initial list.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }
    /// Which resourceVersion the first list asks for.
    pub fn list_semantic(mut self, semantic: ListSemantic) -> Self {
        self.list_semantic = semantic;
        self
    }
    /// How the initial state is read.
    pub fn initial_list(mut self, initial: InitialList) -> Self {
        self.initial_list = initial;
        self
    }
    /// The shortest watch timeout asked for (tests use a few seconds).
    pub fn min_watch_timeout(mut self, timeout: Duration) -> Self {
        self.min_watch_timeout = timeout;
        self
    }
}

/// Lists and watches `api` forever; see the [module docs](self).
pub fn watcher<K>(api: Api<K>, config: WatcherConfig) -> impl Stream<Item = Result<Event<K>>> + Send
where
    K: DeserializeOwned + HasMetadata + Send + 'static,
{
    let machine = machine::Machine::new(api, config);
    futures::stream::unfold(machine, |mut m| async move {
        let item = m.next().await;
        Some((item, m))
    })
}
