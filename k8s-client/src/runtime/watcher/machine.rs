//! The watcher's state machine: what to do next, after each answer.

use std::collections::VecDeque;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::{Event, InitialList, ListSemantic, WatcherConfig};
use crate::api::{ListParams, WatchParams};
use crate::meta::WatchEvent;
use crate::runtime::backoff::Backoff;
use crate::runtime::random::Random;
use crate::{Api, Error, HasMetadata, Result};

/// A watch that ends this soon with no events counts as a failure
/// (client-go's `VeryShortWatchError`).
const VERY_SHORT_WATCH: Duration = Duration::from_secs(1);
/// In [`InitialList::Auto`], a streaming list that sends nothing for this
/// long without its end bookmark is taken for a server that ignored the
/// request's `sendInitialEvents`.
const STREAMING_SILENCE: Duration = Duration::from_secs(10);

type Watch<K> = BoxStream<'static, Result<WatchEvent<K>>>;

enum Phase<K> {
    /// Read the whole state: a streaming list or the first page of a list.
    Start,
    /// More pages to read with `token`; `at` is what the first page asked for.
    Paging { token: String, at: Option<String> },
    /// The state is read: watch from the last version synced.
    Listed,
    /// Watching; `opened` and `events` tell a very short watch.
    Watching {
        stream: Watch<K>,
        opened: Instant,
        events: u64,
    },
    /// A streaming list's initial events, until its end bookmark.
    Streaming { stream: Watch<K> },
    /// Wait, then go on with `then`.
    Sleep { until: Instant, then: Box<Phase<K>> },
}

/// Whether the server offers streaming lists, once known.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Streaming {
    Unknown,
    Yes,
    No,
}

pub(super) struct Machine<K> {
    api: Api<K>,
    config: WatcherConfig,
    phase: Phase<K>,
    pending: VecDeque<Event<K>>,
    /// The version the store is at: where a watch resumes.
    last_sync: Option<String>,
    /// The server said `last_sync` is too old or too new: read at `""`.
    version_unavailable: bool,
    streaming: Streaming,
    backoff: Backoff,
    random: Random,
}

