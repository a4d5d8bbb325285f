use serde_json::json;

use super::*;
use crate::discovery::wire;

/// A small server: groups in the order a real one lists them.
fn server() -> ServerResources {
    let list: wire::AggregatedList = serde_json::from_value(json!({"items": [
      {"metadata": {"name": ""}, "versions": [{"version": "v1", "resources": [
        r("pods", "pod", "Pod", true, &["po"], &["all"], &["status", "log"]),
        r("services", "service", "Service", true, &["svc"], &["all"], &[]),
        r("events", "event", "Event", true, &["ev"], &[], &[]),
        r("nodes", "node", "Node", false, &["no"], &[], &[]),
        r("configmaps", "configmap", "ConfigMap", true, &["cm"], &[], &[])
      ]}]},
      {"metadata": {"name": "apps"}, "versions": [{"version": "v1", "resources": [
        r("deployments", "deployment", "Deployment", true, &["deploy"], &["all"], &["scale", "status"])
      ]}]},
      {"metadata": {"name": "events.k8s.io"}, "versions": [{"version": "v1", "resources": [
        r("events", "event", "Event", true, &["ev"], &[], &[])
      ]}]},
      {"metadata": {"name": "autoscaling"}, "versions": [
        {"version": "v2", "resources": [
          r("horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, &["hpa"], &["all"], &[])
        ]},
        {"version": "v1", "resources": [
          r("horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, &["hpa"], &["all"], &[])
        ]}
      ]},
      {"metadata": {"name": "storage.k8s.io"}, "versions": [{"version": "v1", "resources": [
        r("storageclasses", "storageclass", "StorageClass", false, &["sc"], &[], &[])
      ]}]},
      {"metadata": {"name": "e2e.k8s-client.dev"}, "versions": [
        {"version": "v1", "resources": [
          r("gadgets", "gadget", "Gadget", true, &["gd"], &["all", "toys"], &[])
        ]},
        {"version": "v1alpha1", "resources": [
          r("gadgets", "gadget", "Gadget", true, &["gd"], &["all", "toys"], &[]),
          r("widgets", "widget", "Widget", true, &["po"], &["toys"], &[])
        ]}
      ]}
    ]}))
    .unwrap();
    ServerResources::from_documents(&wire::split_aggregated(list), Vec::new())
}

fn r(
    plural: &str,
    singular: &str,
    kind: &str,
    namespaced: bool,
    short: &[&str],
    categories: &[&str],
    subresources: &[&str],
) -> serde_json::Value {
    let subs: Vec<_> = subresources
        .iter()
        .map(|s| json!({"subresource": s, "responseKind": {"kind": kind}, "verbs": ["get"]}))
        .collect();
    json!({
        "resource": plural, "singularResource": singular,
        "scope": if namespaced { "Namespaced" } else { "Cluster" },
        "responseKind": {"group": "", "version": "", "kind": kind},
        "verbs": ["get", "list", "watch"], "shortNames": short, "categories": categories,
        "subresources": subs
    })
}

/// `name` → `plural.version.group` of each result (group `""` printed as `core`).
fn resolve(name: &str) -> Vec<String> {
    resolve_name(&server(), name)
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let group = if r.group.is_empty() { "core" } else { &r.group };
            format!("{}.{}.{}", r.plural, r.version, group)
        })
        .collect()
}

