//! The reflector's backoff: client-go's `wait.Backoff{Duration: 800ms,
//! Factor: 2, Jitter: 1.0, Cap: 30s}`, reset once two minutes pass without
//! a failure.

use std::time::Duration;

use tokio::time::Instant;

use super::random::Random;

/// The first wait after a failure.
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(800);
/// The most a wait grows to before jitter.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Two minutes without a failure start the waits over.
pub const BACKOFF_RESET: Duration = Duration::from_secs(120);

/// Waits that double after each failure, with up to 100% jitter: `d + rand·d`,
/// so 0.8–1.6 s, then 1.6–3.2 s, …, settling in [30, 60) s.
#[derive(Debug)]
pub(crate) struct Backoff {
    next: Duration,
    last_failure: Option<Instant>,
    random: Random,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Backoff {
            next: INITIAL_BACKOFF,
            last_failure: None,
            random: Random::new(),
        }
    }

    /// The wait after a failure now.
    pub(crate) fn next_wait(&mut self, now: Instant) -> Duration {
        if self
            .last_failure
            .is_some_and(|at| now.saturating_duration_since(at) >= BACKOFF_RESET)
        {
            self.next = INITIAL_BACKOFF;
        }
        self.last_failure = Some(now);
        let base = self.next;
        self.next = (base * 2).min(MAX_BACKOFF);
        base.mul_f64(1.0 + self.random.unit())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_jitter_to_the_cap_then_resets_after_two_quiet_minutes() {
        let mut b = Backoff::new();
        let t = Instant::now();
        let mut base = INITIAL_BACKOFF;
        for _ in 0..10 {
            let w = b.next_wait(t);
            assert!(
                w >= base && w < base * 2,
                "{w:?} not in [{base:?}, {:?})",
                base * 2
            );
            base = (base * 2).min(MAX_BACKOFF);
        }
        assert_eq!(base, MAX_BACKOFF);
        let after_quiet = b.next_wait(t + BACKOFF_RESET);
        assert!(after_quiet < INITIAL_BACKOFF * 2, "{after_quiet:?}");
    }
}
