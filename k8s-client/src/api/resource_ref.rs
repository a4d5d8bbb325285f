//! What an [`Api`](super::Api) addresses: a typed kind's compile-time names,
//! or a resource described at run time.

use std::sync::Arc;

use crate::Resource;
use crate::dynamic::ApiResource;

/// The resource an `Api` is for.
///
/// A typed kind borrows its names from its [`Resource`] consts, so building
/// an `Api` for it allocates nothing; a run-time resource is shared, so
/// cloning an `Api` never copies it.
#[derive(Clone, Debug)]
pub(crate) enum ResourceRef {
    Typed {
        group: &'static str,
        version: &'static str,
        api_version: &'static str,
        kind: &'static str,
        plural: &'static str,
    },
    Dynamic(Arc<ApiResource>),
}

impl ResourceRef {
    pub(crate) fn of<K: Resource>() -> Self {
        ResourceRef::Typed {
            group: K::GROUP,
            version: K::VERSION,
            api_version: K::API_VERSION,
            kind: K::KIND,
            plural: K::PLURAL,
        }
    }

    pub(crate) fn group(&self) -> &str {
        match self {
            ResourceRef::Typed { group, .. } => group,
            ResourceRef::Dynamic(r) => &r.group,
        }
    }

    pub(crate) fn version(&self) -> &str {
        match self {
            ResourceRef::Typed { version, .. } => version,
            ResourceRef::Dynamic(r) => &r.version,
        }
    }

    pub(crate) fn kind(&self) -> &str {
        match self {
            ResourceRef::Typed { kind, .. } => kind,
            ResourceRef::Dynamic(r) => &r.kind,
        }
    }

    pub(crate) fn plural(&self) -> &str {
        match self {
            ResourceRef::Typed { plural, .. } => plural,
            ResourceRef::Dynamic(r) => &r.plural,
        }
    }

    /// The `apiVersion` of its objects.
    pub(crate) fn api_version(&self) -> std::borrow::Cow<'_, str> {
        match self {
            ResourceRef::Typed { api_version, .. } => (*api_version).into(),
            ResourceRef::Dynamic(r) => r.api_version().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::v1::ConfigMap;

    #[test]
    fn typed_and_dynamic_agree() {
        let typed = ResourceRef::of::<ConfigMap>();
        let dynamic = ResourceRef::Dynamic(Arc::new(ApiResource::of::<ConfigMap>()));
        for r in [&typed, &dynamic] {
            assert_eq!(
                (r.group(), r.version(), r.kind(), r.plural()),
                ("", "v1", "ConfigMap", "configmaps")
            );
            assert_eq!(r.api_version(), "v1");
        }
    }
}
