//! The election's record: the fields of a Lease's spec that an elector reads
//! and writes (client-go's `LeaderElectionRecord`).

use crate::api::coordination::v1::LeaseSpec;
use crate::meta::MicroTime;

/// What a Lease says about its holder. Two records are the same change only
/// if every field is equal; an elector notes the local time whenever the
/// record it reads differs from the one it saw last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Record {
    /// Empty when nobody holds the lease (never acquired, or released).
    pub(super) holder: String,
    pub(super) lease_duration_seconds: i32,
    pub(super) acquire_time: Option<MicroTime>,
    pub(super) renew_time: Option<MicroTime>,
    pub(super) transitions: i32,
    pub(super) preferred_holder: Option<String>,
    pub(super) strategy: Option<String>,
}

impl Record {
    /// The record `spec` holds; absent fields read as empty, as in client-go.
    pub(super) fn from_spec(spec: Option<&LeaseSpec>) -> Record {
        let Some(spec) = spec else {
            return Record::default();
        };
        Record {
            holder: spec.holder_identity.clone().unwrap_or_default(),
            lease_duration_seconds: spec.lease_duration_seconds.unwrap_or_default(),
            acquire_time: spec.acquire_time,
            renew_time: spec.renew_time,
            transitions: spec.lease_transitions.unwrap_or_default(),
            preferred_holder: spec.preferred_holder.clone(),
            strategy: spec.strategy.clone(),
        }
    }

    /// The spec that writes this record (client-go's
    /// `LeaderElectionRecordToLeaseSpec`: holder, duration, times and
    /// transitions always set).
    pub(super) fn to_spec(&self) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.holder.clone()),
            lease_duration_seconds: Some(self.lease_duration_seconds),
            acquire_time: self.acquire_time,
            renew_time: self.renew_time,
            lease_transitions: Some(self.transitions),
            preferred_holder: self.preferred_holder.clone(),
            strategy: self.strategy.clone(),
        }
    }

    /// The record `identity` writes to hold the lease now, after `old`
    /// (what the Lease said, if it exists): a holder keeps its acquire time
    /// and the transition count; a new holder counts one more transition.
    pub(super) fn claim(
        identity: &str,
        lease_duration_seconds: i32,
        now: MicroTime,
        old: Option<&Record>,
    ) -> Record {
        let mut record = Record {
            holder: identity.to_owned(),
            lease_duration_seconds,
            acquire_time: Some(now),
            renew_time: Some(now),
            ..Record::default()
        };
        match old {
            Some(old) if old.holder == identity => {
                record.acquire_time = old.acquire_time;
                record.transitions = old.transitions;
            }
            Some(old) => record.transitions = old.transitions.saturating_add(1),
            None => {}
        }
        record
    }

    /// The record that gives the lease up (client-go's `release`): no
    /// holder, a duration of one second, the transitions kept.
    pub(super) fn released(old: &Record, now: MicroTime) -> Record {
        Record {
            holder: String::new(),
            lease_duration_seconds: 1,
            acquire_time: Some(now),
            renew_time: Some(now),
            transitions: old.transitions,
            ..Record::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(micros: i64) -> MicroTime {
        MicroTime::from_unix_micros(micros)
    }

    fn held_by(holder: &str, transitions: i32) -> Record {
        Record {
            holder: holder.to_owned(),
            lease_duration_seconds: 15,
            acquire_time: Some(at(1)),
            renew_time: Some(at(2)),
            transitions,
            ..Record::default()
        }
    }

    #[test]
    fn a_new_holder_counts_a_transition_and_takes_a_new_acquire_time() {
        let r = Record::claim("b", 15, at(10), Some(&held_by("a", 3)));
        assert_eq!(r.holder, "b");
        assert_eq!(r.transitions, 4);
        assert_eq!(r.acquire_time, Some(at(10)));
        assert_eq!(r.renew_time, Some(at(10)));
    }

    #[test]
    fn the_holder_renewing_keeps_acquire_time_and_transitions() {
        let r = Record::claim("a", 15, at(10), Some(&held_by("a", 3)));
        assert_eq!(r.transitions, 3);
        assert_eq!(r.acquire_time, Some(at(1)));
        assert_eq!(r.renew_time, Some(at(10)));
    }

    #[test]
    fn taking_a_released_lease_counts_a_transition() {
        let released = Record::released(&held_by("a", 3), at(5));
        assert_eq!(released.holder, "");
        assert_eq!(released.lease_duration_seconds, 1);
        assert_eq!(released.transitions, 3);
        assert_eq!(
            Record::claim("b", 15, at(10), Some(&released)).transitions,
            4
        );
    }

    #[test]
    fn the_first_holder_starts_at_zero_transitions() {
        assert_eq!(Record::claim("a", 15, at(10), None).transitions, 0);
    }

    #[test]
    fn spec_round_trips() {
        let r = held_by("a", 3);
        assert_eq!(Record::from_spec(Some(&r.to_spec())), r);
        assert_eq!(Record::from_spec(None), Record::default());
    }
}
