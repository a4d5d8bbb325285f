//! What discovery reports: the server's version, groups and resources.

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::wire;
use crate::Error;
use crate::dynamic::{ApiResource, ApiSubresource, GroupVersion};

/// The server's build, as `/version` reports it (`version.Info`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServerVersion {
    /// Major version, such as `1`.
    #[serde(default)]
    pub major: String,
    /// Minor version, such as `34`.
    #[serde(default)]
    pub minor: String,
    /// Emulated major version (Kubernetes 1.31+), if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulation_major: Option<String>,
    /// Emulated minor version (Kubernetes 1.31+), if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emulation_minor: Option<String>,
    /// Minimum compatibility major version (Kubernetes 1.31+), if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_compatibility_major: Option<String>,
    /// Minimum compatibility minor version (Kubernetes 1.31+), if reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_compatibility_minor: Option<String>,
    /// The release, such as `v1.34.3`.
    #[serde(default)]
    pub git_version: String,
    /// The commit built.
    #[serde(default)]
    pub git_commit: String,
    /// `clean` or `dirty`.
    #[serde(default)]
    pub git_tree_state: String,
    /// When it was built (RFC 3339).
    #[serde(default)]
    pub build_date: String,
    /// The Go version used.
    #[serde(default)]
    pub go_version: String,
    /// The Go compiler used.
    #[serde(default)]
    pub compiler: String,
    /// `os/arch`.
    #[serde(default)]
    pub platform: String,
}

/// An API group with its versions, as discovery lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiGroup {
    /// The group name; `""` for the core group.
    pub name: String,
    /// Versions in the server's order of preference.
    pub versions: Vec<String>,
    /// The version the server prefers, if it names one.
    pub preferred_version: Option<String>,
}

impl ApiGroup {
    /// Every `group/version` of the group (`v1` for the core group).
    pub fn group_versions(&self) -> impl Iterator<Item = GroupVersion> + '_ {
        self.versions
            .iter()
            .map(|v| GroupVersion::new(&self.name, v))
    }

    /// The preferred version, else the first listed.
    pub fn preferred_or_first(&self) -> Option<&str> {
        self.preferred_version
            .as_deref()
            .or(self.versions.first().map(String::as_str))
    }
}

/// The resources of one group version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupVersionResources {
    /// The group version.
    pub group_version: GroupVersion,
    /// Its top-level resources; subresources are inside each
    /// ([`ApiResource::subresources`]).
    pub resources: Vec<ApiResource>,
}

/// Why one group version could not be discovered.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum FailureReason {
    /// Aggregated discovery marked it stale: the aggregated API server behind
    /// it did not answer in time.
    Stale,
    /// Fetching it failed (legacy discovery).
    Request(Arc<Error>),
    /// The server named its group with something other than a DNS-1123 subdomain, which
    /// cannot be a path part safely (`..`, `/etc`): it is neither requested nor cached.
    InvalidGroupName,
    /// The server named the version with something other than a DNS-1123 label.
    InvalidVersionName,
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureReason::Stale => f.write_str("stale GroupVersion discovery"),
            FailureReason::Request(e) => write!(f, "{e}"),
            FailureReason::InvalidGroupName => {
                f.write_str("the group name is not a valid DNS-1123 subdomain")
            }
            FailureReason::InvalidVersionName => {
                f.write_str("the version name is not a valid DNS-1123 label")
            }
        }
    }
}

/// A group version discovery could not read; the others are unaffected.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GroupVersionFailure {
    /// The group version.
    pub group_version: GroupVersion,
    /// What went wrong.
    pub reason: FailureReason,
}

/// Everything discovery found: groups, the resources of each group version,
/// and the group versions that failed (reported here instead of failing the
/// whole call, as client-go's `ErrGroupDiscoveryFailed` does).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ServerResources {
    /// Groups in the server's order, the core group first.
    pub groups: Vec<ApiGroup>,
    /// Resources per group version, in group order then version order.
    pub resources: Vec<GroupVersionResources>,
    /// Group versions that could not be discovered.
    pub failures: Vec<GroupVersionFailure>,
}

impl ServerResources {
    /// Builds the public view from legacy documents plus per-version failures.
    pub(crate) fn from_documents(
        docs: &wire::Documents,
        mut failures: Vec<GroupVersionFailure>,
    ) -> Self {
        failures.extend(docs.stale.iter().map(|gv| GroupVersionFailure {
            group_version: gv.clone(),
            reason: FailureReason::Stale,
        }));
        let groups = docs.groups.iter().map(api_group).collect();
        let resources = docs
            .resources
            .iter()
            .map(|(gv, list)| GroupVersionResources {
                group_version: gv.clone(),
                resources: fold_subresources(gv, &list.resources),
            })
            .collect();
        ServerResources {
            groups,
            resources,
            failures,
        }
    }

    /// The resources of one group version, if it was discovered.
    pub fn group_version(&self, gv: &GroupVersion) -> Option<&[ApiResource]> {
        self.resources
            .iter()
            .find(|r| &r.group_version == gv)
            .map(|r| r.resources.as_slice())
    }

    /// Every resource of every group version, in discovery order.
    pub fn all(&self) -> impl Iterator<Item = &ApiResource> {
        self.resources.iter().flat_map(|r| r.resources.iter())
    }

