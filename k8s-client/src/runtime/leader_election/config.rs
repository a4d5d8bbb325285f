//! What an elector campaigns for and how often, validated as client-go's
//! `NewLeaderElector` validates it.

use std::time::Duration;

/// client-go's `JitterFactor`: a candidate retries acquiring after
/// `retry_period` plus up to `JITTER_FACTOR × retry_period`, and the renew
/// deadline must leave room for more than one such retry.
pub const JITTER_FACTOR: f64 = 1.2;
/// How long a lease is valid after its holder last renewed it, as core
/// Kubernetes components default it.
pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(15);
/// How long a leader keeps trying to renew before it gives up leading.
pub const DEFAULT_RENEW_DEADLINE: Duration = Duration::from_secs(10);
/// How long candidates wait between tries to acquire or renew.
pub const DEFAULT_RETRY_PERIOD: Duration = Duration::from_secs(2);

/// Which Lease to hold, who is asking, and the election's timings.
///
/// ```
/// use std::time::Duration;
/// use k8s_client::runtime::leader_election::LeaderElectionConfig;
///
/// let config = LeaderElectionConfig::new("shop", "widget-controller", "pod-7f9c")
///     .lease_duration(Duration::from_secs(30))
///     .renew_deadline(Duration::from_secs(20))
///     .release_on_cancel(true);
/// assert!(config.validate().is_ok());
/// let bad = config.clone().renew_deadline(Duration::from_secs(30));
/// assert_eq!(bad.validate().unwrap_err().field(), "renew_deadline");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaderElectionConfig {
    /// The namespace of the `coordination.k8s.io/v1` Lease.
    pub lease_namespace: String,
    /// The name of the Lease; every candidate of one election names the same.
    pub lease_name: String,
    /// This candidate's identity, written as the Lease's `holderIdentity`;
    /// unique among the candidates (a pod name, or host name plus a random
    /// suffix).
    pub identity: String,
    /// How long others wait, after they last saw the Lease change, before
    /// they may take it (client-go's `LeaseDuration`). Written to the Lease
    /// in whole seconds, rounded up.
    pub lease_duration: Duration,
    /// How long the leader keeps trying to renew, counted from the start of
    /// its last successful renew, before it stops leading (`RenewDeadline`).
    pub renew_deadline: Duration,
    /// The wait between tries (`RetryPeriod`); tries to acquire add up to
    /// [`JITTER_FACTOR`] times as much at random.
    pub retry_period: Duration,
    /// When the leader stops on shutdown (not when it loses the lease), it
    /// clears the Lease's holder, so another candidate can take over at its
    /// next try instead of waiting for the lease to expire
    /// (`ReleaseOnCancel`). Off by default, as in client-go.
    pub release_on_cancel: bool,
}

impl LeaderElectionConfig {
    /// Campaign for the Lease `namespace/name` as `identity`, with the
    /// default timings (15 s, 10 s, 2 s) and no release on cancel.
    pub fn new(
        namespace: impl Into<String>,
        name: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        LeaderElectionConfig {
            lease_namespace: namespace.into(),
            lease_name: name.into(),
            identity: identity.into(),
            lease_duration: DEFAULT_LEASE_DURATION,
            renew_deadline: DEFAULT_RENEW_DEADLINE,
            retry_period: DEFAULT_RETRY_PERIOD,
            release_on_cancel: false,
        }
    }

    /// Sets [`lease_duration`](Self::lease_duration).
    pub fn lease_duration(mut self, duration: Duration) -> Self {
        self.lease_duration = duration;
        self
    }

    /// Sets [`renew_deadline`](Self::renew_deadline).
    pub fn renew_deadline(mut self, deadline: Duration) -> Self {
        self.renew_deadline = deadline;
        self
    }

    /// Sets [`retry_period`](Self::retry_period).
    pub fn retry_period(mut self, period: Duration) -> Self {
        self.retry_period = period;
        self
    }

    /// Sets [`release_on_cancel`](Self::release_on_cancel).
    pub fn release_on_cancel(mut self, release: bool) -> Self {
        self.release_on_cancel = release;
        self
    }

