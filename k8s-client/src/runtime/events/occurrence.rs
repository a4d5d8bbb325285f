//! One published event on its way to the server: the Event object it makes
//! (client-go's `makeEvent`) and the keys that group it with others.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use super::spec::{EventSpec, EventType, cut_note};
use crate::api::core::v1::ObjectReference;
use crate::api::events::v1::Event;
use crate::meta::{MicroTime, ObjectMeta};
use crate::runtime::random::Random;

/// Where events about cluster-scoped objects go, as in client-go.
const DEFAULT_NAMESPACE: &str = "default";

/// An event as [`publish`](super::Recorder::publish) saw it.
#[derive(Debug)]
pub(super) struct Occurrence {
    pub(super) type_: EventType,
    pub(super) reason: String,
    pub(super) action: String,
    pub(super) note: Option<String>,
    pub(super) regarding: ObjectReference,
    pub(super) related: Option<ObjectReference>,
    /// The wall-clock time: the Event's name, eventTime, lastObservedTime.
    pub(super) at: SystemTime,
    /// The same moment on the runtime's clock, to judge idleness.
    pub(super) seen: Instant,
}

impl Occurrence {
    pub(super) fn new(spec: &EventSpec, regarding: &ObjectReference) -> Self {
        Occurrence {
            type_: spec.type_,
            reason: spec.reason.clone(),
            action: spec.action.clone(),
            note: cut_note(spec.note.as_deref()),
            regarding: regarding.clone(),
            related: spec.related.clone(),
            at: SystemTime::now(),
            seen: Instant::now(),
        }
    }

    /// The key of the series this occurrence belongs to: client-go's
    /// isomorphic key (the note is not part of it). The reporter is the
    /// same for everything one recorder sees, so it is left out.
    pub(super) fn series_key(&self) -> SeriesKey {
        SeriesKey {
            type_: self.type_,
            action: self.action.clone(),
            reason: self.reason.clone(),
            regarding: ReferenceKey::from(&self.regarding),
            related: self.related.as_ref().map(ReferenceKey::from),
        }
    }

    /// The spam filter's key: the object and the type (client-go's
    /// `getSpamKey`; the source is the recorder itself).
    pub(super) fn spam_key(&self) -> SpamKey {
        let r = &self.regarding;
        SpamKey {
            type_: self.type_,
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            uid: r.uid.clone(),
            api_version: r.api_version.clone(),
        }
    }

    /// The Event object to create for the first occurrence of a series.
    pub(super) fn into_event(self, controller: &str, instance: &str) -> Event {
        let namespace = match self.regarding.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => ns.to_owned(),
            _ => DEFAULT_NAMESPACE.to_owned(),
        };
        let name = event_name(self.regarding.name.as_deref().unwrap_or_default(), self.at);
        Event {
            metadata: ObjectMeta {
                name: Some(name),
                namespace: Some(namespace),
                ..ObjectMeta::default()
            },
            event_time: Some(MicroTime::from(self.at)),
            reporting_controller: Some(controller.to_owned()),
            reporting_instance: Some(instance.to_owned()),
            action: Some(self.action),
            reason: Some(self.reason),
            type_: Some(self.type_.as_str().to_owned()),
            note: self.note,
            regarding: Some(Box::new(self.regarding)),
            related: self.related.map(Box::new),
            ..Event::default()
        }
    }
}

/// What makes two events one series.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct SeriesKey {
    type_: EventType,
    action: String,
    reason: String,
    regarding: ReferenceKey,
    related: Option<ReferenceKey>,
}

/// Whose events share one spam-filter bucket.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct SpamKey {
    type_: EventType,
    kind: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    uid: Option<String>,
    api_version: Option<String>,
}

/// Every field of an [`ObjectReference`], comparable and hashable: client-go
/// compares whole references.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ReferenceKey([Option<String>; 7]);

impl From<&ObjectReference> for ReferenceKey {
    fn from(r: &ObjectReference) -> Self {
        ReferenceKey([
            r.api_version.clone(),
            r.kind.clone(),
            r.namespace.clone(),
            r.name.clone(),
            r.uid.clone(),
            r.resource_version.clone(),
            r.field_path.clone(),
        ])
    }
}

/// `<name>.<unix nanoseconds in hex>`, or a random UUID when that is not a
/// valid object name (client-go's `GenerateEventName`).
pub(super) fn event_name(regarding_name: &str, at: SystemTime) -> String {
    let nanos = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!("{regarding_name}.{nanos:x}");
    if crate::names::is_dns1123_subdomain(&name) {
        name
    } else {
        random_uuid()
    }
}

