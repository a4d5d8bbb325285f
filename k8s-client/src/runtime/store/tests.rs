use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use crate::api::core::v1::{ConfigMap, Namespace};
use crate::meta::ObjectMeta;

use super::*;

fn meta(namespace: Option<&str>, name: &str, rv: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: namespace.map(str::to_owned),
        uid: Some(format!("uid-{}-{name}", namespace.unwrap_or_default())),
        resource_version: Some(rv.to_owned()),
        ..ObjectMeta::default()
    }
}

fn cm(namespace: &str, name: &str, rv: &str) -> ConfigMap {
    ConfigMap {
        metadata: meta(Some(namespace), name, rv),
        ..ConfigMap::default()
    }
}

fn labelled(namespace: &str, name: &str, rv: &str, app: &str) -> ConfigMap {
    let mut obj = cm(namespace, name, rv);
    obj.metadata.labels = Some(BTreeMap::from([("app".to_owned(), app.to_owned())]));
    obj
}

fn app_index(obj: &ConfigMap) -> Vec<String> {
    let labels = obj.metadata.labels.iter().flatten();
    labels
        .filter(|(k, _)| *k == "app")
        .map(|(_, v)| v.clone())
        .collect()
}

fn sorted<T: Ord>(v: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = v.into_iter().collect();
    v.sort();
    v
}

fn names(objs: &[Arc<ConfigMap>]) -> Vec<String> {
    sorted(objs.iter().map(|o| object_key(&**o)))
}

#[test]
fn handles_cross_threads_and_tasks() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let writer = Writer::<ConfigMap>::new();
    let store = writer.reader();
    send_sync(&writer);
    send_sync(&store);
    // The reflector keeps a relist buffer across awaits; waiters get spawned.
    send_sync(&writer.begin_replace());
    fn send<T: Send>(_: T) {}
    send(store.wait_until_ready());
}

#[test]
fn keys_of_namespaced_and_cluster_objects() {
    assert_eq!(object_key(&cm("web", "settings", "1")), "web/settings");
    let ns = Namespace {
        metadata: meta(None, "web", "1"),
        ..Namespace::default()
    };
    assert_eq!(object_key(&ns), "web");
    assert_eq!(key_of("", "web"), "web");
    assert_eq!(key_of("web", "settings"), "web/settings");
    assert_eq!(split_key("web/settings"), Ok(("web", "settings")));
    assert_eq!(split_key("web"), Ok(("", "web")));
    assert_eq!(split_key("/web"), Ok(("", "web")));
    assert_eq!(
        split_key("a/b/c"),
        Err(StoreError::InvalidKey {
            key: "a/b/c".to_owned()
        })
    );

    let mut writer = Writer::<Namespace>::new();
    writer.apply(Arc::new(ns));
    let store = writer.reader();
    assert!(store.get("web").is_some());
    assert!(store.get_in("", "web").is_some());
    // Cluster-scoped objects are in the namespace index under "".
    assert_eq!(
        store.index_keys(NAMESPACE_INDEX, ""),
        Ok(vec![Arc::from("web")])
    );
}

