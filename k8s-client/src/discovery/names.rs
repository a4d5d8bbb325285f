//! Group and version names from the server, checked before they become parts of request
//! paths and disk cache paths: a hostile server (or a man in the middle) could otherwise
//! name a group `../..` or `/etc` and write outside the cache.

use super::model::{FailureReason, GroupVersionFailure};
use super::wire::Documents;
use crate::dynamic::GroupVersion;
use crate::names::{is_dns1123_label, is_dns1123_subdomain};

/// Why `gv` cannot be a path part, or `None` when it can: the group is `""` (core) or a
/// DNS-1123 subdomain, and the version a DNS-1123 label.
pub(crate) fn invalid_name(gv: &GroupVersion) -> Option<FailureReason> {
    if !gv.group.is_empty() && !is_dns1123_subdomain(&gv.group) {
        return Some(FailureReason::InvalidGroupName);
    }
    if !is_dns1123_label(&gv.version) {
        return Some(FailureReason::InvalidVersionName);
    }
    None
}

/// Takes every group version with an invalid name out of `docs` and reports each as a
/// failing group version, as other discovery failures are: the rest of discovery goes on.
pub(crate) fn reject_invalid_names(docs: &mut Documents) -> Vec<GroupVersionFailure> {
    let mut failures = Vec::new();
    for group in &mut docs.groups {
        let name = group.name.clone();
        group.versions.retain(|v| {
            let gv = GroupVersion::new(&name, &v.version);
            match invalid_name(&gv) {
                None => true,
                Some(reason) => {
                    tracing::debug!(%gv, %reason, "discovery skips a group version");
                    failures.push(GroupVersionFailure {
                        group_version: gv,
                        reason,
                    });
                    false
                }
            }
        });
        if !group.versions.contains(&group.preferred_version) {
            group.preferred_version = group.versions.first().cloned().unwrap_or_default();
        }
    }
    docs.groups
        .retain(|g| !g.versions.is_empty() && (g.name.is_empty() || is_dns1123_subdomain(&g.name)));
    docs.resources.retain(|(gv, _)| invalid_name(gv).is_none());
    docs.stale.retain(|gv| invalid_name(gv).is_none());
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::wire::{ApiGroup, ApiResourceList, GroupVersionForDiscovery};

    fn group(name: &str, versions: &[&str]) -> ApiGroup {
        let versions: Vec<_> = versions
            .iter()
            .map(|v| GroupVersionForDiscovery {
                group_version: format!("{name}/{v}"),
                version: (*v).to_owned(),
            })
            .collect();
        ApiGroup {
            name: name.to_owned(),
            preferred_version: versions.first().cloned().unwrap_or_default(),
            versions,
        }
    }

    #[test]
    fn invalid_groups_and_versions_become_failures() {
        let bad = ["..", "/etc", "a/b", "Apps", "a..b"];
        let mut docs = Documents::default();
        docs.groups.push(group("", &["v1"]));
        for name in bad {
            docs.groups.push(group(name, &["v1"]));
        }
        docs.groups.push(group("apps", &["..", "v1"]));
        for g in &docs.groups {
            for v in &g.versions {
                let gv = GroupVersion::new(&g.name, &v.version);
                docs.resources
                    .push((gv.clone(), ApiResourceList::new(&gv, Vec::new())));
            }
        }
        docs.stale.push(GroupVersion::new("../x", "v1"));

        let failures = reject_invalid_names(&mut docs);
        let reasons: Vec<_> = failures
            .iter()
            .map(|f| (f.group_version.group.as_str(), f.reason.to_string()))
            .collect();
        assert_eq!(failures.len(), bad.len() + 1, "{reasons:?}");
        assert!(matches!(
            failures.last().map(|f| &f.reason),
            Some(FailureReason::InvalidVersionName)
        ));
        assert!(
            reasons.iter().all(|(_, r)| r.contains("DNS-1123")),
            "{reasons:?}"
        );
        let left: Vec<_> = docs.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(left, ["", "apps"]);
        // apps' preferred version was the bad one: the next one takes its place.
        assert_eq!(docs.groups[1].preferred_version.version, "v1");
        let gvs: Vec<_> = docs
            .resources
            .iter()
            .map(|(gv, _)| gv.to_string())
            .collect();
        assert_eq!(gvs, ["v1", "apps/v1"]);
        assert!(docs.stale.is_empty());
    }
}
