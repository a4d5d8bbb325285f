//! Watchers, informers and the factory against the real control plane.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_client::api::core::v1::ConfigMap;
use k8s_client::api::{DeleteParams, Patch, PatchParams, PostParams, WatchParams};
use k8s_client::meta::{ObjectMeta, WatchEvent};
use k8s_client::runtime::InformerFactory;
use k8s_client::runtime::informer::{Notification, SharedInformer, Subscription};
use k8s_client::runtime::store::{NAMESPACE_INDEX, drop_managed_fields};
use k8s_client::runtime::watcher::{InitialList, ListSemantic, WatcherConfig};
use k8s_client::{Api, AttemptInfo, Client, ClientBuilder, RequestInfo, RequestObserver};
use k8s_testenv::Kind;
use serde_json::json;

use crate::env::{config, kubectl, namespace};

/// Counts the LIST and WATCH requests a client sends.
#[derive(Default)]
pub struct Requests {
    lists: AtomicU32,
    watches: AtomicU32,
}

impl RequestObserver for Requests {
    fn attempt_finished(&self, request: &RequestInfo<'_>, _attempt: &AttemptInfo) {
        let collection = !request.url_template.ends_with("{name}");
        if request.watch {
            self.watches.fetch_add(1, Ordering::SeqCst);
        } else if request.verb == k8s_client::rest::Verb::Get && collection {
            self.lists.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Requests {
    pub fn lists(&self) -> u32 {
        self.lists.load(Ordering::SeqCst)
    }
    pub fn watches(&self) -> u32 {
        self.watches.load(Ordering::SeqCst)
    }
}

/// A client with no client-side rate limit, whose requests are counted.
pub async fn counted_client() -> (Client, Arc<Requests>) {
    let mut cfg = config(Kind::Admin).await;
    cfg.qps = -1.0;
    let requests = Arc::new(Requests::default());
    let client = ClientBuilder::from_config(cfg)
        .observer(requests.clone())
        .build()
        .unwrap();
    (client, requests)
}

pub fn configmap(name: &str, value: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            labels: Some(BTreeMap::from([("e2e".to_owned(), "informer".to_owned())])),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("v".to_owned(), value.to_owned())])),
        ..ConfigMap::default()
    }
}

/// Waits (at most 60 s) until `check` holds.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The next notification, within 30 s.
pub async fn next<K>(sub: &mut Subscription<K>) -> Notification<K> {
    next_within(sub, Duration::from_secs(30)).await
}

/// The next notification, within `limit`.
async fn next_within<K>(sub: &mut Subscription<K>, limit: Duration) -> Notification<K> {
    tokio::time::timeout(limit, sub.recv())
        .await
        .unwrap_or_else(|_| panic!("no notification within {limit:?}"))
        .expect("subscription ended")
}

fn name_of(n: &Notification<ConfigMap>) -> String {
    n.object().metadata.name.clone().unwrap_or_default()
}

fn value_of(cm: &ConfigMap) -> String {
    cm.data
        .as_ref()
        .and_then(|d| d.get("v"))
        .cloned()
        .unwrap_or_default()
}

