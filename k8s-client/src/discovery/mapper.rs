//! [`RestMapper`]: resource names as kubectl understands them.
//!
//! kubectl (`cli-runtime`'s resource builder over client-go's shortcut
//! expander, category expander and discovery REST mapper) resolves an
//! argument in this order; so does [`resolve_name`]:
//! 1. a category (`all`): every resource in it, each once;
//! 2. `resource.version.group` (`deployments.v1.apps`), when there are two dots;
//! 3. `resource[.group]`: an exact plural or singular name wins over a short
//!    name; a short name expands to its resource and group (the first in
//!    discovery order); the resource part is lower-cased, so `Pod` works; a
//!    group may be a prefix (`storageclasses.storage`);
//! 4. `Kind.version.group`, then `Kind[.group]` (exact, case-sensitive).
//!
//! Among several matches the group that comes first in discovery wins, at its
//! preferred version, else its first version that has the resource.

use super::{Discovery, ServerResources};
use crate::dynamic::{ApiResource, GroupVersion, GroupVersionKind, GroupVersionResource};
use crate::{Error, Result};

/// Resolves resource names, kinds and categories to [`ApiResource`]s using
/// [`Discovery`], as kubectl does.
///
/// A miss in a view read from a cache (possibly stale) refreshes discovery
/// once before it is reported as [`Error::NoMatch`].
///
/// ```no_run
/// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
/// use k8s_client::discovery::{Discovery, RestMapper};
///
/// let mapper = RestMapper::new(Discovery::new(client));
/// let deploy = mapper.resolve("deploy").await?;
/// assert_eq!(deploy[0].api_version(), "apps/v1");
/// let all = mapper.resolve("all").await?; // pods, services, deployments, …
/// assert!(all.len() > 1);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RestMapper {
    discovery: Discovery,
}

impl RestMapper {
    /// A mapper over `discovery` (sharing its caches).
    pub fn new(discovery: Discovery) -> Self {
        RestMapper { discovery }
    }

    /// The discovery this mapper reads.
    pub fn discovery(&self) -> &Discovery {
        &self.discovery
    }

    /// Resolves a name as `kubectl get NAME` does: one resource, or several
    /// for a category such as `all`.
    pub async fn resolve(&self, name: &str) -> Result<Vec<ApiResource>> {
        self.lookup(name, "a resource type", |sr| resolve_name(sr, name))
            .await
    }

    /// The kind served by a resource. The version may be empty (the preferred
    /// one is used) and the resource may be a singular or short name.
    pub async fn kind_for(&self, gvr: &GroupVersionResource) -> Result<GroupVersionKind> {
        let name = gvr.to_string();
        let found = self
            .lookup(&name, "a resource type", |sr| {
                resource_match(sr, &gvr.resource, &gvr.group, &gvr.version).map(|r| vec![r])
            })
            .await?;
        found.first().map(ApiResource::gvk).ok_or(Error::NoMatch {
            what: "a resource type",
            name,
        })
    }

    /// The resource that serves a kind. The version may be empty (the
    /// preferred one is used).
    pub async fn resource_for(&self, gvk: &GroupVersionKind) -> Result<ApiResource> {
        let name = gvk.to_string();
        let found = self
            .lookup(&name, "a kind", |sr| {
                kind_match(sr, &gvk.kind, &gvk.group, &gvk.version).map(|r| vec![r])
            })
            .await?;
        found.into_iter().next().ok_or(Error::NoMatch {
            what: "a kind",
            name,
        })
    }

    /// Runs `find` over the current view; on a miss in a view that is not
    /// fresh from the server, refreshes once and tries again.
    async fn lookup(
        &self,
        name: &str,
        what: &'static str,
        find: impl Fn(&ServerResources) -> Option<Vec<ApiResource>>,
    ) -> Result<Vec<ApiResource>> {
        let view = self.discovery.server_resources().await?;
        if let Some(found) = find(&view) {
            return Ok(found);
        }
        if !self.discovery.is_fresh() {
            tracing::debug!(name, "not in cached discovery: refreshing once");
            self.discovery.invalidate();
            let view = self.discovery.server_resources().await?;
            if let Some(found) = find(&view) {
                return Ok(found);
            }
        }
        Err(Error::NoMatch {
            what,
            name: name.to_owned(),
        })
    }
}

