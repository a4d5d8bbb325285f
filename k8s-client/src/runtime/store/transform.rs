//! Transforms: changes made to each object before it is stored.

use std::sync::Arc;

use crate::HasMetadata;

/// A change made to every object before it is stored (client-go's
/// `TransformFunc`), typically to drop what no reader uses and save memory.
///
/// The store never calls it: the reflector does, on each listed or watched
/// object before handing it to the [`Writer`](super::Writer) or a
/// [`ReplaceBuffer`](super::ReplaceBuffer), and never on tombstones. Since
/// the same object can come through more than once (a relist, a resync), a
/// transform must be idempotent. Objects a transform leaves with the same
/// uid and resourceVersion are still recognised as unchanged on a relist.
///
/// ```
/// use std::sync::Arc;
/// use k8s_client::api::core::v1::Pod;
/// use k8s_client::runtime::store::{Transform, drop_managed_fields};
///
/// let strip: Transform<Pod> = Arc::new(drop_managed_fields);
/// let also_annotations: Transform<Pod> = Arc::new(|pod: &mut Pod| {
///     drop_managed_fields(pod);
///     pod.metadata.annotations = None;
/// });
/// ```
pub type Transform<K> = Arc<dyn Fn(&mut K) + Send + Sync>;

/// The transform that drops `metadata.managedFields`, the server-side apply
/// bookkeeping, which is often the largest part of an object's metadata and
/// which controllers rarely read.
///
/// ```
/// use k8s_client::api::core::v1::ConfigMap;
/// use k8s_client::meta::{ManagedFieldsEntry, ObjectMeta};
/// use k8s_client::runtime::store::drop_managed_fields;
///
/// let mut cm = ConfigMap {
///     metadata: ObjectMeta {
///         managed_fields: Some(vec![ManagedFieldsEntry::default()]),
///         ..Default::default()
///     },
///     ..Default::default()
/// };
/// drop_managed_fields(&mut cm);
/// assert_eq!(cm.metadata.managed_fields, None);
/// ```
pub fn drop_managed_fields<K: HasMetadata>(obj: &mut K) {
    obj.metadata_mut().managed_fields = None;
}