/// The names and values kubectl lists in `ns` (label e2e=informer).
pub async fn kubectl_values(ns: &str) -> BTreeMap<String, String> {
    let out = kubectl(&[
        "get",
        "configmaps",
        "-n",
        ns,
        "-l",
        "e2e=informer",
        "-o",
        "json",
    ])
    .await;
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cm| {
            (
                cm["metadata"]["name"].as_str().unwrap().to_owned(),
                cm["data"]["v"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub fn store_values(informer: &SharedInformer<ConfigMap>) -> BTreeMap<String, String> {
    informer
        .store()
        .list()
        .iter()
        .filter(|cm| {
            cm.metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key("e2e"))
        })
        .map(|cm| (cm.metadata.name.clone().unwrap_or_default(), value_of(cm)))
        .collect()
}

#[tokio::test]
async fn informer_lists_1200_configmaps_in_pages_of_500_then_syncs() {
    let ns = namespace("inf-pages").await;
    let (client, requests) = counted_client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    futures::stream::iter(0..1200)
        .map(|i| {
            let cms = cms.clone();
            async move {
                cms.create(
                    &PostParams::default(),
                    &configmap(&format!("cm-{i:04}"), "0"),
                )
                .await
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let before = requests.lists();
    // A quorum read ("") is served from etcd in pages; the watch cache
    // would answer RV "0" whole.
    let config = WatcherConfig::default()
        .labels("e2e=informer")
        .list_semantic(ListSemantic::MostRecent)
        .initial_list(InitialList::ListWatch);
    let informer = SharedInformer::new(cms, config);
    informer.start().unwrap();
    tokio::time::timeout(Duration::from_secs(120), informer.wait_for_sync())
        .await
        .unwrap();
    assert!(informer.has_synced());
    assert_eq!(informer.store().len(), 1200);
    assert_eq!(
        requests.lists() - before,
        3,
        "pages of 500 for 1,200 objects"
    );
    assert_eq!(store_values(&informer), kubectl_values(&ns).await);
    informer.shutdown().await;
}

#[tokio::test]
async fn a_watch_that_ends_is_resumed_from_its_version_without_a_list() {
    let ns = namespace("inf-rewatch").await;
    let (client, requests) = counted_client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client, &ns);
    cms.create(&PostParams::default(), &configmap("a", "1"))
        .await
        .unwrap();
    let config = WatcherConfig::default()
        .labels("e2e=informer")
        .initial_list(InitialList::ListWatch)
        .min_watch_timeout(Duration::from_secs(2));
    let informer = SharedInformer::new(cms.clone(), config);
    let mut sub = informer.subscribe();
    informer.start().unwrap();
    informer.wait_for_sync().await;
    let lists = requests.lists();
    // Each watch asks the server to end it after 2-4 s.
    eventually("two re-watches", || requests.watches() >= 3).await;
    cms.patch(
        "a",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"v": "2"}})),
    )
    .await
    .unwrap();
    assert!(matches!(
        next(&mut sub).await,
        Notification::Added { initial: true, .. }
    ));
    match next(&mut sub).await {
        Notification::Updated { old, new } => {
            assert_eq!((value_of(&old), value_of(&new)), ("1".into(), "2".into()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        requests.lists(),
        lists,
        "a watch that timed out must not relist"
    );
    informer.shutdown().await;
}

#[tokio::test]
async fn a_connection_cut_mid_watch_resumes_without_a_relist() {
    let ns = namespace("inf-cut").await;
    let mut cfg = config(Kind::Admin).await;
    cfg.qps = -1.0;
    let server: std::net::SocketAddr = cfg
        .cluster_url
        .as_str()
        .trim_start_matches("https://")
        .parse()
        .unwrap();
    let relay = crate::cut_relay::CutRelay::start(server).await;
    cfg.cluster_url = format!("https://{}", relay.addr).parse().unwrap();
    let requests = Arc::new(Requests::default());
    let client = ClientBuilder::from_config(cfg)
        .observer(requests.clone())
        .build()
        .unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client, &ns);
    // Changes are made through a client that does not go through the relay.
    let direct: Api<ConfigMap> =
        Api::namespaced(Client::try_from(config(Kind::Admin).await).unwrap(), &ns);
    direct
        .create(&PostParams::default(), &configmap("a", "1"))
        .await
        .unwrap();

    let config = WatcherConfig::default()
        .labels("e2e=informer")
        .initial_list(InitialList::ListWatch);
    let informer = SharedInformer::new(cms, config);
    let mut sub = informer.subscribe();
    informer.start().unwrap();
    informer.wait_for_sync().await;
    next(&mut sub).await;
    let lists = requests.lists();
    // Past the first second, so the watch does not count as a very short one.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    relay.cut();
    direct
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"v": "2"}})),
        )
        .await
        .unwrap();
    direct
        .create(&PostParams::default(), &configmap("b", "1"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let n = next(&mut sub).await;
        seen.push((name_of(&n), value_of(n.object())));
    }
    assert_eq!(
        seen,
        [
            ("a".to_owned(), "2".to_owned()),
            ("b".to_owned(), "1".to_owned())
        ]
    );
    assert_eq!(
        requests.lists(),
        lists,
        "resumed from the last version, with no relist"
    );
    assert!(requests.watches() >= 2);
    informer.shutdown().await;
}

