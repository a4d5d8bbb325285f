//! Connections to the server: as many HTTP clients as the open streams need.
//!
//! Over HTTP/2 one connection carries every request, but the server caps
//! the streams it will carry at once (kube-apiserver: 100, from
//! `--http2-max-streams-per-connection`). A request beyond the cap waits
//! for a stream to end, and a watch may never end: with 100 watches open, a
//! GET would wait forever. Go's transport opens another connection when one
//! is full; this pool does the same. Each slot is an HTTP client (one
//! connection under HTTP/2) with a count of its requests in flight, streams
//! included; a request goes to the first slot with room, and a new slot is
//! made when none has any. Slots beyond the first are dropped once they
//! have been idle for [`IDLE_SLOT_TIMEOUT`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::BuildError;

/// kube-apiserver's default cap on concurrent streams per HTTP/2 connection.
pub const DEFAULT_MAX_STREAMS_PER_CONNECTION: usize = 100;

/// How long an extra connection may sit unused before it is closed (Go's
/// `IdleConnTimeout`).
pub(crate) const IDLE_SLOT_TIMEOUT: Duration = Duration::from_secs(90);

type MakeClient = dyn Fn() -> Result<reqwest::Client, BuildError> + Send + Sync;

pub(crate) struct Pool {
    make: Box<MakeClient>,
    max_streams: usize,
    slots: Mutex<Vec<Slot>>,
}

struct Slot {
    http: reqwest::Client,
    usage: Arc<Usage>,
}

#[derive(Default)]
struct Usage {
    in_flight: AtomicUsize,
    /// When the last request in flight ended.
    idle_since: Mutex<Option<Instant>>,
}

/// One request's claim on a slot, given back when dropped: when a body has
/// been read, or a stream is dropped. A connection upgrade's lease is no claim at all: it has a connection
/// of its own, outside the pool.
pub(crate) struct Lease {
    usage: Option<Arc<Usage>>,
}

impl Lease {
    /// A lease on no slot (see `client/upgrade.rs`).
    #[cfg(feature = "ws")]
    pub(crate) fn unpooled() -> Self {
        Lease { usage: None }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let Some(usage) = &self.usage else { return };
        if usage.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            *lock(&usage.idle_since) = Some(Instant::now());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("max_streams", &self.max_streams)
            .field("connections", &lock(&self.slots).len())
            .finish()
    }
}

impl Pool {
    /// A pool whose slots are made by `make`, each carrying at most
    /// `max_streams` requests at once (at least one).
    pub(crate) fn new(make: Box<MakeClient>, max_streams: usize) -> Result<Self, BuildError> {
        let first = Slot {
            http: make()?,
            usage: Arc::default(),
        };
        Ok(Pool {
            make,
            max_streams: max_streams.max(1),
            slots: Mutex::new(vec![first]),
        })
    }

    /// An HTTP client with room for one more request, and the lease that
    /// holds that room.
    pub(crate) fn checkout(&self) -> Result<(reqwest::Client, Lease), BuildError> {
        let mut slots = lock(&self.slots);
        self.drop_idle(&mut slots);
        let free = slots
            .iter()
            .find(|s| s.usage.in_flight.load(Ordering::Acquire) < self.max_streams);
        let slot = match free {
            Some(slot) => slot,
            None => {
                tracing::debug!(
                    connections = slots.len() + 1,
                    "every connection carries {} requests: opening another",
                    self.max_streams
                );
                slots.push(Slot {
                    http: (self.make)()?,
                    usage: Arc::default(),
                });
                // Just pushed, so there is a last slot.
                let last = slots.len() - 1;
                &slots[last]
            }
        };
        slot.usage.in_flight.fetch_add(1, Ordering::AcqRel);
        Ok((
            slot.http.clone(),
            Lease {
                usage: Some(slot.usage.clone()),
            },
        ))
    }

    /// How many connections (slots) the pool holds.
    #[cfg(test)]
    pub(crate) fn connections(&self) -> usize {
        lock(&self.slots).len()
    }

    fn drop_idle(&self, slots: &mut Vec<Slot>) {
        if slots.len() < 2 {
            return;
        }
        let now = Instant::now();
        let mut index = 0;
        slots.retain(|slot| {
            index += 1;
            let idle = slot.usage.in_flight.load(Ordering::Acquire) == 0
                && lock(&slot.usage.idle_since)
                    .is_some_and(|since| now.duration_since(since) >= IDLE_SLOT_TIMEOUT);
            // The first connection stays, idle or not.
            index == 1 || !idle
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(max_streams: usize) -> Pool {
        let settings = crate::client::tls::TlsSettings {
            root_certs: &[],
            accept_invalid_certs: true,
            tls_server_name: None,
        };
        let tls = crate::client::tls::client_config(&settings, Default::default()).unwrap();
        let make = move || {
            reqwest::Client::builder()
                .tls_backend_preconfigured(tls.clone())
                .build()
                .map_err(BuildError::Http)
        };
        Pool::new(Box::new(make), max_streams).unwrap()
    }

    #[test]
    fn a_full_connection_gets_company() {
        let p = pool(2);
        let a = p.checkout().unwrap();
        let b = p.checkout().unwrap();
        assert_eq!(p.connections(), 1);
        let c = p.checkout().unwrap();
        assert_eq!(p.connections(), 2);
        // Room on the first again: it is preferred.
        drop(a);
        let _d = p.checkout().unwrap();
        assert_eq!(p.connections(), 2);
        drop((b, c));
    }

    #[test]
    fn extra_connections_go_once_idle_long_enough() {
        let p = pool(1);
        let a = p.checkout().unwrap();
        let b = p.checkout().unwrap();
        assert_eq!(p.connections(), 2);
        drop(b);
        // Idle, but not for long: kept.
        let _c = p.checkout().unwrap();
        assert_eq!(p.connections(), 2);
        drop(_c);
        // Pretend the second slot has been idle past the timeout.
        {
            let slots = lock(&p.slots);
            *lock(&slots[1].usage.idle_since) = Instant::now().checked_sub(IDLE_SLOT_TIMEOUT);
        }
        drop(a);
        let _e = p.checkout().unwrap();
        assert_eq!(p.connections(), 1);
    }
}
