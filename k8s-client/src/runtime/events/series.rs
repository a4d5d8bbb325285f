//! The recorder's memory of the events it has recorded (client-go's
//! `eventCache`): which occurrences are repeats, how often each was seen,
//! what the server was last sent, and what must be sent next. Pure: the
//! worker feeds it occurrences and completed sends, and takes sends from it.
//!
//! One send per series is in flight at a time, so the counts the server sees
//! only grow, and a send always carries the latest count.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::time::Instant;

use super::occurrence::SeriesKey;
use crate::api::events::v1::{Event, EventSeries};
use crate::meta::MicroTime;

/// A series not seen for this long is finished: its last count is written
/// and it is forgotten, so the next occurrence starts a new Event.
pub const FINISH_TIME: Duration = Duration::from_secs(6 * 60);
/// How often every ongoing series is written again, so that the server
/// (which expires events an hour after their last write) keeps it.
pub const REFRESH_TIME: Duration = Duration::from_secs(30 * 60);

#[derive(Debug)]
struct Entry {
    /// The Event as created, without its series.
    event: Event,
    /// Occurrences seen, the first included.
    count: u32,
    last_observed: MicroTime,
    last_seen: Instant,
    /// The count of the last send that finished, written or given up on
    /// (0: none yet).
    settled: u32,
    /// The count being sent.
    in_flight: Option<u32>,
    /// The latest state is to be sent once nothing is in flight.
    due: bool,
    /// Forget the series once its last count is settled.
    finishing: bool,
}

impl Entry {
    fn snapshot(&self) -> Event {
        let mut event = self.event.clone();
        if self.count >= 2 {
            event.series = Some(EventSeries {
                count: i32::try_from(self.count).unwrap_or(i32::MAX),
                last_observed_time: Some(self.last_observed),
            });
        }
        event
    }

    fn is_done(&self) -> bool {
        self.in_flight.is_none() && !self.due && self.settled >= self.count
    }
}

/// One write taken from the cache: the series, the count it carries and the
/// Event to write (with `series` set from the second occurrence on).
#[derive(Debug)]
pub(super) struct Delivery {
    pub(super) key: SeriesKey,
    pub(super) count: u32,
    pub(super) event: Event,
}

/// What a flush waits for: each series' count when the flush was asked.
#[derive(Debug)]
pub(super) struct FlushTargets(Vec<(SeriesKey, u32)>);

#[derive(Debug, Default)]
pub(super) struct SeriesCache {
    entries: HashMap<SeriesKey, Entry>,
    /// Series with a send due and none in flight, in the order they became due.
    ready: VecDeque<SeriesKey>,
}

impl SeriesCache {
    /// Counts a repeat of a known series; `false` if the series is new.
    /// The second occurrence is sent at once (as client-go patches it);
    /// later ones only raise the count until the next flush.
    pub(super) fn repeat(&mut self, key: &SeriesKey, at: MicroTime, seen: Instant) -> bool {
        let Some(entry) = self.entries.get_mut(key) else {
            return false;
        };
        entry.count = entry.count.saturating_add(1);
        entry.last_observed = at;
        entry.last_seen = seen;
        entry.finishing = false;
        if entry.count == 2 {
            self.mark_due(key);
        }
        true
    }

    /// Starts a series with its first occurrence, to be created at once.
    pub(super) fn start(&mut self, key: SeriesKey, event: Event, seen: Instant) {
        let last_observed = event.event_time.unwrap_or_default();
        self.entries.insert(
            key.clone(),
            Entry {
                event,
                count: 1,
                last_observed,
                last_seen: seen,
                settled: 0,
                in_flight: None,
                due: false,
                finishing: false,
            },
        );
        self.mark_due(&key);
    }

    fn mark_due(&mut self, key: &SeriesKey) {
        if let Some(entry) = self.entries.get_mut(key)
            && !entry.due
        {
            entry.due = true;
            if entry.in_flight.is_none() {
                self.ready.push_back(key.clone());
            }
        }
    }

    /// The next send, if one is due; the series is then in flight until
    /// [`sent`](Self::sent).
    pub(super) fn next_send(&mut self) -> Option<Delivery> {
        while let Some(key) = self.ready.pop_front() {
            let Some(entry) = self.entries.get_mut(&key) else {
                continue;
            };
            if !entry.due || entry.in_flight.is_some() {
                continue;
            }
            entry.due = false;
            entry.in_flight = Some(entry.count);
            let event = entry.snapshot();
            return Some(Delivery {
                count: entry.count,
                key,
                event,
            });
        }
        None
    }

