//! Writing one Event to the server, with client-go's retries
//! (`recordEvent` and `attemptRecording` in `tools/events`).

use std::time::Duration;

use serde_json::json;

use crate::api::events::v1::Event;
use crate::api::{Patch, PatchParams, PostParams};
use crate::runtime::random::Random;
use crate::{Api, Client, Error};

/// How many times one Event is sent before it is given up on.
pub(super) const MAX_TRIES_PER_EVENT: u32 = 12;
/// The wait between tries, before jitter.
pub(super) const RETRY_INTERVAL: Duration = Duration::from_secs(10);
/// Up to this fraction of [`RETRY_INTERVAL`] is added at random, so that
/// clients do not retry in step after the server comes back.
const RETRY_JITTER: f64 = 0.25;

/// Writes `event`: a series as a patch of the Event the first occurrence
/// created, else a create. Failures are logged; returns once the Event is
/// written or given up on.
pub(super) async fn deliver(client: &Client, event: &Event) {
    let mut random = Random::new();
    let mut tries = 0;
    loop {
        tries += 1;
        let Err(error) = record(client, event).await else {
            return;
        };
        let name = event.metadata.name.as_deref().unwrap_or_default();
        if !should_retry(&error, event.series.is_some()) {
            if error.is_already_exists() {
                tracing::debug!(event = name, "events: already recorded; not retrying");
            } else {
                tracing::warn!(event = name, %error, "events: cannot record event; not retrying");
            }
            return;
        }
        if tries >= MAX_TRIES_PER_EVENT {
            tracing::warn!(event = name, %error, tries, "events: cannot record event; giving up");
            return;
        }
        tracing::warn!(event = name, %error, "events: cannot record event; retrying");
        let wait = RETRY_INTERVAL.mul_f64(1.0 + RETRY_JITTER * random.unit());
        tokio::time::sleep(wait).await;
    }
}

async fn record(client: &Client, event: &Event) -> Result<(), Error> {
    let namespace = event.metadata.namespace.as_deref().unwrap_or_default();
    let name = event.metadata.name.as_deref().unwrap_or_default();
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    if let Some(series) = &event.series {
        // The change from the Event as created: only its series.
        let patch = Patch::Strategic(json!({ "series": series }));
        match api.patch(name, &PatchParams::default(), &patch).await {
            // The first create has not landed, or the Event expired:
            // create it whole, series included.
            Err(e) if e.is_not_found() => {}
            other => return other.map(drop),
        }
    }
    // The cached Event never holds a resourceVersion (the server's answers
    // are not kept), so a create never carries a stale one.
    api.create(&PostParams::default(), event).await.map(drop)
}

/// client-go's rule: the server's refusals are final, except that a series
/// whose create found the name taken is patched again (the first create
/// landed in between); failures to reach the server are retried; a request
/// that cannot be built would be built the same next time.
fn should_retry(error: &Error, is_series: bool) -> bool {
    match error {
        Error::Api(_) => is_series && error.is_already_exists(),
        Error::InvalidRequest(_) | Error::Encode(_) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;
    use crate::error::{RequestError, TransportErrorKind};
    use crate::meta::Status;

    fn api_error(code: u16, reason: &str) -> Error {
        Error::from(ApiError {
            status: Status {
                code: Some(code),
                reason: Some(reason.into()),
                ..Status::default()
            },
            operation: "POST /apis/events.k8s.io/v1/namespaces/ns/events".into(),
            attempts: 1,
        })
    }

    #[test]
    fn the_server_s_refusals_are_final_but_a_series_create_that_collides() {
        for (code, reason) in [
            (422, "Invalid"),
            (403, "Forbidden"),
            (404, "NotFound"),
            (500, "InternalError"),
        ] {
            let e = api_error(code, reason);
            assert!(!should_retry(&e, false), "{reason}");
            assert!(!should_retry(&e, true), "{reason}");
        }
        let taken = api_error(409, "AlreadyExists");
        assert!(!should_retry(&taken, false));
        assert!(should_retry(&taken, true));
    }

    #[test]
    fn unreachable_servers_are_retried_and_unbuildable_requests_are_not() {
        let refused = Error::Transport {
            operation: "POST /apis/events.k8s.io/v1/namespaces/ns/events".into(),
            kind: TransportErrorKind::Refused,
            attempts: 1,
            source: None,
        };
        assert!(should_retry(&refused, false));
        let timeout = Error::Timeout {
            operation: "POST".into(),
            timeout: Duration::from_secs(1),
            attempts: 1,
            last: None,
        };
        assert!(should_retry(&timeout, true));
        let invalid = Error::from(RequestError::InvalidParameters("bad"));
        assert!(!should_retry(&invalid, false));
    }
}
