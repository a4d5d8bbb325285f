//! TYPE arguments and manifest kinds to API resources, through the library's
//! discovery (with kubectl's disk cache) and REST mapper.

use k8s_client::Api;
use k8s_client::dynamic::{ApiResource, GroupVersionKind};
use serde_json::Value;

use crate::error::Failure;
use crate::session::Session;

/// The resources a TYPE argument names (`po`, `deploy`, `deployments.apps`,
/// `Pod`, or several for a category such as `all`).
pub(crate) async fn resolve(session: &Session, name: &str) -> Result<Vec<ApiResource>, Failure> {
    Ok(session.mapper.resolve(name).await?)
}

/// The resource serving a manifest's `apiVersion` and `kind`.
pub(crate) async fn for_kind(
    session: &Session,
    api_version: &str,
    kind: &str,
) -> Result<ApiResource, Failure> {
    let gvk = GroupVersionKind::from_api_version(api_version, kind)
        .map_err(|e| Failure::msg(format!("invalid apiVersion {api_version:?}: {e}")))?;
    match session.mapper.resource_for(&gvk).await {
        Ok(r) => Ok(r),
        Err(e) if e.is_no_match() => Err(Failure::msg(format!(
            "no matches for kind {kind:?} in version {api_version:?}"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// One resource to read, and the names asked for (none: list).
pub(crate) struct Target {
    /// The resource.
    pub(crate) resource: ApiResource,
    /// The names given for it; none means all of them.
    pub(crate) names: Vec<String>,
}

/// Expands the arguments into targets; `single` when exactly one object was
/// named (kubectl then prints it without a List around it).
pub(crate) async fn targets(
    session: &Session,
    args: &[String],
) -> Result<(Vec<Target>, bool), Failure> {
    let mut targets: Vec<Target> = Vec::new();
    if args.iter().any(|a| a.contains('/')) {
        // TYPE/NAME pairs.
        for a in args {
            let Some((ty, name)) = a.split_once('/') else {
                return Err(Failure::msg(
                    "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kctl get resource/<resource_name>' instead of 'kctl get resource resource/<resource_name>'",
                ));
            };
            for resource in resolve(session, ty).await? {
                match targets.iter_mut().find(|t| t.resource == resource) {
                    Some(t) => t.names.push(name.to_owned()),
                    None => targets.push(Target {
                        resource,
                        names: vec![name.to_owned()],
                    }),
                }
            }
        }
        let single = args.len() == 1;
        return Ok((targets, single));
    }
    let (types, names) = args
        .split_first()
        .map_or(("", &[][..]), |(t, n)| (t.as_str(), n));
    for ty in types.split(',').filter(|t| !t.is_empty()) {
        for resource in resolve(session, ty).await? {
            if !targets.iter().any(|t| t.resource == resource) {
                targets.push(Target {
                    resource,
                    names: names.to_vec(),
                });
            }
        }
    }
    let single = names.len() == 1 && targets.len() == 1;
    Ok((targets, single))
}

/// The client for a target's resource: in the namespace, across all
/// namespaces (`-A`), or cluster-wide.
pub(crate) fn api(session: &Session, resource: &ApiResource, all: bool) -> Api<Value> {
    if resource.namespaced && !all {
        Api::namespaced_with(session.client.clone(), &session.namespace, resource)
    } else {
        Api::all_with(session.client.clone(), resource)
    }
}