/// A version 4 UUID, lowercase and hyphenated.
fn random_uuid() -> String {
    let mut random = Random::new();
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        *b = (random.unit() * 256.0) as u8;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn configmap(name: &str) -> ObjectReference {
        ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("ConfigMap".into()),
            namespace: Some("shop".into()),
            name: Some(name.into()),
            uid: Some("u-1".into()),
            resource_version: Some("7".into()),
            field_path: None,
        }
    }

    fn occurrence(spec: &EventSpec, regarding: &ObjectReference) -> Occurrence {
        Occurrence::new(spec, regarding)
    }

    #[test]
    fn names_are_the_object_s_and_the_time_in_hex_nanoseconds() {
        let at = UNIX_EPOCH + Duration::from_nanos(0x17f0_1234_5678_9abc);
        assert_eq!(event_name("web", at), "web.17f0123456789abc");
        assert_eq!(
            event_name("a.b-c", UNIX_EPOCH + Duration::from_nanos(255)),
            "a.b-c.ff"
        );
    }

    #[test]
    fn names_that_are_not_valid_become_uuids() {
        let at = UNIX_EPOCH + Duration::from_nanos(1);
        for bad in ["", "Web", "web_1", "-web", &"x".repeat(252)] {
            let name = event_name(bad, at);
            assert_eq!(name.len(), 36, "{bad:?} gave {name}");
            let parts: Vec<&str> = name.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12]
            );
            assert!(parts[2].starts_with('4'), "{name} is not version 4");
            assert!(
                name.chars()
                    .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
        assert_ne!(event_name("", at), event_name("", at));
    }

    #[test]
    fn subdomains_are_checked_part_by_part() {
        assert!(crate::names::is_dns1123_subdomain("web.17f"));
        assert!(crate::names::is_dns1123_subdomain("a-b.c"));
        assert!(!crate::names::is_dns1123_subdomain("a..b"));
        assert!(!crate::names::is_dns1123_subdomain(".a"));
        assert!(!crate::names::is_dns1123_subdomain("a-.b"));
        assert!(!crate::names::is_dns1123_subdomain(&"a".repeat(254)));
    }

    #[test]
    fn the_event_carries_reporter_reference_and_time() {
        let spec = EventSpec::warning("Failed", "Reconcile")
            .note("boom")
            .related(configmap("other"));
        let o = occurrence(&spec, &configmap("web"));
        let at = o.at;
        let e = o.into_event("example.com/ctl", "ctl-host");
        assert_eq!(e.metadata.namespace.as_deref(), Some("shop"));
        assert!(e.metadata.name.as_deref().unwrap().starts_with("web."));
        assert_eq!(e.event_time, Some(MicroTime::from(at)));
        assert_eq!(e.reporting_controller.as_deref(), Some("example.com/ctl"));
        assert_eq!(e.reporting_instance.as_deref(), Some("ctl-host"));
        assert_eq!(e.type_.as_deref(), Some("Warning"));
        assert_eq!(e.reason.as_deref(), Some("Failed"));
        assert_eq!(e.action.as_deref(), Some("Reconcile"));
        assert_eq!(e.note.as_deref(), Some("boom"));
        assert_eq!(e.regarding.unwrap().name.as_deref(), Some("web"));
        assert_eq!(e.related.unwrap().name.as_deref(), Some("other"));
        assert_eq!(e.series, None);
    }

    #[test]
    fn cluster_scoped_objects_report_into_default() {
        let node = ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("Node".into()),
            name: Some("n1".into()),
            namespace: Some(String::new()),
            ..ObjectReference::default()
        };
        let e = occurrence(&EventSpec::normal("Ready", "Check"), &node).into_event("c", "i");
        assert_eq!(e.metadata.namespace.as_deref(), Some("default"));
        let mut node = node;
        node.namespace = None;
        let e = occurrence(&EventSpec::normal("Ready", "Check"), &node).into_event("c", "i");
        assert_eq!(e.metadata.namespace.as_deref(), Some("default"));
    }

    #[test]
    fn the_series_key_ignores_the_note_and_nothing_else() {
        let web = configmap("web");
        let base = EventSpec::normal("Created", "Reconcile").note("one");
        let key = |spec: &EventSpec, r: &ObjectReference| occurrence(spec, r).series_key();
        let k = key(&base, &web);
        assert_eq!(k, key(&base.clone().note("two"), &web));
        assert_ne!(k, key(&EventSpec::warning("Created", "Reconcile"), &web));
        assert_ne!(k, key(&EventSpec::normal("Updated", "Reconcile"), &web));
        assert_ne!(k, key(&EventSpec::normal("Created", "Cleanup"), &web));
        assert_ne!(k, key(&base.clone().related(configmap("x")), &web));
        assert_ne!(k, key(&base, &configmap("db")));
        // The whole reference counts, as in client-go: another version of
        // the object starts another series.
        let mut newer = web.clone();
        newer.resource_version = Some("8".into());
        assert_ne!(k, key(&base, &newer));
    }

    #[test]
    fn the_spam_key_is_the_object_and_type() {
        let web = configmap("web");
        let key = |spec: &EventSpec, r: &ObjectReference| occurrence(spec, r).spam_key();
        let k = key(&EventSpec::normal("Created", "Reconcile"), &web);
        assert_eq!(
            k,
            key(&EventSpec::normal("Deleted", "Cleanup").note("x"), &web)
        );
        let mut newer = web.clone();
        newer.resource_version = Some("8".into());
        assert_eq!(k, key(&EventSpec::normal("Created", "Reconcile"), &newer));
        assert_ne!(k, key(&EventSpec::warning("Created", "Reconcile"), &web));
        assert_ne!(
            k,
            key(&EventSpec::normal("Created", "Reconcile"), &configmap("db"))
        );
    }
}