#[test]
fn apply_update_delete_keep_indexes_consistent() {
    let mut writer = Writer::new();
    let store = writer.reader();
    store.add_indexer("app", app_index).unwrap();

    assert!(
        writer
            .apply(Arc::new(labelled("a", "one", "1", "web")))
            .is_none()
    );
    assert!(
        writer
            .apply(Arc::new(labelled("a", "two", "2", "web")))
            .is_none()
    );
    assert!(
        writer
            .apply(Arc::new(labelled("b", "one", "3", "db")))
            .is_none()
    );
    assert_eq!(store.len(), 3);
    assert_eq!(
        names(&store.by_index("app", "web").unwrap()),
        ["a/one", "a/two"]
    );
    assert_eq!(
        names(&store.by_index(NAMESPACE_INDEX, "a").unwrap()),
        ["a/one", "a/two"]
    );
    assert_eq!(sorted(store.index_values("app").unwrap()), ["db", "web"]);
    assert_eq!(
        sorted(store.index_values(NAMESPACE_INDEX).unwrap()),
        ["a", "b"]
    );

    // An update moves the key to its new value and returns the old object.
    let old = writer
        .apply(Arc::new(labelled("b", "one", "4", "web")))
        .unwrap();
    assert_eq!(old.metadata.resource_version.as_deref(), Some("3"));
    assert_eq!(
        names(&store.by_index("app", "web").unwrap()),
        ["a/one", "a/two", "b/one"]
    );
    // A value with no object left is gone, not an empty set.
    assert_eq!(store.index_values("app").unwrap(), ["web"]);
    assert_eq!(store.by_index("app", "db").unwrap(), []);

    // Deletion by object and by key.
    let gone = writer.delete(&cm("a", "one", "9")).unwrap();
    assert_eq!(gone.metadata.resource_version.as_deref(), Some("1"));
    assert!(writer.delete_key("a/one").is_none());
    assert_eq!(
        writer
            .delete_key("a/two")
            .unwrap()
            .metadata
            .resource_version
            .as_deref(),
        Some("2")
    );
    assert_eq!(store.index_values(NAMESPACE_INDEX).unwrap(), ["b"]);
    assert_eq!(names(&store.by_index("app", "web").unwrap()), ["b/one"]);
    assert_eq!(store.keys(), [Arc::from("b/one")]);
    assert_eq!(
        store
            .get_in("b", "one")
            .unwrap()
            .metadata
            .resource_version
            .as_deref(),
        Some("4")
    );
    assert!(
        !store.has_synced(),
        "watch events alone do not sync a store"
    );
}

#[test]
fn add_indexer_indexes_existing_items_and_later_ones() {
    let mut writer = Writer::new();
    writer.apply(Arc::new(labelled("a", "one", "1", "web")));
    writer.apply(Arc::new(labelled("a", "two", "2", "db")));
    let store = writer.reader();
    store.add_indexer("app", app_index).unwrap();
    assert_eq!(names(&store.by_index("app", "web").unwrap()), ["a/one"]);
    writer.apply(Arc::new(labelled("b", "three", "3", "web")));
    assert_eq!(
        names(&store.by_index("app", "web").unwrap()),
        ["a/one", "b/three"]
    );
}

#[test]
fn indexer_conflicts_and_unknown_indexes_are_errors() {
    let store = Writer::<ConfigMap>::new().reader();
    let conflict = |name: &str| StoreError::IndexerConflict {
        name: name.to_owned(),
    };
    assert_eq!(
        store.add_indexer(NAMESPACE_INDEX, app_index),
        Err(conflict("namespace"))
    );
    store.add_indexer("app", app_index).unwrap();
    assert_eq!(store.add_indexer("app", app_index), Err(conflict("app")));

    let unknown = Err(StoreError::UnknownIndex {
        name: "nope".to_owned(),
    });
    assert_eq!(
        store.by_index("nope", "x").map(|v| v.len()),
        unknown.clone().map(|()| 0)
    );
    assert_eq!(
        store.index_keys("nope", "x"),
        unknown.clone().map(|()| vec![])
    );
    assert_eq!(store.index_values("nope"), unknown.map(|()| vec![]));
}