#[tokio::test]
async fn late_subscribers_get_the_contents_then_changes_and_a_slow_one_holds_up_no_one() {
    let ns = namespace("inf-subs").await;
    let client = Client::try_from(config(Kind::Admin).await).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client, &ns);
    for name in ["a", "b", "c"] {
        cms.create(&PostParams::default(), &configmap(name, "0"))
            .await
            .unwrap();
    }
    let informer =
        SharedInformer::new(cms.clone(), WatcherConfig::default().labels("e2e=informer"));
    let mut fast = informer.subscribe();
    let slow = informer.subscribe();
    informer.start().unwrap();
    informer.wait_for_sync().await;

    let mut late = informer.subscribe();
    let mut initial = Vec::new();
    for _ in 0..3 {
        match next(&mut late).await {
            Notification::Added {
                object,
                initial: true,
            } => initial.push(object.metadata.name.clone().unwrap()),
            other => panic!("{other:?}"),
        }
    }
    initial.sort();
    assert_eq!(initial, ["a", "b", "c"]);
    assert!(late.has_synced());

    // The slow subscriber reads one change every 100 ms, the fast one at once.
    let slow_reader = tokio::spawn(async move {
        let mut slow = slow;
        let mut last = BTreeMap::new();
        while last.get("c").map(String::as_str) != Some("20") {
            let n = next(&mut slow).await;
            last.insert(name_of(&n), value_of(n.object()));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    });
    for round in 1..=20 {
        for name in ["a", "b", "c"] {
            cms.patch(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({"data": {"v": round.to_string()}})),
            )
            .await
            .unwrap();
        }
    }
    // The fast one reads at once; changes it had not read yet by the time
    // they came are folded, so it sees each object's latest state.
    let mut fast_seen = Vec::new();
    while fast_seen
        .last()
        .map(|(n, v): &(String, String)| (n.as_str(), v.as_str()))
        != Some(("c", "20"))
    {
        let n = next(&mut fast).await;
        fast_seen.push((name_of(&n), value_of(n.object())));
    }
    let late_last = {
        let mut last = BTreeMap::new();
        while last.get("c").map(String::as_str) != Some("20") {
            let n = next(&mut late).await;
            last.insert(name_of(&n), value_of(n.object()));
        }
        last
    };
    let slow_last = tokio::time::timeout(Duration::from_secs(60), slow_reader)
        .await
        .unwrap()
        .unwrap();
    let want: BTreeMap<String, String> = ["a", "b", "c"]
        .iter()
        .map(|n| (n.to_string(), "20".to_owned()))
        .collect();
    assert_eq!(slow_last, want);
    assert_eq!(late_last, want);
    informer.shutdown().await;
    assert!(fast.recv().await.is_none() || fast.recv().await.is_none());
}

#[tokio::test]
async fn a_streaming_list_serves_the_list_and_the_watch_in_one_request() {
    let ns = namespace("inf-stream").await;
    let (client, requests) = counted_client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client, &ns);
    for name in ["a", "b"] {
        cms.create(&PostParams::default(), &configmap(name, "0"))
            .await
            .unwrap();
    }
    let config = WatcherConfig::default()
        .labels("e2e=informer")
        .initial_list(InitialList::StreamingList);
    let informer = SharedInformer::new(cms.clone(), config);
    let mut sub = informer.subscribe();
    informer.start().unwrap();
    tokio::time::timeout(Duration::from_secs(30), informer.wait_for_sync())
        .await
        .unwrap();
    assert_eq!(store_values(&informer).len(), 2);
    cms.create(&PostParams::default(), &configmap("c", "0"))
        .await
        .unwrap();
    let mut names = Vec::new();
    while names.len() < 3 {
        names.push(name_of(&next(&mut sub).await));
    }
    names.sort();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(
        requests.lists(),
        0,
        "no LIST: the watch served the initial state"
    );
    assert_eq!(
        requests.watches(),
        1,
        "one request for the list and the changes"
    );
    informer.shutdown().await;
}

#[tokio::test]
async fn the_factory_shares_one_watch_and_offers_indexes_metadata_and_dynamic_informers() {
    let ns = namespace("inf-factory").await;
    let (client, requests) = counted_client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    cms.create(&PostParams::default(), &configmap("a", "0"))
        .await
        .unwrap();
    let factory = InformerFactory::new(client.clone())
        .namespace(&ns)
        .labels("e2e=informer")
        .drop_managed_fields();
    let first = factory.informer::<ConfigMap>();
    let second = factory.informer::<ConfigMap>();
    let metadata = factory.metadata_informer::<ConfigMap>();
    let dynamic = factory.dynamic_informer(&k8s_client::dynamic::ApiResource::of::<ConfigMap>());
    let mut s1 = first.subscribe();
    let mut s2 = second.subscribe();
    factory.start().unwrap();
    tokio::time::timeout(Duration::from_secs(30), factory.wait_for_cache_sync())
        .await
        .unwrap();
    assert!(factory.has_synced());
    assert_eq!(name_of(&next(&mut s1).await), "a");
    assert_eq!(name_of(&next(&mut s2).await), "a");
    // One informer for ConfigMaps, one metadata-only, one dynamic: three watches.
    eventually("three watches", || requests.watches() >= 3).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(requests.watches(), 3);

    let cm = first.store().get(&format!("{ns}/a")).unwrap();
    assert!(
        cm.metadata.managed_fields.is_none(),
        "managedFields dropped"
    );
    assert_eq!(
        first.store().by_index(NAMESPACE_INDEX, &ns).unwrap().len(),
        1
    );
    first
        .store()
        .add_indexer("value", |cm: &ConfigMap| vec![value_of(cm)])
        .unwrap();
    assert_eq!(first.store().by_index("value", "0").unwrap().len(), 1);
    let meta = metadata.store().get(&format!("{ns}/a")).unwrap();
    assert_eq!(meta.kind, "PartialObjectMetadata");
    assert_eq!(meta.metadata.name.as_deref(), Some("a"));
    assert!(dynamic.store().get(&format!("{ns}/a")).unwrap().data["data"]["v"] == "0");

    cms.delete("a", &DeleteParams::default()).await.unwrap();
    assert!(matches!(
        next(&mut s1).await,
        Notification::Deleted {
            final_state_unknown: false,
            ..
        }
    ));
    assert!(matches!(next(&mut s2).await, Notification::Deleted { .. }));
    factory.shutdown().await;
}