    /// Each resource once, at its group's preferred version when it exists
    /// there and otherwise at the first version that has it: client-go's
    /// `ServerPreferredResources`, which `kubectl api-resources` prints.
    pub fn preferred(&self) -> Vec<ApiResource> {
        let mut out: Vec<ApiResource> = Vec::new();
        for group in &self.groups {
            let start = out.len();
            for gv in group.group_versions() {
                let Some(resources) = self.group_version(&gv) else {
                    continue;
                };
                let preferred = group.preferred_version.as_deref() == Some(gv.version.as_str());
                for r in resources {
                    match out[start..].iter().position(|o| o.plural == r.plural) {
                        Some(i) if preferred => out[start + i] = r.clone(),
                        Some(_) => {}
                        None => out.push(r.clone()),
                    }
                }
            }
        }
        out
    }

    /// The position of a group version in priority order: groups in server
    /// order, within a group the preferred version first, then the others in
    /// the server's order (client-go's discovery REST mapper priorities).
    pub(crate) fn priority(&self, gv: &GroupVersion) -> (usize, usize) {
        for (gi, group) in self.groups.iter().enumerate() {
            if group.name != gv.group {
                continue;
            }
            if group.preferred_version.as_deref() == Some(gv.version.as_str()) {
                return (gi, 0);
            }
            let vi = group
                .versions
                .iter()
                .position(|v| *v == gv.version)
                .unwrap_or(group.versions.len());
            return (gi, vi + 1);
        }
        (usize::MAX, usize::MAX)
    }
}

fn api_group(g: &wire::ApiGroup) -> ApiGroup {
    let preferred = &g.preferred_version.version;
    ApiGroup {
        name: g.name.clone(),
        versions: g.versions.iter().map(|v| v.version.clone()).collect(),
        preferred_version: (!preferred.is_empty()).then(|| preferred.clone()),
    }
}

/// Turns `parent/sub` entries into subresources of their parent.
fn fold_subresources(gv: &GroupVersion, list: &[wire::ApiResource]) -> Vec<ApiResource> {
    let mut out: Vec<ApiResource> = Vec::new();
    let mut seen = HashSet::new();
    for r in list.iter().filter(|r| !r.name.contains('/')) {
        if !seen.insert(r.name.as_str()) {
            continue;
        }
        let mut ar = ApiResource::new(&gv.group, &gv.version, &r.kind, &r.name, r.namespaced);
        ar.singular = r.singular_name.clone();
        ar.verbs = r.verbs.clone();
        ar.short_names = r.short_names.clone();
        ar.categories = r.categories.clone();
        out.push(ar);
    }
    for r in list {
        let Some((parent, sub)) = r.name.split_once('/') else {
            continue;
        };
        let Some(parent) = out.iter_mut().find(|p| p.plural == parent) else {
            continue;
        };
        let mut s = ApiSubresource::named(sub);
        s.group = r.group.clone();
        s.version = r.version.clone();
        s.kind = r.kind.clone();
        s.verbs = r.verbs.clone();
        parent.subresources.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(name: &str, kind: &str) -> wire::ApiResource {
        wire::ApiResource {
            name: name.into(),
            kind: kind.into(),
            namespaced: true,
            verbs: vec!["get".into()],
            ..Default::default()
        }
    }

    fn gvd(gv: &str, v: &str) -> wire::GroupVersionForDiscovery {
        wire::GroupVersionForDiscovery {
            group_version: gv.into(),
            version: v.into(),
        }
    }

    /// A group `g` with versions v2 (preferred) and v1; `a` only in v1, `b` in both.
    pub(crate) fn two_versions() -> ServerResources {
        let v1 = GroupVersion::new("g", "v1");
        let v2 = GroupVersion::new("g", "v2");
        let docs = wire::Documents {
            groups: vec![wire::ApiGroup {
                name: "g".into(),
                versions: vec![gvd("g/v1", "v1"), gvd("g/v2", "v2")],
                preferred_version: gvd("g/v2", "v2"),
            }],
            resources: vec![
                (
                    v1.clone(),
                    wire::ApiResourceList::new(&v1, vec![res("as", "A"), res("bs", "B")]),
                ),
                (
                    v2.clone(),
                    wire::ApiResourceList::new(
                        &v2,
                        vec![res("bs", "B"), res("bs/status", "B"), res("cs", "C")],
                    ),
                ),
            ],
            stale: vec![GroupVersion::new("g", "v3")],
        };
        ServerResources::from_documents(&docs, Vec::new())
    }

    #[test]
    fn subresources_fold_into_parents() {
        let sr = two_versions();
        let v2 = sr.group_version(&GroupVersion::new("g", "v2")).unwrap();
        assert_eq!(v2.len(), 2);
        assert_eq!(v2[0].subresources[0].name, "status");
        assert_eq!(v2[0].api_version(), "g/v2");
        assert!(matches!(sr.failures[0].reason, FailureReason::Stale));
    }

    #[test]
    fn preferred_takes_preferred_version_else_first() {
        let got: Vec<_> = two_versions()
            .preferred()
            .into_iter()
            .map(|r| format!("{}.{}", r.plural, r.version))
            .collect();
        assert_eq!(got, ["as.v1", "bs.v2", "cs.v2"]);
    }

    #[test]
    fn priority_orders_preferred_first() {
        let sr = two_versions();
        assert_eq!(sr.priority(&GroupVersion::new("g", "v2")), (0, 0));
        assert_eq!(sr.priority(&GroupVersion::new("g", "v1")), (0, 1));
        assert_eq!(sr.priority(&GroupVersion::new("x", "v1")).0, usize::MAX);
    }
}
