//! The [`Resource`] trait: what the API server needs to know about a type.

use crate::meta::ObjectMeta;

/// Marker for how a resource is addressed: inside a namespace or across the cluster.
///
/// Scope is a type rather than a flag so that the compiler rejects a namespaced
/// client for a cluster-scoped kind (see [`Api::namespaced`](crate::Api::namespaced)).
pub trait Scope: private::Sealed + 'static {
    /// Whether objects of this scope live inside a namespace.
    const NAMESPACED: bool;
}

/// Objects live inside a namespace (`/namespaces/NS/...`), like Pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NamespaceScope {}

/// Objects live at the cluster level, like Nodes or Namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusterScope {}

impl Scope for NamespaceScope {
    const NAMESPACED: bool = true;
}
impl Scope for ClusterScope {
    const NAMESPACED: bool = false;
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::NamespaceScope {}
    impl Sealed for super::ClusterScope {}
}

/// Access to an object's [`ObjectMeta`].
///
/// Every object the API server stores has one; both typed resources and
/// dynamic objects implement this.
pub trait HasMetadata {
    /// The object's metadata.
    fn metadata(&self) -> &ObjectMeta;
    /// The object's metadata, for changing it.
    fn metadata_mut(&mut self) -> &mut ObjectMeta;

    /// The object's name, or `""` when it has none yet.
    fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or_default()
    }

    /// The object's namespace, if it has one.
    fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// The object's resourceVersion, if the server has given it one.
    fn resource_version(&self) -> Option<&str> {
        self.metadata().resource_version.as_deref()
    }
}

/// A kind the API server serves, known at compile time.
///
/// Implement it with `#[derive(Resource)]` rather than by hand; the
/// derive's documentation lists every key of the `#[resource(...)]` attribute.
///
/// ```
/// use k8s_client::{NamespaceScope, Resource, meta::ObjectMeta};
///
/// #[derive(Resource)]
/// #[resource(group = "networking.k8s.io", version = "v1", namespaced, crd = false)]
/// struct NetworkPolicy {
///     metadata: ObjectMeta,
/// }
///
/// assert_eq!(NetworkPolicy::API_VERSION, "networking.k8s.io/v1");
/// assert_eq!(NetworkPolicy::PLURAL, "networkpolicies");
///
/// // The core group has no group in its apiVersion.
/// #[derive(Resource)]
/// #[resource(version = "v1", namespaced)]
/// struct Endpoints {
///     metadata: ObjectMeta,
/// }
/// assert_eq!(Endpoints::API_VERSION, "v1");
/// assert_eq!(Endpoints::PLURAL, "endpoints");
///
/// fn needs_namespaced<K: Resource<Scope = NamespaceScope>>() {}
/// needs_namespaced::<NetworkPolicy>();
/// ```
///
/// Scope is checked by the compiler: a cluster-scoped kind cannot be used
/// where a namespaced one is required.
///
/// ```compile_fail
/// use k8s_client::{NamespaceScope, Resource, meta::ObjectMeta};
///
/// #[derive(Resource)]
/// #[resource(version = "v1")] // no `namespaced`: ClusterScope
/// struct Node {
///     metadata: ObjectMeta,
/// }
///
/// fn needs_namespaced<K: Resource<Scope = NamespaceScope>>() {}
/// needs_namespaced::<Node>(); // error: expected `NamespaceScope`, found `ClusterScope`
/// ```
pub trait Resource: HasMetadata {
    /// Namespaced or cluster-scoped.
    type Scope: Scope;

    /// The API group; `""` for the core group served at `/api/v1`.
    const GROUP: &'static str;
    /// The version within the group, such as `v1`.
    const VERSION: &'static str;
    /// `GROUP/VERSION`, or just `VERSION` for the core group.
    const API_VERSION: &'static str;
    /// The kind, such as `Deployment`.
    const KIND: &'static str;
    /// The plural resource name used in URLs, such as `deployments`.
    const PLURAL: &'static str;
    /// The singular resource name, such as `deployment`.
    const SINGULAR: &'static str;
    /// Short names kubectl accepts, such as `deploy`.
    const SHORT_NAMES: &'static [&'static str] = &[];
    /// Subresources the type declares, such as `status` or `scale`.
    const SUBRESOURCES: &'static [&'static str] = &[];

    /// The kind's protobuf codec: the built-in kinds have one, written by
    /// the derive's `protobuf` key; every other type speaks JSON only.
    #[doc(hidden)]
    #[cfg(feature = "protobuf")]
    fn protobuf_codec() -> Option<crate::protobuf::Codec<Self>>
    where
        Self: Sized,
    {
        None
    }
}