#[test]
fn relist_reports_adds_updates_and_tombstones_with_last_state() {
    let mut writer = Writer::new();
    let store = writer.reader();
    store.add_indexer("app", app_index).unwrap();
    let mut first = writer.begin_replace();
    first.extend([
        labelled("a", "kept", "1", "web"),
        labelled("a", "changed", "2", "web"),
        labelled("a", "gone", "3", "db"),
    ]);
    writer.commit(first);
    // The last state the store saw of the object that will vanish.
    writer.apply(Arc::new(labelled("a", "gone", "4", "db")));

    let mut relist = writer.begin_replace();
    relist.push(labelled("a", "changed", "5", "db"));
    relist.push(labelled("a", "kept", "1", "web"));
    relist.push(labelled("b", "new", "6", "web"));
    let replaced = writer.commit(relist);

    let listed: Vec<_> = replaced
        .listed
        .iter()
        .map(|l| {
            let previous = l
                .previous
                .as_ref()
                .and_then(|p| p.metadata.resource_version.clone());
            (l.key.to_string(), previous, l.is_unchanged())
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("a/changed".to_owned(), Some("2".to_owned()), false),
            ("a/kept".to_owned(), Some("1".to_owned()), true),
            ("b/new".to_owned(), None, false),
        ]
    );
    assert_eq!(replaced.deleted.len(), 1);
    let tombstone = &replaced.deleted[0];
    assert_eq!(&*tombstone.key, "a/gone");
    assert_eq!(
        tombstone.last_known.metadata.resource_version.as_deref(),
        Some("4")
    );

    // The indexes are those of the new contents.
    assert_eq!(
        sorted(store.keys()),
        [
            Arc::from("a/changed"),
            Arc::from("a/kept"),
            Arc::from("b/new")
        ]
    );
    assert_eq!(names(&store.by_index("app", "db").unwrap()), ["a/changed"]);
    assert_eq!(
        names(&store.by_index("app", "web").unwrap()),
        ["a/kept", "b/new"]
    );
    assert_eq!(
        sorted(store.index_values(NAMESPACE_INDEX).unwrap()),
        ["a", "b"]
    );
}

#[test]
fn relist_shares_unchanged_objects_with_the_store() {
    let mut writer = Writer::new();
    let store = writer.reader();
    let objects: Vec<ConfigMap> = (0..100)
        .map(|i| cm("a", &format!("cm-{i}"), &i.to_string()))
        .collect();
    let mut first = writer.begin_replace();
    first.extend(objects.clone());
    writer.commit(first);
    let before: Vec<Arc<ConfigMap>> = objects
        .iter()
        .map(|o| store.get(&object_key(o)).unwrap())
        .collect();

    // The same objects decoded again, except one with a new resourceVersion
    // and one recreated (same name and resourceVersion, new uid).
    let mut again = objects.clone();
    again[7].metadata.resource_version = Some("new".to_owned());
    again[8].metadata.uid = Some("recreated".to_owned());
    let mut relist = writer.begin_replace();
    relist.extend(again);
    let replaced = writer.commit(relist);

    for (i, old) in before.iter().enumerate() {
        let now = store.get(&object_key(&**old)).unwrap();
        assert_eq!(Arc::ptr_eq(old, &now), i != 7 && i != 8, "object {i}");
    }
    let listed = &replaced.listed;
    assert!(Arc::ptr_eq(
        &listed[0].object,
        listed[0].previous.as_ref().unwrap()
    ));
    let unchanged: Vec<bool> = listed.iter().map(Listed::is_unchanged).collect();
    assert_eq!(unchanged.iter().filter(|u| !**u).count(), 2);
    assert!(!unchanged[7] && !unchanged[8]);
    assert!(replaced.deleted.is_empty());
}

#[test]
fn readers_see_the_old_or_the_new_contents_never_a_mix() {
    let set = |prefix: &str, n: usize| -> Vec<ConfigMap> {
        (0..n)
            .map(|i| cm("a", &format!("{prefix}-{i}"), &format!("{prefix}{i}")))
            .collect()
    };
    let key_set =
        |objs: &[ConfigMap]| -> BTreeSet<String> { objs.iter().map(object_key).collect() };
    let (old, new) = (set("old", 300), set("new", 200));
    let (old_keys, new_keys) = (key_set(&old), key_set(&new));

    let mut writer = Writer::new();
    let store = writer.reader();
    let mut first = writer.begin_replace();
    first.extend(old.clone());
    writer.commit(first);

    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut reads = 0u64;
            while !done.load(Ordering::Relaxed) {
                let len = store.len();
                assert!(len == old_keys.len() || len == new_keys.len(), "len {len}");
                let seen: BTreeSet<String> =
                    store.list().iter().map(|o| object_key(&**o)).collect();
                assert!(
                    seen == old_keys || seen == new_keys,
                    "a mixed store of {} objects",
                    seen.len()
                );
                let in_ns = store.index_keys(NAMESPACE_INDEX, "a").unwrap().len();
                assert!(
                    in_ns == old_keys.len() || in_ns == new_keys.len(),
                    "index of {in_ns}"
                );
                reads += 1;
            }
            reads
        });
        for round in 0..200 {
            let mut relist = writer.begin_replace();
            // Pushed a page at a time, as a paged list arrives.
            let next = if round % 2 == 0 { &new } else { &old };
            for page in next.chunks(50) {
                relist.extend(page.iter().cloned());
            }
            writer.commit(relist);
        }
        done.store(true, Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
    });
}

