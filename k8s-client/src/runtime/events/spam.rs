//! client-go's spam filter (`tools/record`'s `EventSourceObjectSpamFilter`):
//! a token bucket per object and type, the most recently used 4096 kept.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tokio::time::Instant;

use super::occurrence::SpamKey;
use crate::token_bucket::TokenBucket;

/// How many events about one object pass at once.
pub const SPAM_BURST: u32 = 25;
/// After the burst, one more event about the object passes per this interval.
pub const SPAM_REFILL_INTERVAL: Duration = Duration::from_secs(300);
/// How many objects' buckets are kept; the least recently used goes first.
pub(super) const SPAM_CACHE_SIZE: usize = 4096;

const SPAM_QPS: f64 = 1.0 / SPAM_REFILL_INTERVAL.as_secs_f64();

/// The buckets, with their last use for least-recently-used eviction.
#[derive(Debug)]
pub(super) struct SpamFilter {
    buckets: HashMap<SpamKey, (Option<TokenBucket>, u64)>,
    by_use: BTreeMap<u64, SpamKey>,
    uses: u64,
    capacity: usize,
}

impl SpamFilter {
    pub(super) fn new() -> Self {
        Self::with_capacity(SPAM_CACHE_SIZE)
    }

    fn with_capacity(capacity: usize) -> Self {
        SpamFilter {
            buckets: HashMap::new(),
            by_use: BTreeMap::new(),
            uses: 0,
            capacity: capacity.max(1),
        }
    }

    /// Whether an event with `key` at `now` is spam: its bucket is empty.
    /// An event that passes takes a token.
    pub(super) fn is_spam(&mut self, key: &SpamKey, now: Instant) -> bool {
        self.uses += 1;
        let use_ = self.uses;
        let slot = match self.buckets.get_mut(key) {
            Some((bucket, last_use)) => {
                self.by_use.remove(last_use);
                *last_use = use_;
                bucket
            }
            None => {
                if self.buckets.len() >= self.capacity {
                    self.evict_least_recent();
                }
                let bucket = TokenBucket::new(SPAM_QPS, SPAM_BURST);
                &mut self.buckets.entry(key.clone()).or_insert((bucket, use_)).0
            }
        };
        self.by_use.insert(use_, key.clone());
        // The rate is a positive constant, so there is always a bucket.
        let Some(bucket) = slot else { return false };
        let spam = bucket.reserve(now) > Duration::ZERO;
        if spam {
            // A refused event takes nothing (client-go's `TryAccept`).
            bucket.give_back();
        }
        spam
    }

    fn evict_least_recent(&mut self) {
        if let Some((_, key)) = self.by_use.pop_first() {
            self.buckets.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::v1::ObjectReference;
    use crate::runtime::events::EventSpec;
    use crate::runtime::events::occurrence::Occurrence;

    fn key(name: &str) -> SpamKey {
        let regarding = ObjectReference {
            kind: Some("ConfigMap".into()),
            name: Some(name.into()),
            namespace: Some("shop".into()),
            ..ObjectReference::default()
        };
        Occurrence::new(&EventSpec::normal("Created", "Reconcile"), &regarding).spam_key()
    }

    fn passed(filter: &mut SpamFilter, key: &SpamKey, now: Instant, n: usize) -> usize {
        (0..n).filter(|_| !filter.is_spam(key, now)).count()
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_25_passes_then_one_per_five_minutes() {
        let mut filter = SpamFilter::new();
        let web = key("web");
        let t0 = Instant::now();
        assert_eq!(passed(&mut filter, &web, t0, 40), 25);
        // Refused events take no tokens: one refill lets exactly one more through.
        tokio::time::advance(SPAM_REFILL_INTERVAL).await;
        assert_eq!(passed(&mut filter, &web, Instant::now(), 10), 1);
        tokio::time::advance(SPAM_REFILL_INTERVAL / 2).await;
        assert_eq!(passed(&mut filter, &web, Instant::now(), 10), 0);
        tokio::time::advance(SPAM_REFILL_INTERVAL * 3).await;
        assert_eq!(passed(&mut filter, &web, Instant::now(), 10), 3);
        // A long quiet time refills the burst, no more.
        tokio::time::advance(SPAM_REFILL_INTERVAL * 1000).await;
        assert_eq!(passed(&mut filter, &web, Instant::now(), 100), 25);
    }

    #[tokio::test(start_paused = true)]
    async fn each_object_has_its_own_bucket() {
        let mut filter = SpamFilter::new();
        let now = Instant::now();
        assert_eq!(passed(&mut filter, &key("web"), now, 30), 25);
        assert_eq!(passed(&mut filter, &key("db"), now, 30), 25);
    }

    #[tokio::test(start_paused = true)]
    async fn the_least_recently_used_bucket_is_forgotten_first() {
        let mut filter = SpamFilter::with_capacity(2);
        let now = Instant::now();
        let (a, b, c) = (key("a"), key("b"), key("c"));
        assert_eq!(passed(&mut filter, &a, now, 30), 25);
        assert_eq!(passed(&mut filter, &b, now, 30), 25);
        // `a` is used again, so `b` is the least recent when `c` arrives.
        assert!(filter.is_spam(&a, now));
        assert_eq!(passed(&mut filter, &c, now, 30), 25);
        assert_eq!(filter.buckets.len(), 2);
        assert_eq!(filter.by_use.len(), 2);
        // `b` starts over with a full bucket; `a` is still empty.
        assert!(filter.is_spam(&a, now));
        assert_eq!(passed(&mut filter, &b, now, 30), 25);
    }
}
