//! What an elector last saw of the Lease, and when by its own clock: the
//! sole basis for judging whether another holder's lease has expired.

use std::time::Duration;

use tokio::time::Instant;

use super::record::Record;

/// The last record seen and the local (monotonic) time it was first seen
/// (client-go's `observedRecord` and `observedTime`). The Lease's
/// `renewTime` is never consulted: another host's clock may be set
/// differently, and a holder that wrote a timestamp in the future must not
/// extend its lease by it.
#[derive(Clone, Debug, Default)]
pub(super) struct Observation {
    seen: Option<(Record, Instant)>,
}

impl Observation {
    /// Notes `record`, read at `now`; the observation time moves only if
    /// the record differs from the last one seen, since an unchanged
    /// record means its holder has not renewed.
    pub(super) fn saw(&mut self, record: Record, now: Instant) {
        match &self.seen {
            Some((last, _)) if *last == record => {}
            _ => self.seen = Some((record, now)),
        }
    }

    /// Notes `record` as written by this elector at `now`.
    pub(super) fn wrote(&mut self, record: Record, now: Instant) {
        self.seen = Some((record, now));
    }

    /// The record seen last.
    pub(super) fn record(&self) -> Option<&Record> {
        self.seen.as_ref().map(|(record, _)| record)
    }

    /// The holder seen last; empty when none (or nothing seen yet).
    pub(super) fn holder(&self) -> &str {
        self.record().map_or("", |r| r.holder.as_str())
    }

    /// Whether the lease seen is still valid at `now`: less than its
    /// `leaseDurationSeconds` has passed since it was seen to change.
    pub(super) fn is_valid(&self, now: Instant) -> bool {
        self.seen.as_ref().is_some_and(|(record, at)| {
            let duration =
                Duration::from_secs(u64::try_from(record.lease_duration_seconds).unwrap_or(0));
            *at + duration > now
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::MicroTime;

    fn held(holder: &str, renew_micros: i64) -> Record {
        Record {
            holder: holder.to_owned(),
            lease_duration_seconds: 15,
            renew_time: Some(MicroTime::from_unix_micros(renew_micros)),
            ..Record::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn expiry_counts_from_the_local_time_the_record_last_changed() {
        let mut seen = Observation::default();
        assert!(!seen.is_valid(Instant::now()));
        let start = Instant::now();
        seen.saw(held("a", 1), start);
        tokio::time::advance(Duration::from_secs(10)).await;
        // The same record again: its holder has not renewed; time stays.
        seen.saw(held("a", 1), Instant::now());
        tokio::time::advance(Duration::from_millis(4999)).await;
        assert!(seen.is_valid(Instant::now()));
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(
            !seen.is_valid(Instant::now()),
            "expired 15 s after it was seen"
        );
        // A renew (a changed record) starts the 15 s afresh.
        seen.saw(held("a", 2), Instant::now());
        tokio::time::advance(Duration::from_secs(14)).await;
        assert!(seen.is_valid(Instant::now()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_renew_time_in_the_far_future_does_not_extend_the_lease() {
        let mut seen = Observation::default();
        // renewTime a year ahead of any clock: ignored.
        let year_ahead = 2_000_000_000_000_000;
        seen.saw(held("a", year_ahead), Instant::now());
        tokio::time::advance(Duration::from_secs(15)).await;
        assert!(!seen.is_valid(Instant::now()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_renew_time_in_the_past_does_not_shorten_it() {
        let mut seen = Observation::default();
        // renewTime at the Unix epoch: the lease is still valid for 15 s
        // from when it was seen.
        seen.saw(held("a", 0), Instant::now());
        tokio::time::advance(Duration::from_secs(14)).await;
        assert!(seen.is_valid(Instant::now()));
    }

    #[tokio::test(start_paused = true)]
    async fn the_records_own_duration_counts() {
        let mut seen = Observation::default();
        let released = Record {
            lease_duration_seconds: 1,
            ..held("", 5)
        };
        seen.saw(released, Instant::now());
        assert_eq!(seen.holder(), "");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(!seen.is_valid(Instant::now()));
    }
}