    /// Checks client-go's rules: every duration above zero,
    /// `lease_duration > renew_deadline > JITTER_FACTOR × retry_period`, and
    /// a lease name and an identity that are not empty.
    pub fn validate(&self) -> Result<(), LeaderElectionConfigError> {
        let bad = |field, reason| Err(LeaderElectionConfigError { field, reason });
        if self.lease_namespace.is_empty() {
            return bad("lease_namespace", "must not be empty");
        }
        if self.lease_name.is_empty() {
            return bad("lease_name", "must not be empty");
        }
        if self.identity.is_empty() {
            return bad("identity", "must not be empty");
        }
        if self.lease_duration.is_zero() {
            return bad("lease_duration", "must be greater than zero");
        }
        if self.renew_deadline.is_zero() {
            return bad("renew_deadline", "must be greater than zero");
        }
        if self.retry_period.is_zero() {
            return bad("retry_period", "must be greater than zero");
        }
        if self.lease_duration <= self.renew_deadline {
            return bad("renew_deadline", "must be less than lease_duration");
        }
        if self.renew_deadline <= self.retry_period.mul_f64(JITTER_FACTOR) {
            return bad(
                "renew_deadline",
                "must be greater than retry_period × 1.2 (the jitter factor)",
            );
        }
        Ok(())
    }

    /// The lease duration as the Lease records it: whole seconds, rounded
    /// up so that others never wait less than configured.
    pub(super) fn lease_duration_seconds(&self) -> i32 {
        let secs =
            self.lease_duration.as_secs() + u64::from(self.lease_duration.subsec_nanos() > 0);
        i32::try_from(secs).unwrap_or(i32::MAX)
    }

    /// `namespace/name`, for logs.
    pub(super) fn describe(&self) -> String {
        format!("{}/{}", self.lease_namespace, self.lease_name)
    }
}

/// A [`LeaderElectionConfig`] that breaks one of client-go's rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid leader election config: {field} {reason}")]
pub struct LeaderElectionConfigError {
    field: &'static str,
    reason: &'static str,
}

impl LeaderElectionConfigError {
    /// The field at fault, such as `renew_deadline`.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong with it.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> LeaderElectionConfig {
        LeaderElectionConfig::new("ns", "lock", "me")
    }

    fn field(config: LeaderElectionConfig) -> &'static str {
        config.validate().unwrap_err().field()
    }

    #[test]
    fn defaults_are_client_gos_and_valid() {
        let c = config();
        assert_eq!(c.lease_duration, Duration::from_secs(15));
        assert_eq!(c.renew_deadline, Duration::from_secs(10));
        assert_eq!(c.retry_period, Duration::from_secs(2));
        assert!(!c.release_on_cancel);
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn lease_duration_must_exceed_renew_deadline() {
        let at = config().lease_duration(Duration::from_secs(10));
        assert_eq!(field(at), "renew_deadline");
        let above = config().lease_duration(Duration::from_millis(10_001));
        assert_eq!(above.validate(), Ok(()));
    }

    #[test]
    fn renew_deadline_must_exceed_jittered_retry_period() {
        // 1.2 × 2.5 s = 3 s: a deadline of exactly 3 s is refused, as in client-go.
        let c = config()
            .retry_period(Duration::from_millis(2500))
            .renew_deadline(Duration::from_secs(3));
        let err = c.clone().validate().unwrap_err();
        assert_eq!(err.field(), "renew_deadline");
        assert!(err.to_string().contains("retry_period"), "{err}");
        assert_eq!(
            c.renew_deadline(Duration::from_millis(3001)).validate(),
            Ok(())
        );
    }

    #[test]
    fn short_test_timings_are_valid() {
        let c = config()
            .lease_duration(Duration::from_secs(2))
            .renew_deadline(Duration::from_millis(1500))
            .retry_period(Duration::from_millis(400));
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn empty_identity_and_zero_durations_name_their_field() {
        assert_eq!(
            field(LeaderElectionConfig::new("ns", "lock", "")),
            "identity"
        );
        assert_eq!(
            field(LeaderElectionConfig::new("ns", "", "me")),
            "lease_name"
        );
        assert_eq!(field(config().retry_period(Duration::ZERO)), "retry_period");
        assert_eq!(
            field(config().renew_deadline(Duration::ZERO)),
            "renew_deadline"
        );
        assert_eq!(
            field(config().lease_duration(Duration::ZERO)),
            "lease_duration"
        );
    }

    #[test]
    fn lease_duration_is_written_in_whole_seconds_rounded_up() {
        assert_eq!(config().lease_duration_seconds(), 15);
        let c = config().lease_duration(Duration::from_millis(1500));
        assert_eq!(c.lease_duration_seconds(), 2);
    }
}
