//! Decoding one frame of a watch stream into a [`WatchEvent`], or into the
//! [`Error::Api`] an `ERROR` event carries.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::decode::decode_json;
use crate::error::ApiError;
use crate::meta::{Bookmark, Status, WatchEvent, WatchEventType};
use crate::{Error, Result};

/// Decodes one watch frame. An `ERROR` event is returned as the error it
/// reports, with the Status's code (500 when it has none).
pub(crate) fn decode_watch_frame<K: DeserializeOwned>(
    frame: &[u8],
    operation: &str,
) -> Result<WatchEvent<K>> {
    match decode_json::<Frame<K>>(frame, operation, "watch event")? {
        Frame::Event(event) => Ok(event),
        Frame::Error(mut status) => {
            status.code.get_or_insert(500);
            Err(Error::Api(Box::new(ApiError {
                status: *status,
                operation: operation.to_owned(),
                attempts: 1,
            })))
        }
    }
}

/// A frame as it comes: an event, or the Status of an `ERROR`.
enum Frame<K> {
    Event(WatchEvent<K>),
    // Rare, and larger than most events: boxed.
    Error(Box<Status>),
}

impl<'de, K: DeserializeOwned> Deserialize<'de> for Frame<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FrameVisitor(PhantomData))
    }
}

struct FrameVisitor<K>(PhantomData<fn() -> K>);

impl<'de, K: DeserializeOwned> Visitor<'de> for FrameVisitor<K> {
    type Value = Frame<K>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a watch event: {\"type\": ..., \"object\": ...}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Frame<K>, A::Error> {
        let mut event_type: Option<WatchEventType> = None;
        let mut frame: Option<Frame<K>> = None;
        // The server writes `type` first, so the object decodes straight
        // into its type; an object that comes first is held as raw text.
        let mut early_object: Option<Box<RawValue>> = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type => {
                    if event_type.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    event_type = Some(map.next_value::<TypeName>()?.0);
                }
                Key::Object => {
                    if frame.is_some() || early_object.is_some() {
                        return Err(de::Error::duplicate_field("object"));
                    }
                    match event_type {
                        Some(t) => frame = Some(map.next_value_seed(ObjectSeed::<K>::new(t))?),
                        None => early_object = Some(map.next_value()?),
                    }
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let event_type = event_type.ok_or_else(|| de::Error::missing_field("type"))?;
        if let Some(raw) = early_object {
            let mut text = serde_json::Deserializer::from_str(raw.get());
            return ObjectSeed::<K>::new(event_type)
                .deserialize(&mut text)
                .map_err(de::Error::custom);
        }
        frame.ok_or_else(|| de::Error::missing_field("object"))
    }
}

enum Key {
    Type,
    Object,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(match key.as_ref() {
            "type" => Key::Type,
            "object" => Key::Object,
            _ => Key::Other,
        })
    }
}

struct TypeName(WatchEventType);

impl<'de> Deserialize<'de> for TypeName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const TYPES: &[&str] = &["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"];
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(TypeName(match name.as_ref() {
            "ADDED" => WatchEventType::Added,
            "MODIFIED" => WatchEventType::Modified,
            "DELETED" => WatchEventType::Deleted,
            "BOOKMARK" => WatchEventType::Bookmark,
            "ERROR" => WatchEventType::Error,
            other => return Err(de::Error::unknown_variant(other, TYPES)),
        }))
    }
}

/// Decodes the object as the event type says: `K`, a bookmark, or a Status.
struct ObjectSeed<K> {
    event_type: WatchEventType,
    _kind: PhantomData<fn() -> K>,
}

impl<K> ObjectSeed<K> {
    fn new(event_type: WatchEventType) -> Self {
        ObjectSeed {
            event_type,
            _kind: PhantomData,
        }
    }
}

impl<'de, K: DeserializeOwned> DeserializeSeed<'de> for ObjectSeed<K> {
    type Value = Frame<K>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Frame<K>, D::Error> {
        Ok(match self.event_type {
            WatchEventType::Added => Frame::Event(WatchEvent::Added(K::deserialize(d)?)),
            WatchEventType::Modified => Frame::Event(WatchEvent::Modified(K::deserialize(d)?)),
            WatchEventType::Deleted => Frame::Event(WatchEvent::Deleted(K::deserialize(d)?)),
            WatchEventType::Bookmark => {
                Frame::Event(WatchEvent::Bookmark(Bookmark::deserialize(d)?))
            }
            WatchEventType::Error => Frame::Error(Box::new(Status::deserialize(d)?)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Widget {
        spec: Spec,
    }
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Spec {
        size: u32,
    }

    fn decode(frame: &str) -> Result<WatchEvent<Widget>> {
        decode_watch_frame(frame.as_bytes(), "GET /w")
    }

    #[test]
    fn objects_decode_as_the_type_bookmarks_do_not() {
        let added = decode(r#"{"type":"ADDED","object":{"spec":{"size":3}}}"#).unwrap();
        assert_eq!(
            added,
            WatchEvent::Added(Widget {
                spec: Spec { size: 3 }
            })
        );
        // A bookmark's object has no spec, which Widget requires.
        let bookmark = decode(
            r#"{"type":"BOOKMARK","object":{"kind":"Widget","apiVersion":"x/v1","metadata":{"resourceVersion":"9"}}}"#,
        )
        .unwrap();
        match bookmark {
            WatchEvent::Bookmark(b) => assert_eq!(b.resource_version, "9"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_error_event_is_the_error_it_reports() {
        let err = decode(
            r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#,
        )
        .unwrap_err();
        assert!(err.is_gone(), "{err}");
        assert!(
            err.to_string().contains("too old resource version"),
            "{err}"
        );
    }

    #[test]
    fn the_object_may_come_before_the_type() {
        let ev = decode(r#"{"object":{"spec":{"size":1}},"type":"MODIFIED"}"#).unwrap();
        assert_eq!(
            ev,
            WatchEvent::Modified(Widget {
                spec: Spec { size: 1 }
            })
        );
    }

    #[test]
    fn unknown_types_and_bad_objects_are_errors_with_a_path() {
        let err = decode(r#"{"type":"SURPRISE","object":{}}"#).unwrap_err();
        // Named by what was expected: values from the server stay out of messages.
        let text = err.to_string();
        assert!(
            text.contains("at type: unknown variant, expected one of `ADDED`"),
            "{text}"
        );
        match decode(r#"{"type":"ADDED","object":{"spec":{"size":"big"}}}"#).unwrap_err() {
            Error::Decode { path, .. } => assert_eq!(path, "object.spec.size"),
            other => panic!("{other:?}"),
        }
    }
}