impl<K: DeserializeOwned + HasMetadata + Send + 'static> Machine<K> {
    pub(super) fn new(api: Api<K>, config: WatcherConfig) -> Self {
        let streaming = match config.initial_list {
            InitialList::ListWatch => Streaming::No,
            InitialList::StreamingList => Streaming::Yes,
            InitialList::Auto => Streaming::Unknown,
        };
        Machine {
            api,
            config,
            phase: Phase::Start,
            pending: VecDeque::new(),
            last_sync: None,
            version_unavailable: false,
            streaming,
            backoff: Backoff::new(),
            random: Random::new(),
        }
    }

    /// The next event or failure; never the end.
    pub(super) async fn next(&mut self) -> Result<Event<K>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(event);
            }
            let phase = std::mem::replace(&mut self.phase, Phase::Start);
            if let Some(outcome) = self.step(phase).await {
                return outcome;
            }
        }
    }

    /// Does one step of `phase`, leaving the next phase in `self.phase`;
    /// returns what the caller should see now, if anything.
    async fn step(&mut self, phase: Phase<K>) -> Option<Result<Event<K>>> {
        match phase {
            Phase::Sleep { until, then } => {
                tokio::time::sleep_until(until).await;
                self.phase = *then;
                None
            }
            Phase::Start if self.streaming != Streaming::No => self.start_streaming().await,
            Phase::Start => self.list_first_page().await,
            Phase::Paging { token, at } => self.list_next_page(token, at).await,
            Phase::Listed => self.start_watch().await,
            Phase::Watching {
                stream,
                opened,
                events,
            } => self.watch_step(stream, opened, events).await,
            Phase::Streaming { stream } => self.streaming_step(stream).await,
        }
    }

    /// Backs off, then goes on with `then`; the failure is the caller's to see.
    fn fail(&mut self, error: Error, then: Phase<K>) -> Option<Result<Event<K>>> {
        let now = Instant::now();
        let wait = self.backoff.next_wait(now);
        tracing::debug!(%error, ?wait, "watcher: backing off");
        self.phase = Phase::Sleep {
            until: now + wait,
            then: Box::new(then),
        };
        Some(Err(error))
    }

    /// The version a (re)list or streaming list reads at.
    fn read_at(&self, first_list: &str) -> Option<String> {
        if self.version_unavailable {
            return None;
        }
        match &self.last_sync {
            Some(rv) => Some(rv.clone()),
            None => Some(first_list.to_owned()).filter(|rv| !rv.is_empty()),
        }
    }

    fn list_params(&self) -> ListParams {
        ListParams {
            label_selector: self.config.label_selector.clone(),
            field_selector: self.config.field_selector.clone(),
            ..ListParams::default()
        }
    }

    fn watch_params(&mut self) -> WatchParams {
        let min = self.config.min_watch_timeout.as_secs().max(1);
        let timeout = min + (self.random.unit() * min as f64) as u64;
        let mut wp = WatchParams::default().timeout(u32::try_from(timeout).unwrap_or(u32::MAX));
        wp.label_selector = self.config.label_selector.clone();
        wp.field_selector = self.config.field_selector.clone();
        wp
    }

    async fn list_first_page(&mut self) -> Option<Result<Event<K>>> {
        let first = match self.config.list_semantic {
            ListSemantic::Any => "0",
            ListSemantic::MostRecent => "",
        };
        let at = self.read_at(first);
        let mut lp = self.list_params().limit(self.config.page_size);
        lp.resource_version = at.clone();
        match self.api.list(&lp).await {
            Ok(page) => {
                self.pending.push_back(Event::Init);
                self.take_page(page, at)
            }
            Err(e) if version_unavailable(&e) => {
                tracing::debug!(error = %e, "watcher: listing at the latest version instead");
                self.version_unavailable = true;
                None
            }
            Err(e) => self.fail(e, Phase::Start),
        }
    }

    async fn list_next_page(
        &mut self,
        token: String,
        at: Option<String>,
    ) -> Option<Result<Event<K>>> {
        let lp = self
            .list_params()
            .limit(self.config.page_size)
            .continue_token(&token);
        match self.api.list(&lp).await {
            Ok(page) => self.take_page(page, at),
            Err(e) if e.is_gone() => {
                // client-go's pager: one full list at the first page's version.
                tracing::debug!("watcher: continue token expired; listing everything at once");
                let mut full = self.list_params();
                full.resource_version = at;
                match self.api.list(&full).await {
                    Ok(list) => {
                        self.pending.push_back(Event::Init);
                        self.take_page(list, None)
                    }
                    Err(e) => self.fail(e, Phase::Start),
                }
            }
            Err(e) => self.fail(e, Phase::Start),
        }
    }

    /// Queues a page's objects; after the last page, the list is done.
    fn take_page(
        &mut self,
        mut page: crate::meta::List<K>,
        at: Option<String>,
    ) -> Option<Result<Event<K>>> {
        let token = page.metadata.continue_.take().filter(|t| !t.is_empty());
        self.pending
            .extend(page.items.into_iter().map(Event::InitApply));
        match token {
            Some(token) => self.phase = Phase::Paging { token, at },
            None => {
                self.last_sync = page.metadata.resource_version.filter(|rv| !rv.is_empty());
                self.version_unavailable = false;
                self.pending.push_back(Event::InitDone);
                self.phase = Phase::Listed;
            }
        }
        None
    }

    async fn start_watch(&mut self) -> Option<Result<Event<K>>> {
        let wp = self.watch_params();
        let rv = self.last_sync.clone().unwrap_or_default();
        match self.api.watch(&wp, &rv).await {
            Ok(stream) => {
                self.phase = Phase::Watching {
                    stream,
                    opened: Instant::now(),
                    events: 0,
                };
                None
            }
            // The server is away or busy: the same version will do later.
            Err(e) if e.is_connection_refused() || e.is_too_many_requests() => {
                self.fail(e, Phase::Listed)
            }
            Err(e) if e.is_gone() => {
                tracing::debug!("watcher: watch version expired; relisting");
                None
            }
            Err(e) => self.fail(e, Phase::Start),
        }
    }

    async fn watch_step(
        &mut self,
        mut stream: Watch<K>,
        opened: Instant,
        events: u64,
    ) -> Option<Result<Event<K>>> {
        match stream.next().await {
            Some(Ok(event)) => {
                let event = match event {
                    WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                        self.saw_version(&o);
                        Some(Event::Apply(o))
                    }
                    WatchEvent::Deleted(o) => {
                        self.saw_version(&o);
                        Some(Event::Delete(o))
                    }
                    WatchEvent::Bookmark(b) => {
                        if !b.resource_version.is_empty() {
                            self.last_sync = Some(b.resource_version);
                        }
                        None
                    }
                };
                self.phase = Phase::Watching {
                    stream,
                    opened,
                    events: events + 1,
                };
                event.map(Ok)
            }
            Some(Err(e)) if e.is_gone() => {
                // The version is too old to watch from: relist at it (not
                // at "": the server may still list there from its cache).
                tracing::debug!(error = %e, "watcher: watch expired; relisting");
                None
            }
            Some(Err(e)) if e.is_too_many_requests() => self.fail(e, Phase::Listed),
            Some(Err(e)) => self.fail(e, Phase::Start),
            None if events == 0 && opened.elapsed() < VERY_SHORT_WATCH => {
                let e = Error::Transport {
                    operation: "watch".to_owned(),
                    kind: crate::TransportErrorKind::EndedEarly,
                    attempts: 1,
                    source: None,
                };
                tracing::debug!("watcher: very short watch, with no events");
                self.fail(e, Phase::Start)
            }
            None => {
                // A watch ends after its timeout: watch again from here.
                self.phase = Phase::Listed;
                None
            }
        }
    }

    fn saw_version(&mut self, obj: &K) {
        if let Some(rv) = obj.resource_version().filter(|rv| !rv.is_empty()) {
            self.last_sync = Some(rv.to_owned());
        }
    }

    async fn start_streaming(&mut self) -> Option<Result<Event<K>>> {
        let wp = self.watch_params().initial_events();
        // client-go reads a streaming list at "" the first time: a
        // consistent read, then from the last version synced.
        let rv = self.read_at("").unwrap_or_default();
        match self.api.watch(&wp, &rv).await {
            Ok(stream) => {
                self.pending.push_back(Event::Init);
                self.phase = Phase::Streaming { stream };
                None
            }
            Err(e) => self.streaming_failed(e),
        }
    }

    async fn streaming_step(&mut self, mut stream: Watch<K>) -> Option<Result<Event<K>>> {
        let next = if self.streaming == Streaming::Unknown {
            match tokio::time::timeout(STREAMING_SILENCE, stream.next()).await {
                Ok(next) => next,
                Err(_) => {
                    self.no_streaming("no end bookmark");
                    return None;
                }
            }
        } else {
            stream.next().await
        };
        match next {
            Some(Ok(WatchEvent::Bookmark(b))) if b.is_initial_events_end() => {
                self.streaming = Streaming::Yes;
                self.last_sync = Some(b.resource_version).filter(|rv| !rv.is_empty());
                self.version_unavailable = false;
                self.pending.push_back(Event::InitDone);
                // The same stream goes on with the changes.
                self.phase = Phase::Watching {
                    stream,
                    opened: Instant::now(),
                    events: 1,
                };
                None
            }
            // Versions of the initial events are unordered: only the end
            // bookmark's counts.
            Some(Ok(WatchEvent::Added(o) | WatchEvent::Modified(o))) => {
                self.phase = Phase::Streaming { stream };
                Some(Ok(Event::InitApply(o)))
            }
            Some(Ok(WatchEvent::Deleted(_) | WatchEvent::Bookmark(_))) => {
                self.phase = Phase::Streaming { stream };
                None
            }
            Some(Err(e)) => self.streaming_failed(e),
            None if self.streaming == Streaming::Unknown => {
                self.no_streaming("the stream ended before its end bookmark");
                None
            }
            None => {
                let e = Error::Transport {
                    operation: "streaming list".to_owned(),
                    kind: crate::TransportErrorKind::EndedEarly,
                    attempts: 1,
                    source: None,
                };
                self.fail(e, Phase::Start)
            }
        }
    }

    fn streaming_failed(&mut self, e: Error) -> Option<Result<Event<K>>> {
        if version_unavailable(&e) {
            self.version_unavailable = true;
            return None;
        }
        if e.is_invalid() || e.code() == Some(400) {
            // A server without streaming lists refuses `sendInitialEvents`.
            self.no_streaming("the server refused sendInitialEvents");
            return None;
        }
        self.fail(e, Phase::Start)
    }

    fn no_streaming(&mut self, why: &str) {
        tracing::debug!(why, "watcher: no streaming list; listing instead");
        self.streaming = Streaming::No;
        self.phase = Phase::Start;
    }
}

/// The server cannot serve the version asked for: `410 Gone`/`Expired`, or
/// a version newer than it has (`ResourceVersionTooLarge`, or a 504 saying
/// "Too large resource version", as client-go tells it).
fn version_unavailable(e: &Error) -> bool {
    if e.is_gone() {
        return true;
    }
    let Some(status) = e.status() else {
        return false;
    };
    let too_large_cause = status
        .details
        .iter()
        .flat_map(|d| d.causes.iter())
        .any(|c| c.reason.as_deref() == Some("ResourceVersionTooLarge"));
    too_large_cause || (e.is_timeout() && status.message().contains("Too large resource version"))
}
