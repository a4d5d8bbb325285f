//! Retrying read-modify-write cycles on Conflict, as client-go's `retry.RetryOnConflict`.

use std::future::Future;
use std::time::Duration;

use crate::{Error, Result};

/// A backoff schedule: `steps` tries, starting at `duration`, multiplied by
/// `factor` each time, each wait stretched by up to `jitter` of itself.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct RetryBackoff {
    /// How many tries in all.
    pub steps: u32,
    /// The first wait.
    pub duration: Duration,
    /// Growth per step.
    pub factor: f64,
    /// Random extra wait, as a fraction of the wait.
    pub jitter: f64,
}

/// client-go's `retry.DefaultRetry`: 5 steps, 10 ms, factor 1.0, jitter 0.1.
pub const DEFAULT_RETRY: RetryBackoff = RetryBackoff {
    steps: 5,
    duration: Duration::from_millis(10),
    factor: 1.0,
    jitter: 0.1,
};

/// Runs `f` until it succeeds, fails with something other than a Conflict, or
/// the backoff's steps run out (then the last Conflict is returned).
///
/// ```no_run
/// # async fn run(cms: k8s_client::Api<serde_json::Value>) -> Result<(), k8s_client::Error> {
/// use k8s_client::api::{retry_on_conflict, DEFAULT_RETRY, PostParams};
/// retry_on_conflict(DEFAULT_RETRY, || async {
///     let mut cm = cms.get("settings").await?;
///     cm["data"]["mode"] = "fast".into();
///     cms.replace("settings", &PostParams::default(), &cm).await
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn retry_on_conflict<T, F, Fut>(backoff: RetryBackoff, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut wait = backoff.duration;
    let mut step = 1;
    loop {
        match f().await {
            Err(e) if is_retriable_conflict(&e) && step < backoff.steps => {
                let jittered = wait.mul_f64(1.0 + backoff.jitter * random_fraction());
                tokio::time::sleep(jittered).await;
                wait = wait.mul_f64(backoff.factor.max(0.0));
                step += 1;
            }
            other => return other,
        }
    }
}

fn is_retriable_conflict(e: &Error) -> bool {
    e.is_conflict()
}

/// A cheap fraction in [0, 1) for jitter; cryptographic quality is not needed.
fn random_fraction() -> f64 {
    use std::hash::{BuildHasher, RandomState};
    let bits = RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use crate::meta::Status;

    fn conflict() -> Error {
        Error::from(ApiError {
            status: Status {
                reason: Some("Conflict".into()),
                code: Some(409),
                ..Status::default()
            },
            operation: "PUT /x".into(),
            attempts: 1,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn retries_conflicts_up_to_the_step_limit() {
        let mut calls = 0;
        let r: Result<()> = retry_on_conflict(DEFAULT_RETRY, || {
            calls += 1;
            async { Err(conflict()) }
        })
        .await;
        assert!(r.unwrap_err().is_conflict());
        assert_eq!(calls, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn stops_at_success_or_other_errors() {
        let mut calls = 0;
        let r = retry_on_conflict(DEFAULT_RETRY, || {
            calls += 1;
            let n = calls;
            async move { if n < 3 { Err(conflict()) } else { Ok(n) } }
        })
        .await;
        assert_eq!(r.unwrap(), 3);

        let mut calls = 0;
        let r: Result<()> = retry_on_conflict(DEFAULT_RETRY, || {
            calls += 1;
            async {
                Err(Error::InvalidRequest(
                    crate::RequestError::SubresourceWithoutName,
                ))
            }
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls, 1);
    }

    #[test]
    fn jitter_fraction_is_in_range() {
        for _ in 0..100 {
            let f = random_fraction();
            assert!((0.0..1.0).contains(&f));
        }
    }
}
