//! The discovery documents as the server (and client-go's disk cache) encode
//! them, and the conversion of aggregated discovery into the legacy form.
//!
//! Both fetch paths and the disk cache meet in one shape, the legacy one
//! (an `APIGroupList` plus one `APIResourceList` per group version), because
//! that is what client-go writes to `~/.kube/cache/discovery`: kubectl and
//! this crate can then read each other's files. Pure: no IO here.

use serde::{Deserialize, Serialize};

use crate::dynamic::GroupVersion;

/// `metav1.APIVersions`, served at `/api` by legacy discovery.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ApiVersions {
    #[serde(default)]
    pub(crate) versions: Vec<String>,
}

/// `metav1.APIGroupList` (`/apis`, and `servergroups.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ApiGroupList {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(rename = "apiVersion", default)]
    pub(crate) api_version: String,
    #[serde(default)]
    pub(crate) groups: Vec<ApiGroup>,
}

impl ApiGroupList {
    /// A list with the type meta client-go's decoder requires in cache files.
    pub(crate) fn new(groups: Vec<ApiGroup>) -> Self {
        ApiGroupList {
            kind: "APIGroupList".to_owned(),
            api_version: "v1".to_owned(),
            groups,
        }
    }
}

/// `metav1.APIGroup`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ApiGroup {
    // Go encodes the core group's empty name, so never skip it.
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) versions: Vec<GroupVersionForDiscovery>,
    #[serde(rename = "preferredVersion", default)]
    pub(crate) preferred_version: GroupVersionForDiscovery,
}

/// `metav1.GroupVersionForDiscovery`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct GroupVersionForDiscovery {
    #[serde(rename = "groupVersion", default)]
    pub(crate) group_version: String,
    #[serde(default)]
    pub(crate) version: String,
}

impl GroupVersionForDiscovery {
    fn of(gv: &GroupVersion) -> Self {
        GroupVersionForDiscovery {
            group_version: gv.to_string(),
            version: gv.version.clone(),
        }
    }
}

/// `metav1.APIResourceList` (`/apis/G/V`, and `serverresources.json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ApiResourceList {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(rename = "apiVersion", default)]
    pub(crate) api_version: String,
    #[serde(rename = "groupVersion", default)]
    pub(crate) group_version: String,
    #[serde(rename = "resources", default)]
    pub(crate) resources: Vec<ApiResource>,
}

impl ApiResourceList {
    /// A list with the type meta client-go's decoder requires in cache files.
    pub(crate) fn new(gv: &GroupVersion, resources: Vec<ApiResource>) -> Self {
        ApiResourceList {
            kind: "APIResourceList".to_owned(),
            api_version: "v1".to_owned(),
            group_version: gv.to_string(),
            resources,
        }
    }
}

/// `metav1.APIResource`; subresources are entries named `parent/sub`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ApiResource {
    pub(crate) name: String,
    #[serde(rename = "singularName", default)]
    pub(crate) singular_name: String,
    #[serde(default)]
    pub(crate) namespaced: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) kind: String,
    // Go encodes nil verbs as null; decode that as empty.
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) verbs: Vec<String>,
    #[serde(rename = "shortNames", default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) short_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) categories: Vec<String>,
    #[serde(
        rename = "storageVersionHash",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub(crate) storage_version_hash: String,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `apidiscovery.k8s.io/v2` `APIGroupDiscoveryList` (v2beta1 has the same JSON shape).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AggregatedList {
    #[serde(default)]
    pub(crate) items: Vec<AggregatedGroup>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AggregatedGroup {
    #[serde(default)]
    pub(crate) metadata: NameOnly,
    #[serde(default)]
    pub(crate) versions: Vec<AggregatedVersion>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NameOnly {
    #[serde(default)]
    pub(crate) name: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AggregatedVersion {
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) resources: Vec<AggregatedResource>,
    #[serde(default)]
    pub(crate) freshness: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AggregatedResource {
    #[serde(default)]
    pub(crate) resource: String,
    #[serde(default)]
    pub(crate) response_kind: Option<ResponseKind>,
    #[serde(default)]
    pub(crate) scope: String,
    #[serde(default)]
    pub(crate) singular_resource: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) verbs: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) short_names: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) categories: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) subresources: Vec<AggregatedSubresource>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AggregatedSubresource {
    #[serde(default)]
    pub(crate) subresource: String,
    #[serde(default)]
    pub(crate) response_kind: Option<ResponseKind>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) verbs: Vec<String>,
}

