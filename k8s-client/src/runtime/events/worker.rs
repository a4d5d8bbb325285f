//! The recorder's task: it takes what `publish` queued, filters spam, folds
//! repeats into series, and writes Events, several at a time, as client-go's
//! broadcaster and its recording workers do.

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};

use super::hostname::hostname;
use super::occurrence::{Occurrence, SeriesKey};
use super::series::{Delivery, FINISH_TIME, FlushTargets, REFRESH_TIME, SeriesCache};
use super::sink::deliver;
use super::spam::SpamFilter;
use super::spec::Reporter;
use crate::Client;
use crate::meta::MicroTime;

/// How many Events are written at once (client-go's recording workers).
const CONCURRENT_WRITES: usize = 8;

/// What a [`Recorder`](super::Recorder) asks of its task.
#[derive(Debug)]
pub(super) enum Command {
    Publish(Box<Occurrence>),
    /// Answered once everything published before it is written or given up on.
    Flush(oneshot::Sender<()>),
}

struct State {
    cache: SeriesCache,
    spam: SpamFilter,
    controller: String,
    instance: String,
    flushes: Vec<(FlushTargets, oneshot::Sender<()>)>,
}

/// Runs until every [`Recorder`](super::Recorder) is dropped and what was
/// left to write (counts not yet sent included) is written.
pub(super) async fn run(client: Client, reporter: Reporter, mut commands: mpsc::Receiver<Command>) {
    let instance = match reporter.instance {
        Some(instance) => instance,
        None => format!("{}-{}", reporter.controller, hostname().await),
    };
    let mut state = State {
        cache: SeriesCache::default(),
        spam: SpamFilter::new(),
        controller: reporter.controller,
        instance,
        flushes: Vec::new(),
    };
    let start = Instant::now();
    let mut finish = tokio::time::interval_at(start + FINISH_TIME, FINISH_TIME);
    let mut refresh = tokio::time::interval_at(start + REFRESH_TIME, REFRESH_TIME);
    finish.set_missed_tick_behavior(MissedTickBehavior::Delay);
    refresh.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut writes = FuturesUnordered::new();
    let mut open = true;
    loop {
        while writes.len() < CONCURRENT_WRITES {
            let Some(delivery) = state.cache.next_send() else {
                break;
            };
            writes.push(write(client.clone(), delivery));
        }
        state.answer_flushes();
        if !open && writes.is_empty() {
            return;
        }
        tokio::select! {
            command = commands.recv(), if open => match command {
                Some(Command::Publish(occurrence)) => state.observe(*occurrence),
                Some(Command::Flush(done)) => {
                    let targets = state.cache.flush();
                    state.flushes.push((targets, done));
                }
                None => {
                    // Every recorder is gone: write what is left, then end.
                    open = false;
                    state.cache.flush();
                }
            },
            Some((key, count)) = writes.next(), if !writes.is_empty() => state.cache.sent(&key, count),
            _ = finish.tick() => state.cache.finish(Instant::now()),
            _ = refresh.tick() => state.cache.refresh(),
        }
    }
}

async fn write(client: Client, delivery: Delivery) -> (SeriesKey, u32) {
    deliver(&client, &delivery.event).await;
    (delivery.key, delivery.count)
}

impl State {
    fn observe(&mut self, occurrence: Occurrence) {
        let key = occurrence.series_key();
        let at = MicroTime::from(occurrence.at);
        if self.cache.repeat(&key, at, occurrence.seen) {
            return;
        }
        // Only what would create an Event is filtered: a repeat costs no
        // request of its own, it raises a count written later.
        if self.spam.is_spam(&occurrence.spam_key(), occurrence.seen) {
            tracing::debug!(
                reason = occurrence.reason,
                object = occurrence.regarding.name.as_deref().unwrap_or_default(),
                "events: too many events about this object; dropped"
            );
            return;
        }
        let seen = occurrence.seen;
        let event = occurrence.into_event(&self.controller, &self.instance);
        self.cache.start(key, event, seen);
    }

    fn answer_flushes(&mut self) {
        let cache = &self.cache;
        let (done, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.flushes)
            .into_iter()
            .partition(|(targets, _)| cache.is_flushed(targets));
        self.flushes = waiting;
        for (_, answer) in done {
            // The caller may have stopped waiting.
            let _ = answer.send(());
        }
    }
}