#[test]
fn kubectl_name_table() {
    let table: &[(&str, &str)] = &[
        ("pods", "pods.v1.core"),
        ("pod", "pods.v1.core"),
        ("po", "pods.v1.core"),
        ("Pod", "pods.v1.core"),
        ("PODS", "pods.v1.core"),
        // Go's ParseGroupResource: an empty group after the dot is no group.
        ("pod.", "pods.v1.core"),
        ("svc", "services.v1.core"),
        ("no", "nodes.v1.core"),
        ("deploy", "deployments.v1.apps"),
        ("deployment", "deployments.v1.apps"),
        ("deployments.apps", "deployments.v1.apps"),
        ("deploy.apps", "deployments.v1.apps"),
        ("deployments.v1.apps", "deployments.v1.apps"),
        ("deployment.v1.apps", "deployments.v1.apps"),
        ("Deployment.v1.apps", "deployments.v1.apps"),
        ("Deployment.apps", "deployments.v1.apps"),
        // The core group comes first in discovery, so it wins unqualified names.
        ("events", "events.v1.core"),
        ("ev", "events.v1.core"),
        ("events.events.k8s.io", "events.v1.events.k8s.io"),
        ("ev.events.k8s.io", "events.v1.events.k8s.io"),
        // Preferred version unless one is named.
        ("hpa", "horizontalpodautoscalers.v2.autoscaling"),
        (
            "horizontalpodautoscalers.v1.autoscaling",
            "horizontalpodautoscalers.v1.autoscaling",
        ),
        // A group prefix: client-go's `storageclass.storage`.
        ("storageclass.storage", "storageclasses.v1.storage.k8s.io"),
        ("sc", "storageclasses.v1.storage.k8s.io"),
        (
            "storageclasses.storage.k8s.io",
            "storageclasses.v1.storage.k8s.io",
        ),
        // Custom resources, preferred (first listed) version.
        ("gd", "gadgets.v1.e2e.k8s-client.dev"),
        ("gadget", "gadgets.v1.e2e.k8s-client.dev"),
        (
            "gadgets.v1alpha1.e2e.k8s-client.dev",
            "gadgets.v1alpha1.e2e.k8s-client.dev",
        ),
        // A resource only in a non-preferred version is still found there.
        ("widgets", "widgets.v1alpha1.e2e.k8s-client.dev"),
        // A short name taken twice: the first in discovery order wins, unless
        // the group says otherwise.
        (
            "po.e2e.k8s-client.dev",
            "widgets.v1alpha1.e2e.k8s-client.dev",
        ),
        ("po.e2e", "widgets.v1alpha1.e2e.k8s-client.dev"),
    ];
    for (name, want) in table {
        assert_eq!(resolve(name), [*want], "{name}");
    }
}

#[test]
fn categories_expand_to_every_member_once() {
    assert_eq!(
        resolve("all"),
        [
            "pods.v1.core",
            "services.v1.core",
            "deployments.v1.apps",
            "horizontalpodautoscalers.v2.autoscaling",
            "gadgets.v1.e2e.k8s-client.dev",
        ]
    );
    assert_eq!(
        resolve("toys"),
        [
            "gadgets.v1.e2e.k8s-client.dev",
            "widgets.v1alpha1.e2e.k8s-client.dev"
        ]
    );
}

#[test]
fn misses() {
    for name in [
        "",
        "podz",
        "deployments.v2.apps",
        "deployments.nope",
        "deployment.apps.v1",
        // Short names are case-sensitive (client-go compares them as given).
        "PO",
        // A kind needs its group.
        "Deployment",
    ] {
        // "Deployment" lower-cases to the singular `deployment`: found as a resource.
        if name == "Deployment" {
            assert_eq!(resolve(name), ["deployments.v1.apps"]);
            continue;
        }
        assert!(
            resolve(name).is_empty(),
            "{name:?} resolved to {:?}",
            resolve(name)
        );
    }
}

#[test]
fn resolved_resources_carry_discovery_details() {
    let found = resolve_name(&server(), "deploy").unwrap();
    let d = &found[0];
    assert_eq!(d.api_version(), "apps/v1");
    assert_eq!(d.kind, "Deployment");
    assert!(d.namespaced);
    assert_eq!(d.singular, "deployment");
    assert_eq!(d.short_names, ["deploy"]);
    assert!(d.supports("watch"));
    assert!(d.subresource("scale").is_some());
    let no = &resolve_name(&server(), "no").unwrap()[0];
    assert!(!no.namespaced);
}

#[test]
fn kind_and_resource_lookups() {
    let sr = server();
    let hpa = kind_match(&sr, "HorizontalPodAutoscaler", "autoscaling", "").unwrap();
    assert_eq!(hpa.version, "v2");
    let hpa1 = kind_match(&sr, "HorizontalPodAutoscaler", "autoscaling", "v1").unwrap();
    assert_eq!(hpa1.version, "v1");
    assert!(kind_match(&sr, "Pod", "apps", "").is_none());
    let pods = resource_match(&sr, "po", "", "").unwrap();
    assert_eq!(pods.gvk(), GroupVersionKind::new("", "v1", "Pod"));
}
