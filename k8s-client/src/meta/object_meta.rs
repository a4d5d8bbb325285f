use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Time;

/// Metadata every persisted object has (`metadata` in JSON).
///
/// Fields the server sets (uid, resourceVersion, creationTimestamp, …) are
/// `None` on objects that have not been sent yet.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Unique within a namespace; required when creating unless `generate_name` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A prefix from which the server generates a unique name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<String>,
    /// The namespace, for namespaced kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Deprecated; the server no longer sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// The server-assigned unique id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// An opaque version used for optimistic concurrency and watches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
    /// The generation of the desired state, incremented by the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// When the object was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
    /// When the object will be (or started being) deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    /// Seconds allowed for graceful termination once deletion starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Key/value pairs for selecting objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Key/value pairs for tools; not used for selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Objects this one depends on; the garbage collector deletes it after them.
    #[serde(
        default,
        deserialize_with = "super::exact::opt_vec",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_references: Option<Vec<OwnerReference>>,
    /// Conditions that must clear before the object is removed.
    #[serde(
        default,
        deserialize_with = "super::exact::opt_vec",
        skip_serializing_if = "Option::is_none"
    )]
    pub finalizers: Option<Vec<String>>,
    /// Which field manager owns which fields (server-side apply bookkeeping).
    #[serde(
        default,
        deserialize_with = "super::exact::opt_vec",
        skip_serializing_if = "Option::is_none"
    )]
    pub managed_fields: Option<Vec<ManagedFieldsEntry>>,
}

/// A reference from an object to the object that owns it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// The owner's apiVersion.
    pub api_version: String,
    /// The owner's kind.
    pub kind: String,
    /// The owner's name.
    pub name: String,
    /// The owner's uid.
    pub uid: String,
    /// Whether this reference points at the managing controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// Whether the owner must wait for this object's deletion (foreground deletion).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

/// One field manager's ownership record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedFieldsEntry {
    /// The field manager's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// `Apply` or `Update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The apiVersion the fields were set through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// When the fields were last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
    /// The format of `fields_v1`; only `FieldsV1` exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_type: Option<String>,
    /// The set of owned fields, kept as the raw JSON the server sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields_v1: Option<FieldsV1>,
    /// The subresource the fields were set through, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
}

/// The fields a manager owns (`metav1.FieldsV1`), kept as the JSON text the
/// server sent and parsed only when asked for.
///
/// managedFields is often the largest part of an object, and most programs
/// never read it: one copy of the text costs a fraction of the memory and
/// decode time of a parsed tree. It decodes through `serde_json`'s own
/// deserializers (`from_slice`, `from_reader`, `from_value`), which is how
/// every response is read.
///
/// ```
/// use k8s_client::meta::FieldsV1;
/// let f: FieldsV1 = serde_json::from_str(r#"{"f:data":{".":{}}}"#).unwrap();
/// assert_eq!(f.as_json(), r#"{"f:data":{".":{}}}"#);
/// assert!(f.to_value().unwrap()["f:data"].is_object());
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldsV1(pub(crate) Box<serde_json::value::RawValue>);

impl FieldsV1 {
    /// The JSON text as received.
    pub fn as_json(&self) -> &str {
        self.0.get()
    }

    /// The fields as a parsed JSON value.
    pub fn to_value(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_str(self.0.get())
    }

    /// Fields from a JSON value.
    pub fn from_value(value: &serde_json::Value) -> serde_json::Result<Self> {
        serde_json::value::to_raw_value(value).map(FieldsV1)
    }
}

impl PartialEq for FieldsV1 {
    fn eq(&self, other: &Self) -> bool {
        self.as_json() == other.as_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_v1_kept_raw_from_text_and_from_value() {
        let json =
            r#"{"manager":"m","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}"#;
        let e: ManagedFieldsEntry = serde_json::from_str(json).unwrap();
        let f = e.fields_v1.as_ref().unwrap();
        assert_eq!(f.as_json(), r#"{"f:spec":{"f:replicas":{}}}"#);
        assert_eq!(serde_json::to_string(&e).unwrap(), json);
        // Converting a dynamic object's JSON value into a typed one works too.
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let from_value: ManagedFieldsEntry = serde_json::from_value(v).unwrap();
        assert_eq!(from_value, e);
    }
}
