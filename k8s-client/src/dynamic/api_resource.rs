use crate::{Resource, Scope};

/// What addresses a resource on the server: group, version, plural and scope.
///
/// Typed resources carry this at compile time; for anything else it comes from
/// discovery or is written by hand.
///
/// ```
/// use k8s_client::dynamic::ApiResource;
/// let widgets = ApiResource::new("example.com", "v1", "Widget", "widgets", true);
/// assert_eq!(widgets.api_version, "example.com/v1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ApiResource {
    /// The API group; `""` for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// `GROUP/VERSION`, or `VERSION` for the core group.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// The plural resource name used in URLs.
    pub plural: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
}

impl ApiResource {
    /// Describes a resource by hand.
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        let api_version = if group.is_empty() {
            version.to_owned()
        } else {
            format!("{group}/{version}")
        };
        ApiResource {
            group: group.to_owned(),
            version: version.to_owned(),
            api_version,
            kind: kind.to_owned(),
            plural: plural.to_owned(),
            namespaced,
        }
    }

    /// The description of a typed resource.
    pub fn of<K: Resource>() -> Self {
        ApiResource::new(
            K::GROUP,
            K::VERSION,
            K::KIND,
            K::PLURAL,
            K::Scope::NAMESPACED.unwrap_or(true),
        )
    }
}
