//! Group, version, kind and resource names, and parsing them from `apiVersion`.

use std::fmt;

/// A group and a version, such as `apps/v1`, or `v1` for the core group.
///
/// ```
/// use k8s_client::dynamic::GroupVersion;
/// let gv: GroupVersion = "apps/v1".parse().unwrap();
/// assert_eq!((gv.group.as_str(), gv.version.as_str()), ("apps", "v1"));
/// assert_eq!(GroupVersion::parse("v1").unwrap(), GroupVersion::new("", "v1"));
/// assert_eq!(gv.to_string(), "apps/v1");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupVersion {
    /// The API group; `""` for the core group.
    pub group: String,
    /// The version.
    pub version: String,
}

impl GroupVersion {
    /// A group and version.
    pub fn new(group: &str, version: &str) -> Self {
        GroupVersion {
            group: group.to_owned(),
            version: version.to_owned(),
        }
    }

    /// Parses an `apiVersion`: `GROUP/VERSION`, or `VERSION` for the core group.
    ///
    /// Empty parts and more than one `/` are rejected.
    pub fn parse(api_version: &str) -> Result<Self, ParseGroupVersionError> {
        let bad = || ParseGroupVersionError(api_version.to_owned());
        match api_version.split_once('/') {
            None if !api_version.is_empty() => Ok(GroupVersion::new("", api_version)),
            None => Err(bad()),
            Some((group, version)) => {
                if group.is_empty() || version.is_empty() || version.contains('/') {
                    return Err(bad());
                }
                Ok(GroupVersion::new(group, version))
            }
        }
    }

    /// `GROUP/VERSION`, or `VERSION` for the core group.
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }

    /// The URL prefix: `/api/VERSION` for the core group, `/apis/GROUP/VERSION` otherwise.
    pub fn url_prefix(&self) -> String {
        url_prefix(&self.group, &self.version)
    }

    /// This group version with a kind.
    pub fn with_kind(&self, kind: &str) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, kind)
    }

    /// This group version with a resource.
    pub fn with_resource(&self, resource: &str) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, resource)
    }
}

impl fmt::Display for GroupVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_api_version(f, &self.group, &self.version)
    }
}

/// `GROUP/VERSION`, or `VERSION` for the core group: an object's `apiVersion`.
pub(crate) fn api_version(group: &str, version: &str) -> String {
    let mut out = String::with_capacity(group.len() + 1 + version.len());
    let _ = write_api_version(&mut out, group, version);
    out
}

fn write_api_version(out: &mut impl fmt::Write, group: &str, version: &str) -> fmt::Result {
    if !group.is_empty() {
        out.write_str(group)?;
        out.write_char('/')?;
    }
    out.write_str(version)
}

/// The URL prefix of a group version: `/api/VERSION` for the core group,
/// `/apis/GROUP/VERSION` otherwise.
pub(crate) fn url_prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

impl std::str::FromStr for GroupVersion {
    type Err = ParseGroupVersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GroupVersion::parse(s)
    }
}

/// An `apiVersion` that is not `GROUP/VERSION` or `VERSION`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid apiVersion {0:?}: expected GROUP/VERSION or VERSION")]
pub struct ParseGroupVersionError(pub String);

/// A group, version and kind, such as `apps/v1, Kind=Deployment`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupVersionKind {
    /// The API group; `""` for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind, such as `Deployment`.
    pub kind: String,
}

impl GroupVersionKind {
    /// A group, version and kind.
    pub fn new(group: &str, version: &str, kind: &str) -> Self {
        GroupVersionKind {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        }
    }

    /// From an `apiVersion` string and a kind.
    ///
    /// ```
    /// use k8s_client::dynamic::GroupVersionKind;
    /// let gvk = GroupVersionKind::from_api_version("apps/v1", "Deployment").unwrap();
    /// assert_eq!(gvk, GroupVersionKind::new("apps", "v1", "Deployment"));
    /// ```
    pub fn from_api_version(api_version: &str, kind: &str) -> Result<Self, ParseGroupVersionError> {
        Ok(GroupVersion::parse(api_version)?.with_kind(kind))
    }

    /// The group and version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(&self.group, &self.version)
    }

    /// `GROUP/VERSION`, or `VERSION` for the core group.
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }
}

impl fmt::Display for GroupVersionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_api_version(f, &self.group, &self.version)?;
        write!(f, ", Kind={}", self.kind)
    }
}

/// A group, version and resource (plural), such as `apps/v1, Resource=deployments`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupVersionResource {
    /// The API group; `""` for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The plural resource name, such as `deployments`.
    pub resource: String,
}

impl GroupVersionResource {
    /// A group, version and resource.
    pub fn new(group: &str, version: &str, resource: &str) -> Self {
        GroupVersionResource {
            group: group.to_owned(),
            version: version.to_owned(),
            resource: resource.to_owned(),
        }
    }

    /// From an `apiVersion` string and a plural resource name.
    pub fn from_api_version(
        api_version: &str,
        resource: &str,
    ) -> Result<Self, ParseGroupVersionError> {
        Ok(GroupVersion::parse(api_version)?.with_resource(resource))
    }

    /// The group and version.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(&self.group, &self.version)
    }

    /// `GROUP/VERSION`, or `VERSION` for the core group.
    pub fn api_version(&self) -> String {
        api_version(&self.group, &self.version)
    }
}

impl fmt::Display for GroupVersionResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_api_version(f, &self.group, &self.version)?;
        write!(f, ", Resource={}", self.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_api_versions() {
        assert_eq!(
            GroupVersion::parse("apps/v1"),
            Ok(GroupVersion::new("apps", "v1"))
        );
        assert_eq!(GroupVersion::parse("v1"), Ok(GroupVersion::new("", "v1")));
        assert_eq!(
            GroupVersion::parse("example.com/v1beta1"),
            Ok(GroupVersion::new("example.com", "v1beta1"))
        );
        for bad in ["", "/v1", "apps/", "a/b/c"] {
            assert!(GroupVersion::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn display_and_prefix() {
        let core = GroupVersion::new("", "v1");
        assert_eq!(core.to_string(), "v1");
        assert_eq!(core.url_prefix(), "/api/v1");
        let apps = GroupVersion::new("apps", "v1");
        assert_eq!(apps.url_prefix(), "/apis/apps/v1");
        assert_eq!(
            apps.with_kind("Deployment").to_string(),
            "apps/v1, Kind=Deployment"
        );
        assert_eq!(
            GroupVersionResource::from_api_version("v1", "pods")
                .unwrap()
                .to_string(),
            "v1, Resource=pods"
        );
    }
}