    /// A send finished: written, or given up on (the error was logged).
    pub(super) fn sent(&mut self, key: &SeriesKey, count: u32) {
        let Some(entry) = self.entries.get_mut(key) else {
            return;
        };
        entry.in_flight = None;
        entry.settled = entry.settled.max(count);
        if entry.due {
            self.ready.push_back(key.clone());
        } else if entry.finishing && entry.is_done() {
            self.entries.remove(key);
        }
    }

    /// Makes every count not yet sent due, and says which counts a flush
    /// waits for (sends already in flight included).
    pub(super) fn flush(&mut self) -> FlushTargets {
        let mut targets = Vec::new();
        let mut due = Vec::new();
        for (key, entry) in &self.entries {
            if entry.settled < entry.count {
                targets.push((key.clone(), entry.count));
                if entry.in_flight != Some(entry.count) {
                    due.push(key.clone());
                }
            }
        }
        for key in &due {
            self.mark_due(key);
        }
        FlushTargets(targets)
    }

    /// Whether every count `targets` waits for has been settled (or its
    /// series forgotten).
    pub(super) fn is_flushed(&self, targets: &FlushTargets) -> bool {
        targets.0.iter().all(|(key, count)| {
            self.entries
                .get(key)
                .is_none_or(|entry| entry.settled >= *count)
        })
    }

    /// Whether nothing is in flight or due.
    #[cfg(test)]
    pub(super) fn is_idle(&self) -> bool {
        self.ready.is_empty() && self.entries.values().all(|e| e.in_flight.is_none())
    }

    /// Writes every ongoing series again (client-go's periodic refresh).
    pub(super) fn refresh(&mut self) {
        let series: Vec<SeriesKey> = self
            .entries
            .iter()
            .filter(|(_, e)| e.count >= 2)
            .map(|(k, _)| k.clone())
            .collect();
        for key in &series {
            self.mark_due(key);
        }
    }

    /// Finishes the series not seen for [`FINISH_TIME`] before `now`: their
    /// last counts are written, then they are forgotten.
    pub(super) fn finish(&mut self, now: Instant) {
        let mut due = Vec::new();
        self.entries.retain(|key, entry| {
            if now.saturating_duration_since(entry.last_seen) < FINISH_TIME {
                return true;
            }
            if entry.is_done() {
                return false;
            }
            entry.finishing = true;
            if entry.settled < entry.count {
                due.push(key.clone());
            }
            true
        });
        for key in &due {
            self.mark_due(key);
        }
    }

    /// How many series are remembered.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::v1::ObjectReference;
    use crate::runtime::events::EventSpec;
    use crate::runtime::events::occurrence::Occurrence;

    fn first(reason: &str) -> (SeriesKey, Event) {
        let regarding = ObjectReference {
            kind: Some("ConfigMap".into()),
            name: Some("web".into()),
            namespace: Some("shop".into()),
            ..ObjectReference::default()
        };
        let o = Occurrence::new(&EventSpec::normal(reason, "Reconcile"), &regarding);
        (o.series_key(), o.into_event("ctl", "ctl-host"))
    }

    /// Starts a series `Created` and a series `Updated`, both due.
    fn start_two(cache: &mut SeriesCache, now: Instant) -> (SeriesKey, SeriesKey) {
        let (a, ea) = first("Created");
        let (b, eb) = first("Updated");
        cache.start(a.clone(), ea, now);
        cache.start(b.clone(), eb, now);
        (a, b)
    }

    /// Takes every due send and settles it.
    fn settle_all(cache: &mut SeriesCache) {
        while let Some(s) = cache.next_send() {
            cache.sent(&s.key, s.count);
        }
    }

    fn at(micros: i64) -> MicroTime {
        MicroTime::from_unix_micros(micros)
    }