#[test]
fn indexer_added_during_a_relist_covers_the_new_contents() {
    let mut writer = Writer::new();
    let store = writer.reader();
    let mut relist = writer.begin_replace();
    relist.push(labelled("a", "one", "1", "web"));
    store.add_indexer("app", app_index).unwrap();
    relist.push(labelled("a", "two", "2", "web"));
    writer.commit(relist);
    assert_eq!(
        names(&store.by_index("app", "web").unwrap()),
        ["a/one", "a/two"]
    );
}

#[test]
fn a_buffer_from_another_store_gets_this_stores_indexes() {
    let mut writer = Writer::new();
    let store = writer.reader();
    store.add_indexer("app", app_index).unwrap();
    let other = Writer::<ConfigMap>::new();
    other
        .reader()
        .add_indexer("other", |_: &ConfigMap| vec!["x".to_owned()])
        .unwrap();
    let mut relist = other.begin_replace();
    relist.push(labelled("a", "one", "1", "web"));
    writer.commit(relist);
    assert_eq!(names(&store.by_index("app", "web").unwrap()), ["a/one"]);
    assert!(store.index_values("other").is_err());
    assert!(other.reader().is_empty());
}

/// Polls `fut` once, without waiting for it.
async fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    std::future::poll_fn(|cx| Poll::Ready(std::pin::Pin::new(&mut *fut).poll(cx))).await
}

#[tokio::test]
async fn wait_until_ready_resolves_after_the_first_commit() {
    let mut writer = Writer::new();
    let store = writer.reader();
    let wait = store.wait_until_ready();
    let mut wait = std::pin::pin!(wait);
    assert!(poll_once(&mut wait).await.is_pending());

    writer.apply(Arc::new(cm("a", "one", "1")));
    assert!(
        poll_once(&mut wait).await.is_pending(),
        "a watch event is not a complete list"
    );
    assert!(!store.has_synced());

    let relist = writer.begin_replace();
    assert!(
        poll_once(&mut wait).await.is_pending(),
        "a relist only counts once committed"
    );
    writer.commit(relist);
    assert_eq!(poll_once(&mut wait).await, Poll::Ready(Ok(())));
    assert!(store.has_synced());
    // A store that was synced stays so, and later waiters return at once,
    // even once the writer is gone.
    drop(writer);
    assert_eq!(store.wait_until_ready().await, Ok(()));
    assert!(store.has_synced());
}

#[tokio::test]
async fn wait_until_ready_fails_when_the_writer_is_dropped_first() {
    let writer = Writer::<ConfigMap>::new();
    let store = writer.reader();
    drop(writer);
    assert_eq!(
        store.wait_until_ready().await,
        Err(StoreError::WriterDropped)
    );
}

#[test]
fn drop_managed_fields_clears_only_managed_fields() {
    let mut obj = labelled("a", "one", "1", "web");
    obj.metadata.managed_fields = Some(vec![crate::meta::ManagedFieldsEntry::default()]);
    let transform: Transform<ConfigMap> = Arc::new(drop_managed_fields);
    transform(&mut obj);
    transform(&mut obj);
    assert_eq!(obj, labelled("a", "one", "1", "web"));
}
