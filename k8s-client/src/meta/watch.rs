use std::collections::BTreeMap;

use serde::Deserialize;

/// One event of a watch stream.
///
/// On the wire this is `{"type": "ADDED", "object": {...}}`. An `ERROR`
/// event is not an event here: the stream yields it as an
/// [`Error::Api`](crate::Error::Api) carrying the server's Status, so
/// `410 Gone` is `Err(e)` with `e.is_gone()`, and that is the only way an
/// ERROR reaches the caller.
#[derive(Clone, Debug, PartialEq)]
// Objects are usually larger than a bookmark, so boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum WatchEvent<K> {
    /// The object was created (or existed when the watch started).
    Added(K),
    /// The object changed.
    Modified(K),
    /// The object was deleted; this is its last state.
    Deleted(K),
    /// A progress marker: the watch has seen everything up to its
    /// resourceVersion. Its object is not decoded as `K` (it carries only
    /// apiVersion, kind and metadata, so a type with a required field could
    /// not hold it).
    Bookmark(Bookmark),
}

impl<K> WatchEvent<K> {
    /// The event's type.
    pub fn event_type(&self) -> WatchEventType {
        match self {
            WatchEvent::Added(_) => WatchEventType::Added,
            WatchEvent::Modified(_) => WatchEventType::Modified,
            WatchEvent::Deleted(_) => WatchEventType::Deleted,
            WatchEvent::Bookmark(_) => WatchEventType::Bookmark,
        }
    }

    /// The object of an Added, Modified or Deleted event.
    pub fn object(&self) -> Option<&K> {
        match self {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => Some(o),
            WatchEvent::Bookmark(_) => None,
        }
    }

    /// The object of an Added, Modified or Deleted event, taken.
    pub fn into_object(self) -> Option<K> {
        match self {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => Some(o),
            WatchEvent::Bookmark(_) => None,
        }
    }
}

/// The annotation a streaming list's last bookmark carries: the initial
/// events are complete (`sendInitialEvents=true`).
pub const INITIAL_EVENTS_END_ANNOTATION: &str = "k8s.io/initial-events-end";

/// What a BOOKMARK event says: how far the watch has come.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bookmark {
    /// The resourceVersion the watch has reached; a new watch can resume here.
    pub resource_version: String,
    /// The bookmark object's annotations, such as
    /// [`INITIAL_EVENTS_END_ANNOTATION`].
    pub annotations: BTreeMap<String, String>,
}

impl Bookmark {
    /// Whether this bookmark ends a streaming list's initial events.
    pub fn is_initial_events_end(&self) -> bool {
        self.annotations
            .get(INITIAL_EVENTS_END_ANNOTATION)
            .is_some_and(|v| v == "true")
    }
}

impl<'de> Deserialize<'de> for Bookmark {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Object {
            #[serde(default)]
            metadata: Metadata,
        }
        #[derive(Default, Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Metadata {
            #[serde(default)]
            resource_version: Option<String>,
            #[serde(default)]
            annotations: Option<BTreeMap<String, String>>,
        }
        let object = Object::deserialize(deserializer)?;
        Ok(Bookmark {
            resource_version: object.metadata.resource_version.unwrap_or_default(),
            annotations: object.metadata.annotations.unwrap_or_default(),
        })
    }
}

/// The type of a [`WatchEvent`], without its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WatchEventType {
    /// `ADDED`
    Added,
    /// `MODIFIED`
    Modified,
    /// `DELETED`
    Deleted,
    /// `BOOKMARK`
    Bookmark,
    /// `ERROR`
    Error,
}

impl WatchEventType {
    /// The type as the wire names it, such as `ADDED`.
    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED",
            WatchEventType::Bookmark => "BOOKMARK",
            WatchEventType::Error => "ERROR",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bookmark_keeps_only_its_version_and_annotations() {
        let b: Bookmark = serde_json::from_str(
            r#"{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}"#,
        )
        .unwrap();
        assert_eq!(b.resource_version, "12");
        assert!(b.is_initial_events_end());
        let plain: Bookmark =
            serde_json::from_str(r#"{"metadata":{"resourceVersion":"3"}}"#).unwrap();
        assert!(!plain.is_initial_events_end());
    }
}