    fn series_of(send: &Delivery) -> Option<(i32, MicroTime)> {
        send.event
            .series
            .as_ref()
            .map(|s| (s.count, s.last_observed_time.unwrap_or_default()))
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_is_created_and_the_second_patched_at_once() {
        let mut cache = SeriesCache::default();
        let now = Instant::now();
        let (key, event) = first("Created");
        assert!(!cache.repeat(&key, at(1), now));
        cache.start(key.clone(), event, now);

        let create = cache.next_send().unwrap();
        assert_eq!((create.count, series_of(&create)), (1, None));
        assert!(cache.next_send().is_none());
        cache.sent(&key, 1);
        assert!(cache.is_idle());

        assert!(cache.repeat(&key, at(2), now));
        let patch = cache.next_send().unwrap();
        assert_eq!(series_of(&patch), Some((2, at(2))));
        cache.sent(&key, 2);

        // Later repeats only count, until a flush.
        for t in 3..=30 {
            assert!(cache.repeat(&key, at(t), now));
        }
        assert!(cache.next_send().is_none());
        let targets = cache.flush();
        assert!(!cache.is_flushed(&targets));
        let flush = cache.next_send().unwrap();
        assert_eq!(series_of(&flush), Some((30, at(30))));
        cache.sent(&key, 30);
        assert!(cache.is_flushed(&targets));
        assert_eq!(cache.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn repeats_during_a_send_go_out_with_the_next_one() {
        let mut cache = SeriesCache::default();
        let now = Instant::now();
        let (key, event) = first("Created");
        cache.start(key.clone(), event, now);
        let create = cache.next_send().unwrap();
        assert_eq!(create.count, 1);
        // While the create is in flight, the series goes on: nothing more is
        // sent for it until the create is done.
        for t in 2..=5 {
            cache.repeat(&key, at(t), now);
        }
        assert!(cache.next_send().is_none());
        let targets = cache.flush();
        assert!(cache.next_send().is_none());
        cache.sent(&key, 1);
        assert!(!cache.is_flushed(&targets));
        let patch = cache.next_send().unwrap();
        assert_eq!(series_of(&patch), Some((5, at(5))));
        cache.sent(&key, 5);
        assert!(cache.is_flushed(&targets));
        assert!(cache.next_send().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_flush_waits_for_a_send_in_flight_and_asks_nothing_new() {
        let mut cache = SeriesCache::default();
        let now = Instant::now();
        let (key, event) = first("Created");
        cache.start(key.clone(), event, now);
        let _create = cache.next_send().unwrap();
        let targets = cache.flush();
        assert!(cache.next_send().is_none());
        assert!(!cache.is_flushed(&targets));
        cache.sent(&key, 1);
        assert!(cache.is_flushed(&targets));
        assert!(cache.next_send().is_none());
        // Nothing left unsent: a flush now waits for nothing.
        let nothing = cache.flush();
        assert!(cache.is_flushed(&nothing));
    }

    #[tokio::test(start_paused = true)]
    async fn series_are_independent() {
        let mut cache = SeriesCache::default();
        let (a, b) = start_two(&mut cache, Instant::now());
        let sa = cache.next_send().unwrap();
        let sb = cache.next_send().unwrap();
        assert_eq!((sa.key, sb.key), (a, b));
        assert_eq!(cache.len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn idle_series_are_finished_with_their_last_count_then_forgotten() {
        let mut cache = SeriesCache::default();
        let t0 = Instant::now();
        let (_single, series) = start_two(&mut cache, t0);
        settle_all(&mut cache);
        cache.repeat(&series, at(2), t0);
        settle_all(&mut cache);
        cache.repeat(&series, at(3), t0);

        // Not yet idle for long enough.
        cache.finish(t0 + FINISH_TIME - Duration::from_secs(1));
        assert_eq!(cache.len(), 2);
        assert!(cache.next_send().is_none());

        cache.finish(t0 + FINISH_TIME);
        // The singleton had nothing left to send: forgotten at once.
        assert_eq!(cache.len(), 1);
        let last = cache.next_send().unwrap();
        assert_eq!(series_of(&last), Some((3, at(3))));
        cache.sent(&series, 3);
        assert_eq!(cache.len(), 0);
        // The next occurrence starts a new Event.
        assert!(!cache.repeat(&series, at(4), t0 + FINISH_TIME));
    }

    #[tokio::test(start_paused = true)]
    async fn an_occurrence_while_finishing_keeps_the_series() {
        let mut cache = SeriesCache::default();
        let t0 = Instant::now();
        let (key, event) = first("Created");
        cache.start(key.clone(), event, t0);
        cache.repeat(&key, at(2), t0);
        let create = cache.next_send().unwrap();
        cache.finish(t0 + FINISH_TIME);
        let later = t0 + FINISH_TIME + Duration::from_secs(1);
        assert!(cache.repeat(&key, at(3), later));
        cache.sent(&key, create.count);
        assert_eq!(cache.len(), 1);
        let patch = cache.next_send().unwrap();
        assert_eq!(series_of(&patch), Some((3, at(3))));
        cache.sent(&key, 3);
        assert_eq!(cache.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refresh_writes_every_series_again_but_no_singletons() {
        let mut cache = SeriesCache::default();
        let now = Instant::now();
        let (_single, series) = start_two(&mut cache, now);
        cache.repeat(&series, at(2), now);
        settle_all(&mut cache);
        cache.refresh();
        let again = cache.next_send().unwrap();
        assert_eq!(again.key, series);
        assert_eq!(series_of(&again), Some((2, at(2))));
        assert!(cache.next_send().is_none());
    }
}
