//! TYPE arguments and manifest kinds to API resources, through the library's
//! discovery (with kubectl's disk cache) and REST mapper.

use k8s_client::dynamic::{ApiResource, GroupVersionKind};

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
