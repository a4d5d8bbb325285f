//! The event recorder against the real control plane, with kubectl as the
//! oracle: what it records shows in `kubectl events` and `kubectl get events`.

use std::collections::BTreeMap;

use k8s_client::api::core::v1::{ConfigMap, Namespace};
use k8s_client::api::events::v1::Event;
use k8s_client::api::{ListParams, PostParams};
use k8s_client::meta::ObjectMeta;
use k8s_client::runtime::events::{EventSpec, Recorder, Reporter, SPAM_BURST, object_reference};
use k8s_client::{Api, Client};
use k8s_testenv::Kind;
use serde_json::Value;

use crate::env::{client, kubectl, namespace};

const CONTROLLER: &str = "example.com/e2e-events";

async fn configmap(client: &Client, ns: &str, name: &str) -> ConfigMap {
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("v".to_owned(), "1".to_owned())])),
        ..ConfigMap::default()
    };
    Api::<ConfigMap>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &cm)
        .await
        .unwrap()
}

async fn events_in(client: &Client, ns: &str) -> Vec<Event> {
    Api::<Event>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
}

async fn kubectl_json(args: &[&str]) -> Vec<Value> {
    let out = kubectl(args).await;
    let list: Value = serde_json::from_str(&out).unwrap();
    list["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_event_shows_in_kubectl_events_and_get_events() {
    let c = client(Kind::Admin).await;
    let ns = namespace("events-kubectl").await;
    let cm = configmap(&c, &ns, "web-config").await;
    let other = configmap(&c, &ns, "web-extra").await;
    let recorder = Recorder::new(c.clone(), Reporter::new(CONTROLLER)).unwrap();
    recorder
        .publish(
            &EventSpec::warning("SyncFailed", "Reconcile")
                .note("web-config could not be synced")
                .related(object_reference(&other)),
            &object_reference(&cm),
        )
        .unwrap();
    recorder.flush().await;

    // core/v1's view, as `kubectl get events` shows it.
    let core = kubectl_json(&["get", "events", "-n", &ns, "-o", "json"]).await;
    assert_eq!(core.len(), 1, "{core:#?}");
    let e = &core[0];
    assert_eq!(e["reason"], "SyncFailed");
    assert_eq!(e["type"], "Warning");
    assert_eq!(e["action"], "Reconcile");
    assert_eq!(e["message"], "web-config could not be synced");
    assert_eq!(e["reportingComponent"], CONTROLLER);
    assert_eq!(e["involvedObject"]["kind"], "ConfigMap");
    assert_eq!(e["involvedObject"]["name"], "web-config");
    assert_eq!(e["involvedObject"]["namespace"], ns.as_str());
    assert_eq!(
        e["involvedObject"]["uid"].as_str(),
        cm.metadata.uid.as_deref()
    );
    assert!(e["series"].is_null(), "a single event has no series: {e:#}");

    // events.k8s.io's view: the fields as the recorder wrote them.
    let v1 = kubectl_json(&["get", "events.v1.events.k8s.io", "-n", &ns, "-o", "json"]).await;
    assert_eq!(v1.len(), 1, "{v1:#?}");
    let e = &v1[0];
    assert_eq!(e["reportingController"], CONTROLLER);
    // The default instance is client-go's `<controller>-<hostname>`.
    let instance = e["reportingInstance"].as_str().unwrap();
    assert!(
        instance.len() > CONTROLLER.len() + 1 && instance.starts_with(&format!("{CONTROLLER}-")),
        "{instance}"
    );
    assert_eq!(e["regarding"]["name"], "web-config");
    assert_eq!(e["related"]["name"], "web-extra");
    assert_eq!(e["note"], "web-config could not be synced");
    let name = e["metadata"]["name"].as_str().unwrap();
    let suffix = name.strip_prefix("web-config.").unwrap_or_default();
    assert!(
        !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_hexdigit()),
        "{name} is not <object>.<hex nanoseconds>"
    );
    assert!(e["eventTime"].is_string(), "{e:#}");

    let table = kubectl(&["events", "-n", &ns]).await;
    let row = table
        .lines()
        .find(|l| l.contains("SyncFailed"))
        .unwrap_or_else(|| panic!("no SyncFailed row in\n{table}"));
    assert!(row.contains("Warning"), "{row}");
    assert!(row.contains("ConfigMap/web-config"), "{row}");
    assert!(row.contains("web-config could not be synced"), "{row}");
}

