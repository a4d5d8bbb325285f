//! TYPE arguments and manifest kinds to API resources.
//! (Interim: a fixed table until the discovery layer lands.)

use k8s_client::dynamic::ApiResource;

use crate::error::Failure;
use crate::session::Session;

fn table() -> Vec<(ApiResource, &'static [&'static str])> {
    vec![
        (
            ApiResource::new("", "v1", "Pod", "pods", true),
            &["pod", "po"],
        ),
        (
            ApiResource::new("", "v1", "ConfigMap", "configmaps", true),
            &["configmap", "cm"],
        ),
        (
            ApiResource::new("", "v1", "Namespace", "namespaces", false),
            &["namespace", "ns"],
        ),
        (
            ApiResource::new("", "v1", "Service", "services", true),
            &["service", "svc"],
        ),
        (
            ApiResource::new("apps", "v1", "Deployment", "deployments", true),
            &["deployment", "deploy"],
        ),
    ]
}

/// The resources a TYPE argument names.
pub(crate) async fn resolve(_session: &Session, name: &str) -> Result<Vec<ApiResource>, Failure> {
    table()
        .into_iter()
        .find(|(r, aliases)| r.plural == name || aliases.contains(&name) || r.kind == name)
        .map(|(r, _)| vec![r])
        .ok_or_else(|| Failure::msg(format!("the server doesn't have a resource type {name:?}")))
}

/// The resource of a manifest's apiVersion and kind.
pub(crate) async fn for_kind(
    _session: &Session,
    api_version: &str,
    kind: &str,
) -> Result<ApiResource, Failure> {
    table()
        .into_iter()
        .find(|(r, _)| r.api_version == api_version && r.kind == kind)
        .map(|(r, _)| r)
        .ok_or_else(|| {
            Failure::msg(format!(
                "no matches for kind {kind:?} in version {api_version:?}"
            ))
        })
}
