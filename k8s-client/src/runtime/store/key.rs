//! Cache keys, as client-go's `MetaNamespaceKeyFunc` makes them.

use crate::HasMetadata;

use super::StoreError;

/// The key of an object in a [`Store`](super::Store): `namespace/name`, or
/// `name` for a cluster-scoped object (client-go's `MetaNamespaceKeyFunc`).
///
/// ```
/// use k8s_client::api::core::v1::{ConfigMap, Namespace};
/// use k8s_client::meta::ObjectMeta;
/// use k8s_client::runtime::store::object_key;
///
/// let cm = ConfigMap {
///     metadata: ObjectMeta {
///         name: Some("settings".into()),
///         namespace: Some("web".into()),
///         ..Default::default()
///     },
///     ..Default::default()
/// };
/// assert_eq!(object_key(&cm), "web/settings");
///
/// let ns = Namespace {
///     metadata: ObjectMeta { name: Some("web".into()), ..Default::default() },
///     ..Default::default()
/// };
/// assert_eq!(object_key(&ns), "web");
/// ```
pub fn object_key<K: HasMetadata + ?Sized>(obj: &K) -> String {
    key_of(obj.namespace().unwrap_or_default(), obj.name())
}

/// The key of the object `name` in `namespace`; an empty namespace means a
/// cluster-scoped object, whose key is its name.
pub fn key_of(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_owned()
    } else {
        let mut key = String::with_capacity(namespace.len() + 1 + name.len());
        key.push_str(namespace);
        key.push('/');
        key.push_str(name);
        key
    }
}

/// Splits a key into `(namespace, name)`, the namespace being `""` for a
/// cluster-scoped key (client-go's `SplitMetaNamespaceKey`).
///
/// ```
/// use k8s_client::runtime::store::split_key;
///
/// assert_eq!(split_key("web/settings").unwrap(), ("web", "settings"));
/// assert_eq!(split_key("node-1").unwrap(), ("", "node-1"));
/// assert!(split_key("a/b/c").is_err());
/// ```
pub fn split_key(key: &str) -> Result<(&str, &str), StoreError> {
    let mut parts = key.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, None) => Ok(("", name)),
        (Some(namespace), Some(name), None) => Ok((namespace, name)),
        _ => Err(StoreError::InvalidKey {
            key: key.to_owned(),
        }),
    }
}
