//! `#[resource(crate = "...")]`: the generated code names k8s-client only by
//! the given path. This crate knows k8s-client as `renamed_k8s`, so
//! `::k8s_client` names nothing here and any path that bypassed the key
//! would fail to compile.
#![allow(clippy::unwrap_used)]

use renamed_k8s::meta::ObjectMeta;
use renamed_k8s::{CustomResourceExt, HasMetadata, Resource};

/// k8s-client, re-exported from a module of this crate.
mod reexported {
    pub(crate) use renamed_k8s::*;
}

/// A custom resource through the renamed dependency.
#[derive(renamed_k8s::Resource)]
#[resource(
    crate = "::renamed_k8s",
    group = "example.com",
    version = "v1",
    namespaced,
    status = "GizmoStatus",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas"
    ),
    printcolumn(name = "Replicas", type = "integer", json_path = ".spec.replicas"),
    schema = "preserve-unknown-fields"
)]
struct Gizmo {
    metadata: ObjectMeta,
    status: Option<GizmoStatus>,
}

struct GizmoStatus;

/// A built-in-like kind through a module that re-exports the crate.
#[derive(renamed_k8s::Resource)]
#[resource(crate = "crate::reexported", version = "v1", shortnames("th"))]
struct Thing {
    metadata: reexported::meta::ObjectMeta,
}

#[test]
fn renamed_dependency() {
    let mut g = Gizmo {
        metadata: ObjectMeta::default(),
        status: None::<GizmoStatus>,
    };
    g.metadata_mut().name = Some("g".into());
    assert_eq!(g.name(), "g");
    assert!(g.status.is_none());
    assert_eq!(Gizmo::API_VERSION, "example.com/v1");
    assert_eq!(Gizmo::SUBRESOURCES, ["status", "scale"]);
    let crd = Gizmo::crd();
    assert_eq!(crd.metadata.name.as_deref(), Some("gizmos.example.com"));
    assert_eq!(crd.spec.scope, "Namespaced");
    let columns = crd.spec.versions[0].additional_printer_columns.as_ref();
    assert_eq!(columns.map(Vec::len), Some(1));
}

#[test]
fn reexporting_module() {
    let t = Thing {
        metadata: ObjectMeta::default(),
    };
    assert_eq!(t.name(), "");
    assert_eq!(Thing::API_VERSION, "v1");
    assert_eq!(Thing::SHORT_NAMES, ["th"]);
    fn cluster_scoped<K: Resource<Scope = reexported::ClusterScope>>() {}
    cluster_scoped::<Thing>();
}
