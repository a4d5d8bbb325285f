//! Publishing `events.k8s.io/v1` Events about objects, as client-go's
//! `tools/events` does: what is recorded shows in `kubectl events` and
//! `kubectl get events`.
//!
//! A [`Recorder`] is made once per controller and cloned freely. Its
//! [`publish`](Recorder::publish) queues the event and returns at once;
//! a task of the recorder's own writes it.
//!
//! ```no_run
//! # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
//! use k8s_client::Api;
//! use k8s_client::api::core::v1::ConfigMap;
//! use k8s_client::runtime::events::{EventSpec, Recorder, Reporter, object_reference};
//!
//! let recorder = Recorder::new(client.clone(), Reporter::new("example.com/widget-controller"))?;
//! let cm = Api::<ConfigMap>::namespaced(client, "shop").get("web-config").await?;
//! recorder.publish(
//!     &EventSpec::normal("Synced", "Reconcile").note("web-config is up to date"),
//!     &object_reference(&cm),
//! )?;
//! // Before the program exits: write what is still queued or counted.
//! recorder.flush().await;
//! # Ok(()) }
//! ```
//!
//! # What is written
//!
//! - The first occurrence of an event creates an Event named
//!   `<object name>.<Unix time in nanoseconds, hex>` (a random UUID when that
//!   is not a valid name), in the object's namespace (`default` for a
//!   cluster-scoped object), with `eventTime`, the reporter's
//!   `reportingController` and `reportingInstance`, and a note of at most
//!   [`MAX_NOTE_BYTES`] (longer ones are cut and end in `" ..."`, as the
//!   scheduler cuts its messages: the server refuses longer notes).
//! - Occurrences with the same type, reason, action, object and related
//!   object (client-go's isomorphic events; the note does not count, and the
//!   whole reference does, resourceVersion included) form a series of one
//!   Event. The second occurrence patches the Event with `series: {count: 2,
//!   lastObservedTime}` at once; later ones only raise the count the recorder
//!   keeps, written by the next of:
//!   - [`Recorder::flush`], which writes every count not yet written;
//!   - the refresh every [`REFRESH_TIME`] (30 min), as in client-go;
//!   - the series' end, [`FINISH_TIME`] (6 min) after its last occurrence,
//!     as in client-go; the series is then forgotten, so a later occurrence
//!     creates a new Event;
//!   - the end of the recorder, once every clone is dropped.
//!
//!   client-go has only the timers; the flush and the final write are there
//!   so that a program that exits soon still leaves exact counts.
//! - Writes are retried as client-go does: up to 12 tries, 10–12.5 s apart,
//!   for failures to reach the server; a refusal by the server is final,
//!   except that a series whose Event is missing is created whole (patch
//!   answered NotFound), and patched again if that create finds the name
//!   taken (AlreadyExists). Failures are logged with `tracing`.
//!
//! # Limits
//!
//! - Spam: as client-go's spam filter, each object (and event type) gets a
//!   token bucket of [`SPAM_BURST`] (25) events, refilled by one every
//!   [`SPAM_REFILL_INTERVAL`] (5 min); events past it are dropped with a
//!   debug log. Only events that would create an Event are counted: repeats
//!   of a series cost no request of their own.
//! - The queue between `publish` and the task holds [`MAX_QUEUED_EVENTS`]
//!   (1000), as client-go's; when it is full, events are dropped with a warning.
//!
//! # Permissions
//!
//! The recorder needs `create` and `patch` on `events` in the group
//! `events.k8s.io`, in the namespaces of the objects it reports on.

mod hostname;
mod occurrence;
mod reference;
mod series;
mod sink;
mod spam;
mod spec;
mod worker;

use std::sync::Arc;

use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};

use crate::api::core::v1::ObjectReference;
use crate::{Client, Error, Result};
use occurrence::Occurrence;
use worker::Command;

pub use reference::{object_reference, object_reference_with};
pub use series::{FINISH_TIME, REFRESH_TIME};
pub use spam::{SPAM_BURST, SPAM_REFILL_INTERVAL};
pub use spec::{EventSpec, EventType, MAX_NOTE_BYTES, MAX_REASON_BYTES, Reporter};

