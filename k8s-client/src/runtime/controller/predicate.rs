//! Which updates of the primary resource are worth a reconcile
//! (controller-runtime's predicates).
//!
//! A predicate sees the old and new state of an updated object and says
//! whether to reconcile. Creations and deletions always pass. The resyncs of
//! an informer are updates with the same old and new state, so every
//! predicate here drops them.

use crate::HasMetadata;

/// Whether an update is worth a reconcile.
pub type Predicate<K> = std::sync::Arc<dyn Fn(&K, &K) -> bool + Send + Sync>;

/// The spec changed: `metadata.generation` moved (status-only writes do not
/// move it). Objects without a generation pass on any change of their
/// resourceVersion.
pub fn generation_changed<K: HasMetadata>(old: &K, new: &K) -> bool {
    match (old.metadata().generation, new.metadata().generation) {
        (Some(o), Some(n)) => o != n,
        _ => old.resource_version() != new.resource_version(),
    }
}

/// The labels changed.
pub fn labels_changed<K: HasMetadata>(old: &K, new: &K) -> bool {
    old.metadata().labels != new.metadata().labels
}

/// The annotations changed.
pub fn annotations_changed<K: HasMetadata>(old: &K, new: &K) -> bool {
    old.metadata().annotations != new.metadata().annotations
}

/// The finalizers changed.
pub fn finalizers_changed<K: HasMetadata>(old: &K, new: &K) -> bool {
    old.metadata().finalizers != new.metadata().finalizers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::ObjectMeta;

    fn obj(generation: i64, rv: &str) -> crate::meta::PartialObjectMetadata {
        crate::meta::PartialObjectMetadata {
            metadata: ObjectMeta {
                generation: Some(generation),
                resource_version: Some(rv.into()),
                ..ObjectMeta::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn generation_decides_and_a_resync_never_passes() {
        assert!(generation_changed(&obj(1, "5"), &obj(2, "6")));
        assert!(
            !generation_changed(&obj(1, "5"), &obj(1, "6")),
            "status-only write"
        );
        let same = obj(1, "5");
        assert!(!generation_changed(&same, &same));
        assert!(!labels_changed(&same, &same));
    }
}
