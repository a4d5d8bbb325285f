//! The controller loop against the real control plane: one reconcile per key
//! at a time, backoff after errors, requeue-after, panics survived.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_client::api::core::v1::ConfigMap;
use k8s_client::api::{Patch, PatchParams, PostParams};
use k8s_client::meta::ObjectMeta;
use k8s_client::runtime::InformerFactory;
use k8s_client::runtime::controller::{Action, Controller, OnError};
use k8s_client::{Api, Client, HasMetadata};
use k8s_testenv::Kind;
use serde_json::json;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::env::{config, namespace};

fn configmap(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("v".to_owned(), "0".to_owned())])),
        ..ConfigMap::default()
    }
}

async fn unlimited_client() -> Client {
    let mut cfg = config(Kind::Admin).await;
    cfg.qps = -1.0;
    Client::try_from(cfg).unwrap()
}

/// (name, value seen, start, end) of each reconcile.
type Log = Arc<Mutex<Vec<(String, String, Instant, Instant)>>>;

#[tokio::test]
async fn one_key_is_never_reconciled_twice_at_once_under_a_burst() {
    let ns = namespace("ctrl-burst").await;
    let client = unlimited_client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let names: Vec<String> = (0..5).map(|i| format!("cm-{i}")).collect();
    for n in &names {
        cms.create(&PostParams::default(), &configmap(n))
            .await
            .unwrap();
    }
    let log: Log = Arc::default();
    let factory = InformerFactory::new(client.clone()).namespace(&ns);
    let (stop, stopped) = oneshot::channel::<()>();
    let controller = Controller::new(factory.informer::<ConfigMap>())
        .max_concurrent_reconciles(4)
        .graceful_shutdown_on(async move {
            let _ = stopped.await;
        });
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, log: Arc<Log>| async move {
            let start = Instant::now();
            tokio::time::sleep(Duration::from_millis(30)).await;
            let value = cm
                .data
                .as_ref()
                .and_then(|d| d.get("v"))
                .cloned()
                .unwrap_or_default();
            log.lock()
                .unwrap()
                .push((cm.name().to_owned(), value, start, Instant::now()));
            Ok::<_, k8s_client::Error>(Action::done())
        },
        |_, _: &k8s_client::Error, _| OnError::Backoff,
        Arc::new(log.clone()),
    ));
    // A burst: every object changed 20 times, all at once.
    let writes = names
        .iter()
        .flat_map(|n| (1..=20).map(move |v| (n.clone(), v)));
    futures::future::join_all(writes.map(|(n, v)| {
        let cms = cms.clone();
        async move {
            cms.patch(
                &n,
                &PatchParams::default(),
                &Patch::Merge(json!({"data": {"v": v.to_string()}})),
            )
            .await
            .unwrap();
        }
    }))
    .await;
    // The writes raced: what each object ends with is what the server has.
    let mut finals = BTreeMap::new();
    for n in &names {
        let cm = cms.get(n).await.unwrap();
        finals.insert(n.clone(), cm.data.unwrap()["v"].clone());
    }
    // Wait until each object's last reconcile saw its final state.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let final_seen = {
            let log = log.lock().unwrap();
            names
                .iter()
                .all(|n| cms_final_values(&log, n).last() == finals.get(n))
        };
        if final_seen {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every object was reconciled at its final state"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
    let log = log.lock().unwrap();
    for n in &names {
        let mut spans: Vec<_> = log
            .iter()
            .filter(|e| &e.0 == n)
            .map(|e| (e.2, e.3))
            .collect();
        spans.sort();
        for pair in spans.windows(2) {
            assert!(
                pair[0].1 <= pair[1].0,
                "two reconciles of {n} overlapped: {pair:?}"
            );
        }
    }
    // Four workers did run at once across keys.
    assert!(log.len() >= names.len());
}

fn cms_final_values(log: &[(String, String, Instant, Instant)], name: &str) -> Vec<String> {
    let mut entries: Vec<_> = log.iter().filter(|e| e.0 == name).collect();
    entries.sort_by_key(|e| e.2);
    entries.into_iter().map(|e| e.1.clone()).collect()
}

#[tokio::test]
async fn errors_back_off_longer_each_time_requeue_after_is_kept_and_a_panic_is_survived() {
    let ns = namespace("ctrl-backoff").await;
    let client = unlimited_client().await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    for n in ["fails", "later", "panics"] {
        cms.create(&PostParams::default(), &configmap(n))
            .await
            .unwrap();
    }
    let times: Arc<Mutex<BTreeMap<String, Vec<Instant>>>> = Arc::default();
    let factory = InformerFactory::new(client.clone()).namespace(&ns);
    let (stop, stopped) = oneshot::channel::<()>();
    let controller = Controller::new(factory.informer::<ConfigMap>())
        .max_concurrent_reconciles(3)
        .graceful_shutdown_on(async move {
            let _ = stopped.await;
        });
    let task = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, times: Arc<Mutex<BTreeMap<String, Vec<Instant>>>>| async move {
            let name = cm.name().to_owned();
            let count = {
                let mut t = times.lock().unwrap();
                let entry = t.entry(name.clone()).or_default();
                entry.push(Instant::now());
                entry.len()
            };
            match name.as_str() {
                "fails" => Err("always fails".to_owned()),
                "later" => Ok(Action::requeue_after(Duration::from_secs(1))),
                "panics" if count == 1 => panic!("the first reconcile panics"),
                _ => Ok(Action::done()),
            }
        },
        |_, _: &String, _| OnError::Backoff,
        times.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let done = {
            let t = times.lock().unwrap();
            t.get("fails").is_some_and(|v| v.len() >= 8)
                && t.get("later").is_some_and(|v| v.len() >= 3)
                && t.get("panics").is_some_and(|v| v.len() >= 2)
        };
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not enough reconciles: {:?}",
            times.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
    let t = times.lock().unwrap();
    // Failures: 5 ms, 10 ms, 20 ms, … between attempts (at least).
    let fails = &t["fails"];
    for (i, pair) in fails.windows(2).take(7).enumerate() {
        let gap = pair[1] - pair[0];
        let least = Duration::from_millis(5 << i);
        assert!(
            gap >= least,
            "retry {} came after {gap:?}, before its backoff of {least:?}",
            i + 1
        );
    }
    // Requeue-after: at least the delay asked for, and not wildly later.
    for pair in t["later"].windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_secs(1), "requeued after {gap:?}");
        assert!(gap < Duration::from_secs(5), "requeued after {gap:?}");
    }
    // The panic was caught: the key was reconciled again, by a live controller.
    assert!(t["panics"].len() >= 2);
}