#[tokio::test]
async fn the_same_event_30_times_is_one_event_with_a_series_of_30() {
    let c = client(Kind::Admin).await;
    let ns = namespace("events-series").await;
    let cm = configmap(&c, &ns, "busy").await;
    let recorder = Recorder::new(c.clone(), Reporter::new(CONTROLLER).instance("e2e-1")).unwrap();
    let regarding = object_reference(&cm);
    for i in 0..30 {
        // The note is not part of what makes events the same.
        let event = EventSpec::normal("Synced", "Reconcile").note(format!("sync #{i}"));
        recorder.publish(&event, &regarding).unwrap();
    }
    recorder.flush().await;

    let events = events_in(&c, &ns).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    let series = e.series.as_ref().expect("a series");
    assert_eq!(series.count, 30);
    assert!(series.last_observed_time >= e.event_time, "{series:?}");
    assert_eq!(e.note.as_deref(), Some("sync #0"));
    assert_eq!(e.reporting_instance.as_deref(), Some("e2e-1"));

    let core = kubectl_json(&["get", "events", "-n", &ns, "-o", "json"]).await;
    assert_eq!(core.len(), 1, "{core:#?}");
    assert_eq!(core[0]["series"]["count"], 30);

    let table = kubectl(&["events", "-n", &ns]).await;
    let row = table
        .lines()
        .find(|l| l.contains("Synced"))
        .unwrap_or_else(|| panic!("no Synced row in\n{table}"));
    assert!(row.contains("(x30 over"), "{row}");
    assert!(row.contains("ConfigMap/busy"), "{row}");

    // Once flushed, a later repeat goes on with the same series.
    recorder
        .publish(&EventSpec::normal("Synced", "Reconcile"), &regarding)
        .unwrap();
    recorder.flush().await;
    let events = events_in(&c, &ns).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].series.as_ref().map(|s| s.count), Some(31));
}

#[tokio::test]
async fn the_spam_filter_lets_the_first_25_events_about_an_object_through() {
    let c = client(Kind::Admin).await;
    let ns = namespace("events-spam").await;
    let cm = configmap(&c, &ns, "noisy").await;
    let quiet = configmap(&c, &ns, "quiet").await;
    let recorder = Recorder::new(c.clone(), Reporter::new(CONTROLLER)).unwrap();
    let regarding = object_reference(&cm);
    for i in 0..30 {
        let event = EventSpec::normal(format!("Step{i:02}"), "Reconcile");
        recorder.publish(&event, &regarding).unwrap();
    }
    // Another object has a bucket of its own.
    recorder
        .publish(
            &EventSpec::normal("Step00", "Reconcile"),
            &object_reference(&quiet),
        )
        .unwrap();
    recorder.flush().await;

    let events = events_in(&c, &ns).await;
    let mut noisy: Vec<String> = events
        .iter()
        .filter(|e| e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some("noisy"))
        .filter_map(|e| e.reason.clone())
        .collect();
    noisy.sort();
    let first: Vec<String> = (0..SPAM_BURST).map(|i| format!("Step{i:02}")).collect();
    assert_eq!(noisy, first);
    assert_eq!(events.len(), first.len() + 1);

    let table = kubectl(&["events", "-n", &ns]).await;
    assert!(table.contains("Step24"), "{table}");
    assert!(!table.contains("Step25"), "{table}");
}

#[tokio::test]
async fn events_about_cluster_scoped_objects_go_to_default() {
    let c = client(Kind::Admin).await;
    let ns = namespace("events-cluster").await;
    let object = Api::<Namespace>::all(c.clone()).get(&ns).await.unwrap();
    let recorder = Recorder::new(c.clone(), Reporter::new(CONTROLLER)).unwrap();
    recorder
        .publish(
            &EventSpec::normal("Checked", "Audit"),
            &object_reference(&object),
        )
        .unwrap();
    recorder.flush().await;

    let selector = format!("regarding.name={ns},reportingController={CONTROLLER}");
    let found = Api::<Event>::namespaced(c.clone(), "default")
        .list(&ListParams::default().fields(&selector))
        .await
        .unwrap()
        .items;
    assert_eq!(found.len(), 1, "{found:#?}");
    let regarding = found[0].regarding.as_ref().unwrap();
    assert_eq!(regarding.kind.as_deref(), Some("Namespace"));
    assert_eq!(regarding.namespace, None);
}