/// How many published events wait for the recorder's task at most.
pub const MAX_QUEUED_EVENTS: usize = 1000;

/// Publishes Events for one reporter; cheap to clone, and every clone shares
/// one queue, one series cache and one spam filter.
///
/// See the [module documentation](self) for what it writes and when.
#[derive(Clone, Debug)]
pub struct Recorder {
    commands: mpsc::Sender<Command>,
    reporter: Arc<Reporter>,
}

impl Recorder {
    /// A recorder for `reporter`, whose task starts now on the current Tokio
    /// runtime ([`Error::NoRuntime`] outside one). The task ends once every
    /// clone is dropped and what was left is written.
    pub fn new(client: Client, reporter: impl Into<Reporter>) -> Result<Self> {
        let reporter = reporter.into();
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime {
            what: "event recorder",
        })?;
        let (commands, queue) = mpsc::channel(MAX_QUEUED_EVENTS);
        runtime.spawn(worker::run(client, reporter.clone(), queue));
        Ok(Recorder {
            commands,
            reporter: Arc::new(reporter),
        })
    }

    /// Who this recorder reports as. With no instance set, the task sets
    /// the Events' `reportingInstance` to `<controller>-<hostname>`.
    pub fn reporter(&self) -> &Reporter {
        &self.reporter
    }

    /// Queues `event` about the object `regarding` refers to (see
    /// [`object_reference`]) and returns at once; the recorder's task writes it.
    ///
    /// Fails only for an event the server would refuse: a reason or an
    /// action that is empty or longer than [`MAX_REASON_BYTES`]. An event
    /// the queue has no room for is dropped with a warning, as in client-go.
    pub fn publish(&self, event: &EventSpec, regarding: &ObjectReference) -> Result<()> {
        event.validate()?;
        match self
            .commands
            .try_send(Command::Publish(Box::new(Occurrence::new(
                event, regarding,
            )))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => tracing::warn!(
                reason = event.reason,
                "events: too many queued events; event dropped"
            ),
            Err(TrySendError::Closed(_)) => tracing::warn!(
                reason = event.reason,
                "events: the recorder's task has ended (its runtime shut down); event dropped"
            ),
        }
        Ok(())
    }

    /// Waits until every event published before the call is written, its
    /// latest series count included, or given up on. While the server
    /// cannot be reached, that takes up to 12 tries (about two minutes);
    /// wrap it in a timeout to wait less.
    pub async fn flush(&self) {
        let (done, answer) = oneshot::channel();
        if self.commands.send(Command::Flush(done)).await.is_ok() {
            // An error means the task ended: nothing is left to wait for.
            let _ = answer.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorder_outside_a_runtime_is_an_error_not_a_panic() {
        let client = test_client();
        let err = Recorder::new(client, "example.com/ctl").unwrap_err();
        assert!(
            matches!(
                err,
                Error::NoRuntime {
                    what: "event recorder"
                }
            ),
            "{err}"
        );
    }

    #[tokio::test]
    async fn publish_refuses_what_the_server_would_and_queues_the_rest() {
        let recorder = Recorder::new(test_client(), "example.com/ctl").unwrap();
        assert_eq!(recorder.reporter().controller, "example.com/ctl");
        let cm = ObjectReference {
            kind: Some("ConfigMap".into()),
            name: Some("web".into()),
            ..ObjectReference::default()
        };
        let err = recorder
            .publish(&EventSpec::normal("", "Reconcile"), &cm)
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{err}");
        recorder
            .publish(&EventSpec::normal("Synced", "Reconcile"), &cm)
            .unwrap();
    }

    fn test_client() -> Client {
        // Nothing listens here; these tests never reach the server.
        let config = crate::Config::new("http://127.0.0.1:9".parse().unwrap());
        Client::try_from(config).unwrap()
    }

    fn _recorder_is_send_and_sync() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Recorder>();
    }
}
