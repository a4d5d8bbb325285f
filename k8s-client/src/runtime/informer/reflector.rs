//! The reflector: the informer's task, from watcher events to the cache and
//! the subscribers.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use super::{ErrorHandler, Hub, Inner, Notification, lock};
use crate::HasMetadata;
use crate::runtime::store::{ReplaceBuffer, Transform, object_key};
use crate::runtime::watcher::{Event, watcher};

pub(super) struct Reflector<K> {
    pub(super) informer: Arc<Inner<K>>,
    pub(super) transform: Option<Transform<K>>,
    pub(super) resync: Option<Duration>,
    pub(super) on_error: Option<ErrorHandler>,
}

/// Whether a change goes to every subscriber or only to those that asked
/// for resyncs (an object that did not change: a relist's or a resync's).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    Everyone,
    ResyncOnly,
}

impl<K: DeserializeOwned + HasMetadata + Send + Sync + 'static> Reflector<K> {
    pub(super) async fn run(self, mut stop: watch::Receiver<bool>) {
        let inner = &self.informer;
        let events = watcher(inner.api.clone(), inner.config.clone());
        let mut events = std::pin::pin!(events);
        let mut relist: Option<ReplaceBuffer<K>> = None;
        let mut resync = self
            .resync
            .map(|period| tokio::time::interval_at(tokio::time::Instant::now() + period, period));
        loop {
            if *stop.borrow() {
                break;
            }
            let tick = async {
                match &mut resync {
                    Some(interval) => {
                        interval.tick().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = stop.changed() => {}
                event = events.next() => match event {
                    Some(Ok(event)) => self.handle(event, &mut relist),
                    Some(Err(e)) => self.report(&e),
                    None => break,
                },
                () = tick => self.resync_all(),
            }
        }
    }

    fn report(&self, e: &crate::Error) {
        tracing::warn!(api = ?self.informer.api, error = %e, "informer: list or watch failed; retrying");
        if let Some(handler) = &self.on_error {
            handler(e);
        }
    }

    fn transformed(&self, mut obj: K) -> K {
        if let Some(t) = &self.transform {
            t(&mut obj);
        }
        obj
    }

    fn handle(&self, event: Event<K>, relist: &mut Option<ReplaceBuffer<K>>) {
        let inner = &self.informer;
        match event {
            Event::Init => {
                *relist = Some(lock(&inner.hub).writer.begin_replace());
            }
            Event::InitApply(obj) => {
                let obj = self.transformed(obj);
                relist
                    .get_or_insert_with(|| lock(&inner.hub).writer.begin_replace())
                    .push(obj);
            }
            Event::InitDone => {
                let buffer = relist
                    .take()
                    .unwrap_or_else(|| lock(&inner.hub).writer.begin_replace());
                let mut hub = lock(&inner.hub);
                let replaced = hub.writer.commit(buffer);
                let first = !hub.synced;
                for listed in replaced.listed {
                    let unchanged = listed.is_unchanged();
                    let (change, audience) = match listed.previous {
                        None => (
                            Notification::Added {
                                object: listed.object,
                                initial: first,
                            },
                            Audience::Everyone,
                        ),
                        Some(old) => (
                            Notification::Updated {
                                old,
                                new: listed.object,
                            },
                            if unchanged {
                                Audience::ResyncOnly
                            } else {
                                Audience::Everyone
                            },
                        ),
                    };
                    hub.fan_out(&listed.key, change, audience);
                }
                for gone in replaced.deleted {
                    let change = Notification::Deleted {
                        object: gone.last_known,
                        final_state_unknown: true,
                    };
                    hub.fan_out(&gone.key, change, Audience::Everyone);
                }
                if first {
                    hub.synced = true;
                    for s in &hub.subscribers {
                        s.mark_synced();
                    }
                }
            }
            Event::Apply(obj) => {
                let obj = Arc::new(self.transformed(obj));
                let key: Arc<str> = object_key(&*obj).into();
                let mut hub = lock(&inner.hub);
                let (change, audience) = match hub.writer.apply(Arc::clone(&obj)) {
                    None => (
                        Notification::Added {
                            object: obj,
                            initial: false,
                        },
                        Audience::Everyone,
                    ),
                    Some(old) => {
                        let same = old.resource_version().is_some()
                            && old.resource_version() == obj.resource_version();
                        let audience = if same {
                            Audience::ResyncOnly
                        } else {
                            Audience::Everyone
                        };
                        (Notification::Updated { old, new: obj }, audience)
                    }
                };
                hub.fan_out(&key, change, audience);
            }
            Event::Delete(obj) => {
                let obj = self.transformed(obj);
                let key: Arc<str> = object_key(&obj).into();
                let mut hub = lock(&inner.hub);
                if hub.writer.delete(&obj).is_some() {
                    let change = Notification::Deleted {
                        object: Arc::new(obj),
                        final_state_unknown: false,
                    };
                    hub.fan_out(&key, change, Audience::Everyone);
                }
            }
        }
    }

    /// Every cached object, unchanged, to the subscribers that asked.
    fn resync_all(&self) {
        let inner = &self.informer;
        let mut hub = lock(&inner.hub);
        if !hub.synced {
            return;
        }
        for object in inner.store.list() {
            let key: Arc<str> = object_key(&*object).into();
            let change = Notification::Updated {
                old: Arc::clone(&object),
                new: object,
            };
            hub.fan_out(&key, change, Audience::ResyncOnly);
        }
    }
}

impl<K> Hub<K> {
    fn fan_out(&mut self, key: &Arc<str>, change: Notification<K>, audience: Audience) {
        self.drop_closed();
        for s in &self.subscribers {
            if audience == Audience::ResyncOnly && !s.resync {
                continue;
            }
            s.push(Arc::clone(key), change.clone());
        }
    }
}
