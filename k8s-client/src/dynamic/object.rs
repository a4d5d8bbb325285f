//! [`DynamicObject`]: any object, with typed metadata and everything else as JSON.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{ApiResource, GroupVersionKind};
use crate::meta::{ObjectMeta, TypeMeta};
use crate::{Error, HasMetadata, Resource, Result};

/// An object of any kind: `apiVersion` and `kind`, typed [`ObjectMeta`], and every
/// other top-level field (`spec`, `status`, `data`, …) kept as JSON.
///
/// Decoding and encoding loses nothing: fields appear in `data` exactly as the
/// server sent them.
///
/// ```
/// use k8s_client::dynamic::DynamicObject;
/// let cm: DynamicObject = serde_json::from_value(serde_json::json!({
///     "apiVersion": "v1", "kind": "ConfigMap",
///     "metadata": {"name": "settings"}, "data": {"color": "blue"}
/// })).unwrap();
/// assert_eq!(cm.metadata.name.as_deref(), Some("settings"));
/// assert_eq!(cm.data["data"]["color"], "blue");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DynamicObject {
    /// `apiVersion` and `kind`; `None` when the object carries neither.
    pub types: Option<TypeMeta>,
    /// The object's metadata.
    pub metadata: ObjectMeta,
    /// Every other top-level field, as a JSON object.
    pub data: Value,
}

impl DynamicObject {
    /// An empty object of the resource's kind, named `name`.
    pub fn new(name: &str, resource: &ApiResource) -> Self {
        DynamicObject {
            types: Some(TypeMeta {
                api_version: resource.api_version(),
                kind: resource.kind.clone(),
            }),
            metadata: ObjectMeta {
                name: Some(name.to_owned()),
                ..ObjectMeta::default()
            },
            data: Value::Object(Map::new()),
        }
    }

    /// Sets the namespace.
    #[must_use]
    pub fn within(mut self, namespace: &str) -> Self {
        self.metadata.namespace = Some(namespace.to_owned());
        self
    }

    /// Sets the other top-level fields (`spec`, `data`, …); `data` should be a JSON object.
    #[must_use]
    pub fn data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }

    /// The group, version and kind from `apiVersion` and `kind`, if both are set and valid.
    pub fn gvk(&self) -> Option<GroupVersionKind> {
        let types = self.types.as_ref()?;
        if types.kind.is_empty() {
            return None;
        }
        GroupVersionKind::from_api_version(&types.api_version, &types.kind).ok()
    }

    /// Converts a typed object, setting `apiVersion` and `kind` from its [`Resource`] impl.
    pub fn from_typed<K: Resource + Serialize>(obj: &K) -> Result<DynamicObject> {
        let mut value = serde_json::to_value(obj).map_err(Error::Encode)?;
        if let Value::Object(map) = &mut value {
            map.insert("apiVersion".to_owned(), Value::from(K::API_VERSION));
            map.insert("kind".to_owned(), Value::from(K::KIND));
        }
        let what = format!("{} {}", K::KIND, describe_meta(obj.metadata()));
        serde_path_to_error::deserialize(value).map_err(|e| conversion_error(&what, e))
    }

    /// Converts to a typed object. A field that does not fit is an
    /// [`Error::Decode`] naming the object and the field path.
    pub fn try_into_typed<K: DeserializeOwned>(self) -> Result<K> {
        let what = self.describe();
        let value = serde_json::to_value(&self).map_err(Error::Encode)?;
        serde_path_to_error::deserialize(value).map_err(|e| conversion_error(&what, e))
    }

    /// `Kind ns/name`, for messages.
    fn describe(&self) -> String {
        let kind = self
            .types
            .as_ref()
            .map(|t| t.kind.as_str())
            .filter(|k| !k.is_empty())
            .unwrap_or("object");
        format!("{kind} {}", describe_meta(&self.metadata))
    }
}

fn describe_meta(meta: &ObjectMeta) -> String {
    let name = meta.name.as_deref().unwrap_or_default();
    match &meta.namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_owned(),
    }
}

fn conversion_error(what: &str, e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = e.path().to_string();
    Error::Decode {
        operation: "convert DynamicObject".to_owned(),
        what: what.to_owned(),
        path,
        // The value is gone by now: serde's own messages still lose it.
        cause: crate::rest::redacted(e.into_inner(), None),
    }
}

impl HasMetadata for DynamicObject {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl<'de> Deserialize<'de> for DynamicObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut map = Map::<String, Value>::deserialize(deserializer)?;
        let api_version = take_string(&mut map, "apiVersion").map_err(D::Error::custom)?;
        let kind = take_string(&mut map, "kind").map_err(D::Error::custom)?;
        let types = match (api_version, kind) {
            (None, None) => None,
            (api_version, kind) => Some(TypeMeta {
                api_version: api_version.unwrap_or_default(),
                kind: kind.unwrap_or_default(),
            }),
        };
        let metadata = match map.remove("metadata") {
            None | Some(Value::Null) => ObjectMeta::default(),
            Some(meta) => serde_json::from_value(meta)
                .map_err(|e| D::Error::custom(format_args!("metadata: {e}")))?,
        };
        Ok(DynamicObject {
            types,
            metadata,
            data: Value::Object(map),
        })
    }
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("{key}: expected a string, got {other}")),
    }
}

impl Serialize for DynamicObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let extra = match &self.data {
            Value::Object(map) => Some(map),
            Value::Null => None,
            _ => {
                return Err(serde::ser::Error::custom(
                    "DynamicObject.data must be a JSON object",
                ));
            }
        };
        let mut out = serializer.serialize_map(None)?;
        if let Some(types) = &self.types {
            out.serialize_entry("apiVersion", &types.api_version)?;
            out.serialize_entry("kind", &types.kind)?;
        }
        out.serialize_entry("metadata", &self.metadata)?;
        for (key, value) in extra.into_iter().flatten() {
            if !matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                out.serialize_entry(key, value)?;
            }
        }
        out.end()
    }
}

#[cfg(test)]
mod tests;
