//! `version`, `api-versions` and `api-resources`.

use crate::error::Failure;
use crate::session::Session;

/// `version`.
pub(crate) async fn version(_session: &Session, _output: Option<&str>) -> Result<(), Failure> {
    Err(Failure::msg("not yet"))
}
/// `api-versions`.
pub(crate) async fn api_versions(_session: &Session) -> Result<(), Failure> {
    Err(Failure::msg("not yet"))
}
/// `api-resources`.
pub(crate) async fn api_resources(
    _session: &Session,
    _output: Option<&str>,
    _namespaced: Option<bool>,
    _group: Option<&str>,
) -> Result<(), Failure> {
    Err(Failure::msg("not yet"))
}
