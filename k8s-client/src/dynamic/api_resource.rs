use super::{GroupVersion, GroupVersionKind, GroupVersionResource};
use crate::{Resource, Scope};

/// What addresses a resource on the server: group, version, plural and scope,
/// plus what discovery says about it (verbs, names, categories, subresources).
///
/// Typed resources carry this at compile time; for anything else it comes from
/// discovery or is written by hand.
///
/// ```
/// use k8s_client::dynamic::ApiResource;
/// let widgets = ApiResource::new("example.com", "v1", "Widget", "widgets", true);
/// assert_eq!(widgets.api_version(), "example.com/v1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ApiResource {
    /// The API group; `""` for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind.
    pub kind: String,
    /// The plural resource name used in URLs.
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The singular name, such as `deployment`; empty when unknown.
    pub singular: String,
    /// The verbs the server supports (`get`, `list`, `watch`, …); empty when unknown.
    pub verbs: Vec<String>,
    /// Short names kubectl accepts, such as `deploy`.
    pub short_names: Vec<String>,
    /// Categories the resource belongs to, such as `all`.
    pub categories: Vec<String>,
    /// Subresources, such as `status` and `scale`.
    pub subresources: Vec<ApiSubresource>,
}

/// A subresource of an [`ApiResource`], such as `deployments/scale`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ApiSubresource {
    /// The subresource name, such as `scale` (without the parent).
    pub name: String,
    /// The group of the object it serves; `""` for the core group or when unknown.
    pub group: String,
    /// The version of the object it serves; empty when the same as the parent's.
    pub version: String,
    /// The kind it serves, such as `Scale`; empty when unknown.
    pub kind: String,
    /// The verbs it supports.
    pub verbs: Vec<String>,
}

impl ApiSubresource {
    /// A subresource known only by name.
    pub fn named(name: &str) -> Self {
        ApiSubresource {
            name: name.to_owned(),
            ..ApiSubresource::default()
        }
    }
}

impl ApiResource {
    /// Describes a resource by hand.
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        ApiResource {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
            plural: plural.to_owned(),
            namespaced,
            singular: String::new(),
            verbs: Vec::new(),
            short_names: Vec::new(),
            categories: Vec::new(),
            subresources: Vec::new(),
        }
    }

    /// The description of a typed resource.
    pub fn of<K: Resource>() -> Self {
        let mut ar = ApiResource::new(
            K::GROUP,
            K::VERSION,
            K::KIND,
            K::PLURAL,
            K::Scope::NAMESPACED,
        );
        ar.singular = K::SINGULAR.to_owned();
        ar.short_names = K::SHORT_NAMES.iter().map(|s| (*s).to_owned()).collect();
        ar.subresources = K::SUBRESOURCES
            .iter()
            .map(|s| ApiSubresource::named(s))
            .collect();
        ar
    }

    /// `GROUP/VERSION`, or `VERSION` for the core group: the `apiVersion` of its objects.
    pub fn api_version(&self) -> String {
        crate::names::api_version(&self.group, &self.version)
    }

    /// The group and version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(&self.group, &self.version)
    }

    /// The group, version and kind.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }

    /// The group, version and plural.
    pub fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, &self.plural)
    }

    /// Whether the server lists `verb` for it (`get`, `list`, `watch`, `create`, …).
    /// `false` when the verbs are unknown.
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// The subresource named `name`, if the resource has it.
    pub fn subresource(&self, name: &str) -> Option<&ApiSubresource> {
        self.subresources.iter().find(|s| s.name == name)
    }
}
