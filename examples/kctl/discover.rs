//! `version`, `api-versions` and `api-resources`.

use k8s_client::dynamic::ApiResource;
use serde_json::json;

use crate::error::Failure;
use crate::json::to_go_json;
use crate::session::Session;
use crate::table::align;
use crate::yaml::to_yaml;

/// kctl's own version line (kubectl prints its build; kctl is the library's).
const CLIENT_VERSION: &str = concat!("k8s-client v", env!("CARGO_PKG_VERSION"));

/// `version [-o json|yaml]`: the client and the server's `/version`.
pub(crate) async fn version(session: &Session, output: Option<&str>) -> Result<(), Failure> {
    let server = session.discovery.server_version().await?;
    match output {
        None => {
            outln!("Client Version: {CLIENT_VERSION}");
            outln!("Server Version: {}", server.git_version);
        }
        Some(format @ ("json" | "yaml")) => {
            let doc = json!({
                "clientVersion": {"gitVersion": CLIENT_VERSION},
                "serverVersion": serde_json::to_value(&server)
                    .map_err(|e| Failure::msg(format!("cannot encode the version: {e}")))?,
            });
            if format == "json" {
                outln!("{}", to_go_json(&doc));
            } else {
                out!("{}", to_yaml(&doc));
            }
        }
        Some(other) => {
            return Err(Failure::msg(format!(
                "--output must be 'yaml' or 'json', got {other:?}"
            )));
        }
    }
    Ok(())
}

/// `api-versions`: every `group/version`, sorted.
pub(crate) async fn api_versions(session: &Session) -> Result<(), Failure> {
    let mut versions: Vec<String> = session
        .discovery
        .server_groups()
        .await?
        .iter()
        .flat_map(|g| g.group_versions().map(|gv| gv.api_version()))
        .collect();
    versions.sort();
    for v in versions {
        outln!("{v}");
    }
    Ok(())
}

/// `api-resources`: the preferred version of each resource, sorted by group
/// then name, as kubectl prints them.
pub(crate) async fn api_resources(
    session: &Session,
    output: Option<&str>,
    namespaced: Option<bool>,
    api_group: Option<&str>,
) -> Result<(), Failure> {
    let wide = match output {
        None => false,
        Some("wide") => true,
        Some("name") => false,
        Some(other) => {
            return Err(Failure::msg(format!("--output {other} is not available")));
        }
    };
    let resources = session.discovery.server_resources().await?;
    let mut shown: Vec<ApiResource> = resources
        .preferred()
        .into_iter()
        .filter(|r| !r.verbs.is_empty())
        .filter(|r| api_group.is_none_or(|g| g == r.group))
        .filter(|r| namespaced.is_none_or(|n| n == r.namespaced))
        .collect();
    shown.sort_by(|a, b| a.group.cmp(&b.group).then_with(|| a.plural.cmp(&b.plural)));
    if output == Some("name") {
        for r in &shown {
            if r.group.is_empty() {
                outln!("{}", r.plural);
            } else {
                outln!("{}.{}", r.plural, r.group);
            }
        }
    } else {
        let mut header = vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];
        if wide {
            header.extend(["VERBS", "CATEGORIES"]);
        }
        let mut lines = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
        for r in &shown {
            let mut line = vec![
                r.plural.clone(),
                r.short_names.join(","),
                r.api_version(),
                r.namespaced.to_string(),
                r.kind.clone(),
            ];
            if wide {
                line.push(r.verbs.join(","));
                line.push(r.categories.join(","));
            }
            lines.push(line);
        }
        out!("{}", align(&lines));
    }
    // Group versions that could not be discovered are reported after the rest,
    // as kubectl does.
    if !resources.failures.is_empty() {
        let list: Vec<String> = resources
            .failures
            .iter()
            .map(|f| format!("{}: {}", f.group_version, f.reason))
            .collect();
        return Err(Failure::msg(format!(
            "unable to retrieve the complete list of server APIs: {}",
            list.join(", ")
        )));
    }
    Ok(())
}
