//! What a caller says about an event: its type, reason, action, note and
//! related object, and who reports it.

use crate::api::core::v1::ObjectReference;
use crate::error::RequestError;

/// The most bytes of a note the server accepts; longer notes are cut.
pub const MAX_NOTE_BYTES: usize = 1024;
/// The most bytes the server accepts in a reason or an action.
pub const MAX_REASON_BYTES: usize = 128;

/// What ends a note that was cut (as the scheduler marks its cut messages).
const CUT_MARK: &str = " ...";

/// How serious an event is; `kubectl events --types` filters on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Something happened as expected.
    Normal,
    /// Something may need attention.
    Warning,
}

impl EventType {
    /// The name the API uses: `Normal` or `Warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// One event to publish about an object (the object is given to
/// [`Recorder::publish`](super::Recorder::publish)).
///
/// ```
/// use k8s_client::runtime::events::{EventSpec, EventType};
///
/// let event = EventSpec::normal("Created", "Reconcile").note("created ConfigMap web-config");
/// assert_eq!(event.type_, EventType::Normal);
/// assert_eq!(event.note.as_deref(), Some("created ConfigMap web-config"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct EventSpec {
    /// Normal or Warning.
    pub type_: EventType,
    /// Why the action was taken, in `UpperCamelCase` (`kubectl events`
    /// shows it as REASON). Required, at most 128 bytes.
    pub reason: String,
    /// What was done or failed, in `UpperCamelCase`, such as `Reconcile`.
    /// Required, at most 128 bytes.
    pub action: String,
    /// A human-readable description (`kubectl events` shows it as MESSAGE);
    /// cut to [`MAX_NOTE_BYTES`] when longer.
    pub note: Option<String>,
    /// A second object the action concerned, such as the Pod a ReplicaSet
    /// created (the Event's `related`).
    pub related: Option<ObjectReference>,
}

impl EventSpec {
    /// A Normal event.
    pub fn normal(reason: impl Into<String>, action: impl Into<String>) -> Self {
        Self::new(EventType::Normal, reason, action)
    }

    /// A Warning event.
    pub fn warning(reason: impl Into<String>, action: impl Into<String>) -> Self {
        Self::new(EventType::Warning, reason, action)
    }

    /// An event of any type.
    pub fn new(type_: EventType, reason: impl Into<String>, action: impl Into<String>) -> Self {
        EventSpec {
            type_,
            reason: reason.into(),
            action: action.into(),
            note: None,
            related: None,
        }
    }

    /// Sets the human-readable description.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Sets the second object the action concerned.
    #[must_use]
    pub fn related(mut self, related: ObjectReference) -> Self {
        self.related = Some(related);
        self
    }

    /// Refuses what the server would refuse for every event: an empty or
    /// too long reason or action.
    pub(super) fn validate(&self) -> Result<(), RequestError> {
        if self.reason.is_empty() || self.reason.len() > MAX_REASON_BYTES {
            return Err(RequestError::InvalidParameters(
                "an event's reason must be 1 to 128 bytes long",
            ));
        }
        if self.action.is_empty() || self.action.len() > MAX_REASON_BYTES {
            return Err(RequestError::InvalidParameters(
                "an event's action must be 1 to 128 bytes long",
            ));
        }
        Ok(())
    }
}

/// The note as sent: at most [`MAX_NOTE_BYTES`], cut at a character
/// boundary and marked with `" ..."` when it was longer; `None` when empty.
pub(super) fn cut_note(note: Option<&str>) -> Option<String> {
    let note = note.filter(|n| !n.is_empty())?;
    if note.len() <= MAX_NOTE_BYTES {
        return Some(note.to_owned());
    }
    let mut end = MAX_NOTE_BYTES - CUT_MARK.len();
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!("{}{CUT_MARK}", &note[..end]))
}

/// Who publishes events: the Event's `reportingController` and
/// `reportingInstance`.
///
/// ```
/// use k8s_client::runtime::events::Reporter;
///
/// // The instance defaults to `<controller>-<hostname>`, as client-go names it.
/// let reporter = Reporter::new("example.com/widget-controller");
/// assert_eq!(reporter.instance, None);
///
/// // In a Pod, the Pod's name tells replicas apart.
/// let reporter = Reporter::new("example.com/widget-controller").instance("widget-controller-7d9f-x2x");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Reporter {
    /// The controller's name, such as `example.com/widget-controller`: it
    /// must be a qualified name (`[prefix/]name`, as labels' keys are).
    pub controller: String,
    /// Which copy of the controller reports, at most 128 bytes; `None` for
    /// `<controller>-<hostname>`, the host name read when the recorder's
    /// task starts.
    pub instance: Option<String>,
}

impl Reporter {
    /// A reporter whose instance is `<controller>-<hostname>`.
    pub fn new(controller: impl Into<String>) -> Self {
        Reporter {
            controller: controller.into(),
            instance: None,
        }
    }

    /// Sets the instance, such as the Pod's name.
    #[must_use]
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }
}

impl From<&str> for Reporter {
    fn from(controller: &str) -> Self {
        Reporter::new(controller)
    }
}

impl From<String> for Reporter {
    fn from(controller: String) -> Self {
        Reporter::new(controller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_notes_are_kept_and_empty_ones_dropped() {
        assert_eq!(cut_note(Some("ok")).as_deref(), Some("ok"));
        assert_eq!(cut_note(Some("")), None);
        assert_eq!(cut_note(None), None);
        let exact = "a".repeat(MAX_NOTE_BYTES);
        assert_eq!(cut_note(Some(&exact)), Some(exact));
    }

    #[test]
    fn long_notes_are_cut_to_the_limit_and_marked() {
        let long = "b".repeat(MAX_NOTE_BYTES + 1);
        let cut = cut_note(Some(&long)).unwrap();
        assert_eq!(cut.len(), MAX_NOTE_BYTES);
        assert!(cut.ends_with("b ..."), "{cut}");
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        // 'é' is two bytes; at an odd offset the cut falls inside one.
        let long = format!("x{}", "é".repeat(MAX_NOTE_BYTES));
        let cut = cut_note(Some(&long)).unwrap();
        assert!(cut.len() <= MAX_NOTE_BYTES);
        assert!(cut.len() >= MAX_NOTE_BYTES - 1);
        assert!(cut.ends_with("é ..."), "{cut}");
    }

    #[test]
    fn reason_and_action_are_required_and_bounded() {
        assert!(EventSpec::normal("Created", "Reconcile").validate().is_ok());
        assert!(EventSpec::normal("", "Reconcile").validate().is_err());
        assert!(EventSpec::normal("Created", "").validate().is_err());
        let long = "R".repeat(MAX_REASON_BYTES + 1);
        assert!(
            EventSpec::warning(long.clone(), "Reconcile")
                .validate()
                .is_err()
        );
        assert!(EventSpec::warning("Failed", long).validate().is_err());
        let longest = "R".repeat(MAX_REASON_BYTES);
        assert!(
            EventSpec::warning(longest.clone(), longest)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn types_use_the_api_names() {
        assert_eq!(EventType::Normal.as_str(), "Normal");
        assert_eq!(EventType::Warning.as_str(), "Warning");
    }
}
