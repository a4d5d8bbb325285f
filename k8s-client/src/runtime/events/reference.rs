//! References to the objects events are about (client-go's
//! `reference.GetReference`).

use crate::api::core::v1::ObjectReference;
use crate::dynamic::ApiResource;
use crate::{HasMetadata, Resource};

/// A reference to `object`: its apiVersion, kind, namespace, name, uid and
/// resourceVersion, as client-go's `reference.GetReference` makes it.
///
/// ```
/// use k8s_client::api::core::v1::ConfigMap;
/// use k8s_client::meta::ObjectMeta;
/// use k8s_client::runtime::events::object_reference;
///
/// let cm = ConfigMap {
///     metadata: ObjectMeta {
///         name: Some("web-config".into()),
///         namespace: Some("shop".into()),
///         ..ObjectMeta::default()
///     },
///     ..ConfigMap::default()
/// };
/// let reference = object_reference(&cm);
/// assert_eq!(reference.kind.as_deref(), Some("ConfigMap"));
/// assert_eq!(reference.api_version.as_deref(), Some("v1"));
/// assert_eq!(reference.name.as_deref(), Some("web-config"));
/// ```
pub fn object_reference<K: Resource>(object: &K) -> ObjectReference {
    reference(object, K::API_VERSION.to_owned(), K::KIND.to_owned())
}

/// A reference to an object whose type is known at run time, such as a
/// [`DynamicObject`](crate::dynamic::DynamicObject) of `resource`.
pub fn object_reference_with(object: &impl HasMetadata, resource: &ApiResource) -> ObjectReference {
    reference(object, resource.api_version(), resource.kind.clone())
}

fn reference(object: &impl HasMetadata, api_version: String, kind: String) -> ObjectReference {
    let meta = object.metadata();
    ObjectReference {
        api_version: Some(api_version),
        kind: Some(kind),
        namespace: meta.namespace.clone(),
        name: meta.name.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        field_path: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::coordination::v1::Lease;
    use crate::dynamic::DynamicObject;
    use crate::meta::ObjectMeta;

    fn meta() -> ObjectMeta {
        ObjectMeta {
            name: Some("web".into()),
            namespace: Some("shop".into()),
            uid: Some("8d1c".into()),
            resource_version: Some("42".into()),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn typed_objects_give_their_group_version_and_kind() {
        let lease = Lease {
            metadata: meta(),
            ..Lease::default()
        };
        let r = object_reference(&lease);
        assert_eq!(r.api_version.as_deref(), Some("coordination.k8s.io/v1"));
        assert_eq!(r.kind.as_deref(), Some("Lease"));
        assert_eq!(r.namespace.as_deref(), Some("shop"));
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.uid.as_deref(), Some("8d1c"));
        assert_eq!(r.resource_version.as_deref(), Some("42"));
        assert_eq!(r.field_path, None);
    }

    #[test]
    fn dynamic_objects_take_the_resource_s() {
        let ar = ApiResource::new("example.com", "v1", "Widget", "widgets", true);
        let mut w = DynamicObject::new("web", &ar);
        w.metadata = meta();
        let r = object_reference_with(&w, &ar);
        assert_eq!(r.api_version.as_deref(), Some("example.com/v1"));
        assert_eq!(r.kind.as_deref(), Some("Widget"));
        assert_eq!(r.name.as_deref(), Some("web"));
    }
}