#[derive(Debug, Default, PartialEq, Deserialize)]
pub(crate) struct ResponseKind {
    #[serde(default)]
    pub(crate) group: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) kind: String,
}

impl ResponseKind {
    fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty() && self.kind.is_empty()
    }
}

/// Whether a `Content-Type` is aggregated discovery (`g=apidiscovery.k8s.io`,
/// `as=APIGroupDiscoveryList`, `v=v2` or `v2beta1`), in any parameter order.
pub(crate) fn is_aggregated(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|media| media.eq_ignore_ascii_case("application/json"))
    {
        return false;
    }
    let (mut g, mut v, mut as_) = (false, false, false);
    for param in parts {
        match param.split_once('=') {
            Some(("g", "apidiscovery.k8s.io")) => g = true,
            Some(("v", "v2" | "v2beta1")) => v = true,
            Some(("as", "APIGroupDiscoveryList")) => as_ = true,
            _ => {}
        }
    }
    g && v && as_
}

/// Legacy discovery documents of a whole server, or of part of it.
#[derive(Debug, Default)]
pub(crate) struct Documents {
    /// Groups in the server's order, the core group first.
    pub(crate) groups: Vec<ApiGroup>,
    /// One list per group version that could be read.
    pub(crate) resources: Vec<(GroupVersion, ApiResourceList)>,
    /// Group versions the server reported as stale.
    pub(crate) stale: Vec<GroupVersion>,
}

/// Splits aggregated discovery into groups and per-version resource lists,
/// as client-go's `SplitGroupsAndResources` does: stale versions are left out
/// of the group and reported, subresources become `parent/sub` entries, and
/// the first version listed is the preferred one.
pub(crate) fn split_aggregated(list: AggregatedList) -> Documents {
    let mut out = Documents::default();
    for group in list.items {
        let name = group.metadata.name;
        let mut api_group = ApiGroup {
            name: name.clone(),
            ..ApiGroup::default()
        };
        for version in group.versions {
            let gv = GroupVersion::new(&name, &version.version);
            if version.freshness == "Stale" {
                out.stale.push(gv);
                continue;
            }
            let entry = GroupVersionForDiscovery::of(&gv);
            if api_group.versions.is_empty() {
                api_group.preferred_version = entry.clone();
            }
            api_group.versions.push(entry);
            let mut resources = Vec::new();
            for r in version.resources {
                // client-go drops a resource without a kind but keeps its subresources.
                let parent = ApiResource {
                    name: r.resource,
                    singular_name: r.singular_resource,
                    namespaced: r.scope == "Namespaced",
                    verbs: r.verbs,
                    short_names: r.short_names,
                    categories: r.categories,
                    ..ApiResource::default()
                };
                let mut parent_kept = parent.clone();
                let has_kind = match &r.response_kind {
                    Some(k) if !k.is_empty() => {
                        parent_kept.group = k.group.clone();
                        parent_kept.version = k.version.clone();
                        parent_kept.kind = k.kind.clone();
                        true
                    }
                    _ => false,
                };
                if has_kind {
                    resources.push(parent_kept);
                }
                for sub in r.subresources {
                    let Some(kind) = sub.response_kind.filter(|k| !k.is_empty()) else {
                        continue;
                    };
                    resources.push(ApiResource {
                        name: format!("{}/{}", parent.name, sub.subresource),
                        singular_name: parent.singular_name.clone(),
                        namespaced: parent.namespaced,
                        group: kind.group,
                        version: kind.version,
                        kind: kind.kind,
                        verbs: sub.verbs,
                        ..ApiResource::default()
                    });
                }
            }
            out.resources
                .push((gv.clone(), ApiResourceList::new(&gv, resources)));
        }
        out.groups.push(api_group);
    }
    out
}