/// Resolves `name` in one view of discovery; `None` when nothing matches.
pub(crate) fn resolve_name(sr: &ServerResources, name: &str) -> Option<Vec<ApiResource>> {
    if name.is_empty() {
        return None;
    }
    let in_category = category(sr, name);
    if !in_category.is_empty() {
        return Some(in_category);
    }
    let dotted = (name.matches('.').count() >= 2).then(|| {
        let mut parts = name.splitn(3, '.');
        let first = parts.next().unwrap_or_default();
        let version = parts.next().unwrap_or_default();
        let group = parts.next().unwrap_or_default();
        (first, version, group)
    });
    if let Some((resource, version, group)) = dotted
        && let Some(r) = resource_match(sr, resource, group, version)
    {
        return Some(vec![r]);
    }
    let (resource, group) = name.split_once('.').unwrap_or((name, ""));
    if let Some(r) = resource_match(sr, resource, group, "") {
        return Some(vec![r]);
    }
    if let Some((kind, version, group)) = dotted
        && let Some(r) = kind_match(sr, kind, group, version)
    {
        return Some(vec![r]);
    }
    kind_match(sr, resource, group, "").map(|r| vec![r])
}

/// Every resource with `category`, each (group, resource) once at its best version.
fn category(sr: &ServerResources, category: &str) -> Vec<ApiResource> {
    let mut out: Vec<ApiResource> = Vec::new();
    for r in sr.all() {
        if !r.categories.iter().any(|c| c == category)
            || out
                .iter()
                .any(|o| o.group == r.group && o.plural == r.plural)
        {
            continue;
        }
        if let Some(best) = best(sr, |c| c.group == r.group && c.plural == r.plural) {
            out.push(best);
        }
    }
    out
}

/// A resource by (possibly short, singular or capitalised) name, with an
/// optional group (exact, else prefix) and version.
fn resource_match(
    sr: &ServerResources,
    resource: &str,
    group: &str,
    version: &str,
) -> Option<ApiResource> {
    let (resource, group) = expand_shortcut(sr, resource, group);
    let resource = resource.to_lowercase();
    let named = |c: &ApiResource| c.plural == resource || c.singular == resource;
    let version_ok = |c: &ApiResource| version.is_empty() || c.version == version;
    if group.is_empty() {
        return best(sr, |c| named(c) && version_ok(c));
    }
    best(sr, |c| c.group == group && named(c) && version_ok(c)).or_else(|| {
        if version.is_empty() {
            // client-go: `storageclass.storage` matches `storage.k8s.io`.
            best(sr, |c| c.group.starts_with(group.as_str()) && named(c))
        } else {
            None
        }
    })
}

/// client-go's shortcut expander: an exact plural or singular name is kept;
/// else the first short name in discovery order (in `group`, when given, or
/// in a group it prefixes) becomes its resource and group.
fn expand_shortcut(sr: &ServerResources, resource: &str, group: &str) -> (String, String) {
    let in_group = |g: &str| group.is_empty() || g == group;
    let exact = sr
        .all()
        .any(|r| in_group(&r.group) && (r.plural == resource || r.singular == resource));
    if exact {
        return (resource.to_owned(), group.to_owned());
    }
    let short = |prefix: bool| {
        sr.all().find(|r| {
            let group_ok = if prefix {
                r.group.starts_with(group)
            } else {
                in_group(&r.group)
            };
            group_ok && r.short_names.iter().any(|s| s == resource)
        })
    };
    let found = short(false).or_else(|| (!group.is_empty()).then(|| short(true)).flatten());
    match found {
        Some(r) => (r.plural.clone(), r.group.clone()),
        None => (resource.to_owned(), group.to_owned()),
    }
}

/// A kind (exact), with an optional group (exact) and version.
fn kind_match(sr: &ServerResources, kind: &str, group: &str, version: &str) -> Option<ApiResource> {
    best(sr, |c| {
        c.kind == kind && c.group == group && (version.is_empty() || c.version == version)
    })
}

/// The candidate whose group version comes first in priority order.
fn best(sr: &ServerResources, keep: impl Fn(&ApiResource) -> bool) -> Option<ApiResource> {
    sr.all()
        .filter(|r| keep(r))
        .min_by_key(|r| sr.priority(&GroupVersion::new(&r.group, &r.version)))
        .cloned()
}

#[cfg(test)]
mod tests;
