//! Named secondary indexes: index value → the keys of the objects that have it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::HasMetadata;

use super::StoreError;

/// An index function: the values under which an object is found in its
/// index (client-go's `IndexFunc`).
///
/// An object may have any number of values, none included. The function
/// runs whenever an object is stored or removed, often under the store's
/// write lock, so it should be quick and must not panic. It cannot fail:
/// an object it has nothing to say about gets an empty `Vec`.
pub type IndexFn<K> = Arc<dyn Fn(&K) -> Vec<String> + Send + Sync>;

/// The name of the index every store has: objects by namespace, `""` for
/// cluster-scoped ones (client-go's `NamespaceIndex`).
pub const NAMESPACE_INDEX: &str = "namespace";

/// The built-in [`NAMESPACE_INDEX`] function: an object's namespace, or `""`
/// (client-go's `MetaNamespaceIndexFunc`).
pub fn namespace_index<K: HasMetadata>(obj: &K) -> Vec<String> {
    vec![obj.namespace().unwrap_or_default().to_owned()]
}

/// One index: its function and the keys it has filed under each value.
struct Index<K> {
    func: IndexFn<K>,
    values: HashMap<String, HashSet<Arc<str>>>,
}

impl<K> Index<K> {
    fn new(func: IndexFn<K>) -> Self {
        Index {
            func,
            values: HashMap::new(),
        }
    }

    /// An index of `items`.
    fn build<'a>(
        func: IndexFn<K>,
        items: impl IntoIterator<Item = (&'a Arc<str>, &'a Arc<K>)>,
    ) -> Self
    where
        K: 'a,
    {
        let mut index = Index::new(func);
        for (key, obj) in items {
            index.update(key, None, Some(obj));
        }
        index
    }

    /// Moves `key` from the values of `old` to those of `new`; `None` on
    /// either side means the object was absent.
    fn update(&mut self, key: &Arc<str>, old: Option<&K>, new: Option<&K>) {
        let old_values = old.map(|o| (self.func)(o)).unwrap_or_default();
        let new_values = new.map(|n| (self.func)(n)).unwrap_or_default();
        // The common case, an update that leaves the indexed values alone.
        if old_values == new_values {
            return;
        }
        for value in &old_values {
            if let Some(keys) = self.values.get_mut(value.as_str()) {
                keys.remove(key);
                // Empty sets would pile up for short-lived objects with
                // many distinct values, as client-go found.
                if keys.is_empty() {
                    self.values.remove(value.as_str());
                }
            }
        }
        for value in new_values {
            self.values
                .entry(value)
                .or_default()
                .insert(Arc::clone(key));
        }
    }
}

/// All of a store's indexes, by name.
pub(super) struct Indexes<K> {
    by_name: HashMap<String, Index<K>>,
}

impl<K: HasMetadata + 'static> Indexes<K> {
    /// The indexes of a new store: the namespace index alone.
    pub(super) fn with_namespace_index() -> Self {
        let mut by_name = HashMap::new();
        let func: IndexFn<K> = Arc::new(namespace_index::<K>);
        by_name.insert(NAMESPACE_INDEX.to_owned(), Index::new(func));
        Indexes { by_name }
    }
}

impl<K> Indexes<K> {
    /// Empty indexes with the same names and functions as `self`.
    pub(super) fn empty_like(&self) -> Self {
        Indexes {
            by_name: self
                .functions()
                .map(|(name, func)| (name.to_owned(), Index::new(Arc::clone(func))))
                .collect(),
        }
    }

    /// The index names and their functions.
    pub(super) fn functions(&self) -> impl Iterator<Item = (&str, &IndexFn<K>)> + Clone {
        self.by_name
            .iter()
            .map(|(name, index)| (name.as_str(), &index.func))
    }

    /// Files `key` under the values of `new` instead of those of `old`, in
    /// every index.
    pub(super) fn update(&mut self, key: &Arc<str>, old: Option<&K>, new: Option<&K>) {
        for index in self.by_name.values_mut() {
            index.update(key, old, new);
        }
    }

    /// Adds an index and files the existing `items` in it.
    pub(super) fn add<'a>(
        &mut self,
        name: String,
        func: IndexFn<K>,
        items: impl IntoIterator<Item = (&'a Arc<str>, &'a Arc<K>)>,
    ) -> Result<(), StoreError>
    where
        K: 'a,
    {
        if self.by_name.contains_key(&name) {
            return Err(StoreError::IndexerConflict { name });
        }
        self.by_name.insert(name, Index::build(func, items));
        Ok(())
    }

    /// Makes these indexes those of `wanted` (same names, same functions),
    /// building any that are missing over `items` and dropping the others.
    ///
    /// A relist buffer calls this at commit: its indexes were copied from the
    /// store when the relist began, and an indexer may have been added since.
    pub(super) fn conform_to<'w>(
        &mut self,
        wanted: impl Iterator<Item = (&'w str, &'w IndexFn<K>)> + Clone,
        items: &HashMap<Arc<str>, Arc<K>>,
    ) where
        K: 'w,
    {
        self.by_name.retain(|name, index| {
            wanted
                .clone()
                .any(|(n, f)| n == name && Arc::ptr_eq(f, &index.func))
        });
        for (name, func) in wanted {
            if !self.by_name.contains_key(name) {
                let index = Index::build(Arc::clone(func), items);
                self.by_name.insert(name.to_owned(), index);
            }
        }
    }

    /// The keys filed under `value` in the index `name`.
    pub(super) fn keys(
        &self,
        name: &str,
        value: &str,
    ) -> Result<Option<&HashSet<Arc<str>>>, StoreError> {
        Ok(self.index(name)?.values.get(value))
    }

    /// Every value the index `name` has at least one key for.
    pub(super) fn values(&self, name: &str) -> Result<Vec<String>, StoreError> {
        Ok(self.index(name)?.values.keys().cloned().collect())
    }

    fn index(&self, name: &str) -> Result<&Index<K>, StoreError> {
        self.by_name
            .get(name)
            .ok_or_else(|| StoreError::UnknownIndex {
                name: name.to_owned(),
            })
    }
}