#[tokio::test]
async fn metadata_only_get_list_and_watch() {
    let ns = namespace("inf-meta").await;
    let client = Client::try_from(config(Kind::Admin).await).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let created = cms
        .create(&PostParams::default(), &configmap("a", "x"))
        .await
        .unwrap();
    let meta = cms.metadata();
    let one = meta.get("a").await.unwrap();
    assert_eq!(
        (one.api_version.as_str(), one.kind.as_str()),
        ("meta.k8s.io/v1", "PartialObjectMetadata")
    );
    assert_eq!(one.metadata.uid, created.metadata.uid);
    // The label leaves out kube-root-ca.crt, which the controller manager
    // adds to new namespaces at a moment of its own.
    let labelled = k8s_client::api::ListParams::default().labels("e2e=informer");
    let list = meta.list(&labelled).await.unwrap();
    assert_eq!(list.kind, "PartialObjectMetadataList");
    let names: Vec<_> = list
        .items
        .iter()
        .filter_map(|m| m.metadata.name.clone())
        .collect();
    let theirs = kubectl(&[
        "get",
        "configmaps",
        "-n",
        &ns,
        "-l",
        "e2e=informer",
        "-o",
        "name",
    ])
    .await;
    let theirs: Vec<_> = theirs
        .lines()
        .map(|l| l.trim_start_matches("configmap/").to_owned())
        .collect();
    let mut ours = names.clone();
    ours.sort();
    assert_eq!(ours, theirs);
    let rv = list.metadata.resource_version.unwrap();
    let mut events = meta
        .watch(
            &WatchParams::default().labels("e2e=informer").timeout(30),
            &rv,
        )
        .await
        .unwrap();
    cms.patch(
        "a",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"v": "y"}})),
    )
    .await
    .unwrap();
    loop {
        match events.try_next().await.unwrap().unwrap() {
            WatchEvent::Modified(m) => {
                assert_eq!(m.kind, "PartialObjectMetadata");
                assert_eq!(m.metadata.name.as_deref(), Some("a"));
                break;
            }
            WatchEvent::Bookmark(_) => continue,
            other => panic!("{other:?}"),
        }
    }
    // The same for a resource described at run time.
    let dynamic: Api<k8s_client::dynamic::DynamicObject> = Api::namespaced_with(
        client,
        &ns,
        &k8s_client::dynamic::ApiResource::of::<ConfigMap>(),
    );
    let list = dynamic.metadata().list(&Default::default()).await.unwrap();
    assert_eq!(list.kind, "PartialObjectMetadataList");
    assert!(
        list.items
            .iter()
            .any(|m| m.metadata.name.as_deref() == Some("a"))
    );
}

/// etcd history is compacted every two seconds, so that versions expire,
/// and watches are served by etcd: the API server's watch cache would go on
/// serving a version etcd has compacted for as long as the version stays in
/// its window, which under load is the whole test.
const COMPACTION: &[&str] = &["--etcd-compaction-interval=2s", "--watch-cache=false"];