/// The core group from legacy `/api`'s version list.
pub(crate) fn core_group(versions: &ApiVersions) -> Option<ApiGroup> {
    let first = versions.versions.first()?;
    let entries: Vec<_> = versions
        .versions
        .iter()
        .map(|v| GroupVersionForDiscovery::of(&GroupVersion::new("", v)))
        .collect();
    Some(ApiGroup {
        name: String::new(),
        preferred_version: GroupVersionForDiscovery::of(&GroupVersion::new("", first)),
        versions: entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aggregated_content_types() {
        assert!(is_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        ));
        assert!(is_aggregated(
            "application/json; as=APIGroupDiscoveryList; v=v2beta1; g=apidiscovery.k8s.io; charset=utf-8"
        ));
        assert!(!is_aggregated("application/json"));
        assert!(!is_aggregated(
            "application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        ));
    }

    #[test]
    fn splits_aggregated_like_client_go() {
        let list: AggregatedList = serde_json::from_value(json!({
          "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
          "items": [{
            "metadata": {"name": "apps"},
            "versions": [
              {"version": "v1", "freshness": "Current", "resources": [{
                "resource": "deployments", "scope": "Namespaced", "singularResource": "deployment",
                "responseKind": {"group": "", "version": "", "kind": "Deployment"},
                "verbs": ["get", "list"], "shortNames": ["deploy"], "categories": ["all"],
                "subresources": [
                  {"subresource": "scale", "verbs": ["get"],
                   "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}},
                  {"subresource": "nokind", "verbs": ["get"]}
                ]
              }, {
                "resource": "kindless", "scope": "Cluster", "verbs": ["get"],
                "subresources": [{"subresource": "status", "responseKind": {"kind": "X"}}]
              }]},
              {"version": "v1beta1", "freshness": "Stale", "resources": []}
            ]
          }]
        }))
        .unwrap();
        let docs = split_aggregated(list);
        assert_eq!(docs.stale, vec![GroupVersion::new("apps", "v1beta1")]);
        assert_eq!(docs.groups.len(), 1);
        assert_eq!(docs.groups[0].versions.len(), 1);
        assert_eq!(docs.groups[0].preferred_version.group_version, "apps/v1");
        let (gv, list) = &docs.resources[0];
        assert_eq!(gv, &GroupVersion::new("apps", "v1"));
        let names: Vec<_> = list.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            ["deployments", "deployments/scale", "kindless/status"]
        );
        assert_eq!(list.resources[1].kind, "Scale");
        assert_eq!(list.resources[1].group, "autoscaling");
        assert!(list.resources[1].namespaced);
        // The cache file is what client-go writes: type meta and Go's field names.
        let file = serde_json::to_value(list).unwrap();
        assert_eq!(file["kind"], "APIResourceList");
        assert_eq!(file["groupVersion"], "apps/v1");
        assert_eq!(file["resources"][0]["singularName"], "deployment");
        assert_eq!(file["resources"][0]["shortNames"], json!(["deploy"]));
        assert!(file["resources"][0].get("group").is_none());
    }

    #[test]
    fn null_lists_decode_as_empty() {
        let r: ApiResource = serde_json::from_value(json!({
            "name": "bindings", "singularName": "", "namespaced": true, "kind": "Binding", "verbs": null
        }))
        .unwrap();
        assert!(r.verbs.is_empty());
    }

    #[test]
    fn core_group_from_api_versions() {
        let g = core_group(&ApiVersions {
            versions: vec!["v1".into()],
        })
        .unwrap();
        assert_eq!(g.name, "");
        assert_eq!(g.preferred_version.group_version, "v1");
        assert!(core_group(&ApiVersions::default()).is_none());
    }
}
