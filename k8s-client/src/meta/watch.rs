use serde::{Deserialize, Serialize};

use super::Status;

/// One event of a watch stream.
///
/// On the wire this is `{"type": "ADDED", "object": {...}}`; an `ERROR` event
/// carries a [`Status`] instead of an object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "object", rename_all = "UPPERCASE")]
// Objects are usually larger than a Status, so boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum WatchEvent<K> {
    /// The object was created (or existed when the watch started).
    Added(K),
    /// The object changed.
    Modified(K),
    /// The object was deleted; this is its last state.
    Deleted(K),
    /// A progress marker: only its resourceVersion is meaningful.
    Bookmark(K),
    /// The watch failed, such as with `410 Gone` when the resourceVersion is too old.
    Error(Status),
}

impl<K> WatchEvent<K> {
    /// The event's type.
    pub fn event_type(&self) -> WatchEventType {
        match self {
            WatchEvent::Added(_) => WatchEventType::Added,
            WatchEvent::Modified(_) => WatchEventType::Modified,
            WatchEvent::Deleted(_) => WatchEventType::Deleted,
            WatchEvent::Bookmark(_) => WatchEventType::Bookmark,
            WatchEvent::Error(_) => WatchEventType::Error,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_error_event_as_status() {
        let ev: WatchEvent<serde_json::Value> = serde_json::from_str(
            r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410}}"#,
        )
        .unwrap();
        match ev {
            WatchEvent::Error(s) => assert_eq!(s.code, Some(410)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unknown_event_type_is_an_error() {
        let r: Result<WatchEvent<serde_json::Value>, _> =
            serde_json::from_str(r#"{"type":"SURPRISE","object":{}}"#);
        assert!(r.is_err());
    }
}
