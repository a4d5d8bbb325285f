//! Which object to reconcile: the key controllers queue.

use std::fmt;

use crate::HasMetadata;

/// An object's namespace and name: what a controller's queue holds and its
/// reconcile is called for (controller-runtime's `reconcile.Request`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    /// The namespace; `None` for a cluster-scoped object.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl ObjectRef {
    /// The object `name` in `namespace`.
    pub fn new(namespace: Option<&str>, name: &str) -> Self {
        ObjectRef {
            namespace: namespace.filter(|ns| !ns.is_empty()).map(str::to_owned),
            name: name.to_owned(),
        }
    }

    /// The reference of an object.
    pub fn from_obj<K: HasMetadata + ?Sized>(obj: &K) -> Self {
        ObjectRef::new(obj.namespace(), obj.name())
    }

    /// The cache key of the object: `namespace/name`, or `name`.
    pub fn key(&self) -> String {
        match &self.namespace {
            Some(ns) => crate::runtime::store::key_of(ns, &self.name),
            None => self.name.clone(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}