/// The informer reaches the server through a relay that is down while the
/// server restarts and objects change; back up, its watch version predates
/// what etcd keeps (410), so it relists, and the object deleted
/// meanwhile arrives as a deletion whose final state is unknown.
#[tokio::test]
async fn restarting_the_api_server_under_an_informer_converges_with_kubectl() {
    use k8s_client::config::{KubeConfigOptions, Kubeconfig};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_owned();
    let env = tokio::task::spawn_blocking({
        let path = path.clone();
        move || k8s_testenv::TestEnv::start_with_apiserver_args(&path, COMPACTION).unwrap()
    })
    .await
    .unwrap();
    let kubectl_in = |env: &k8s_testenv::TestEnv, args: &[&str]| env.run_kubectl(args).unwrap();
    kubectl_in(&env, &["create", "namespace", "restart"]);
    let cfg = k8s_client::Config::from_custom_kubeconfig(
        Kubeconfig::read_from(env.kubeconfig_path(Kind::Admin))
            .await
            .unwrap(),
        &KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    let direct: Api<ConfigMap> = Api::namespaced(Client::try_from(cfg.clone()).unwrap(), "restart");
    let server: std::net::SocketAddr = cfg
        .cluster_url
        .as_str()
        .trim_start_matches("https://")
        .parse()
        .unwrap();
    let relay = crate::cut_relay::CutRelay::start(server).await;
    let mut relayed = cfg;
    relayed.cluster_url = format!("https://{}", relay.addr).parse().unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(Client::try_from(relayed).unwrap(), "restart");
    for name in ["keep", "change", "remove"] {
        direct
            .create(&PostParams::default(), &configmap(name, "0"))
            .await
            .unwrap();
    }
    let informer = SharedInformer::new(cms, WatcherConfig::default().labels("e2e=informer"));
    informer
        .set_transform(Arc::new(drop_managed_fields::<ConfigMap>))
        .unwrap();
    let mut first = informer.subscribe();
    let mut second = informer.subscribe();
    informer.start().unwrap();
    informer.wait_for_sync().await;
    for sub in [&mut first, &mut second] {
        for _ in 0..3 {
            assert!(matches!(next(sub).await, Notification::Added { .. }));
        }
    }

    // The version the informer is at, give or take its bookmarks.
    let before = direct
        .list(&Default::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    relay.down();
    let env = tokio::task::spawn_blocking(move || {
        env.stop();
        k8s_testenv::TestEnv::start_with_apiserver_args(&path, COMPACTION).unwrap()
    })
    .await
    .unwrap();
    kubectl_in(&env, &["delete", "configmap", "-n", "restart", "remove"]);
    direct
        .patch(
            "change",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"v": "1"}})),
        )
        .await
        .unwrap();
    direct
        .create(&PostParams::default(), &configmap("new", "0"))
        .await
        .unwrap();
    // Wait until etcd has compacted past that version: a watch from it is Gone.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let wp = WatchParams::default().timeout(2);
        let gone = match direct.watch(&wp, &before).await {
            Err(e) => e.is_gone(),
            Ok(mut events) => loop {
                match events.next().await {
                    Some(Err(e)) => break e.is_gone(),
                    Some(Ok(_)) => continue,
                    None => break false,
                }
            },
        };
        if gone {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "etcd never compacted"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    relay.up();

    let want: BTreeMap<String, String> = [("keep", "0"), ("change", "1"), ("new", "0")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for sub in [&mut first, &mut second] {
        let mut state: BTreeMap<String, String> = ["keep", "change", "remove"]
            .iter()
            .map(|n| (n.to_string(), "0".to_owned()))
            .collect();
        let mut removal_unknown = None;
        while state != want {
            // While the server was away the watcher's backoff grew toward
            // its 30 s cap, with jitter up to twice that: the first retry
            // after the relay comes back may be a minute off.
            match next_within(sub, Duration::from_secs(120)).await {
                Notification::Deleted {
                    object,
                    final_state_unknown,
                } => {
                    if object.metadata.name.as_deref() == Some("remove") {
                        removal_unknown = Some(final_state_unknown);
                        // Its last known state, as the cache held it.
                        assert_eq!(value_of(&object), "0");
                    }
                    state.remove(object.metadata.name.as_deref().unwrap());
                }
                n => {
                    state.insert(name_of(&n), value_of(n.object()));
                }
            }
        }
        assert_eq!(
            removal_unknown,
            Some(true),
            "deleted while cut off: found by the relist"
        );
    }
    let out = kubectl_in(
        &env,
        &[
            "get",
            "configmaps",
            "-n",
            "restart",
            "-l",
            "e2e=informer",
            "-o",
            "json",
        ],
    );
    let theirs: serde_json::Value = serde_json::from_str(&out).unwrap();
    let theirs: BTreeMap<String, String> = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cm| {
            (
                cm["metadata"]["name"].as_str().unwrap().to_owned(),
                cm["data"]["v"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(theirs, want);
    assert_eq!(store_values(&informer), want);
    informer.shutdown().await;
    tokio::task::spawn_blocking(move || env.stop())
        .await
        .unwrap();
}
