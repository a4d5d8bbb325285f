//! [`Api<K>`]: every verb the API server offers, for any resource type, and
//! the built-in types by group and version (`api::core::v1::Pod`,
//! `api::apps::v1::Deployment`, …), one cargo feature per group.

mod describe;
mod generated;
mod pager;
mod params;
#[cfg(feature = "ws")]
pub mod remote_command;
mod resource_ref;
mod retry_conflict;
mod scale;
mod subresources;
mod type_meta;
mod verbs;

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

// With every group feature off there is nothing to re-export.
#[allow(unused_imports, unreachable_pub)]
#[doc(inline)]
pub use generated::*;
pub use pager::PAGE_SIZE;
pub use params::{
    DeleteParams, FieldValidation, JsonPatchOp, ListParams, LogParams, Patch, PatchParams,
    PostParams, VersionMatch, WatchParams, WriteParams,
};
#[cfg(feature = "ws")]
#[doc(no_inline)]
pub use remote_command::{
    AttachParams, AttachedProcess, ExitStatus, PortStream, Portforwarder, TerminalSize,
};
pub use retry_conflict::{DEFAULT_RETRY, RetryBackoff, retry_on_conflict};
pub use scale::{Scale, ScaleSpec, ScaleStatus};
pub use verbs::DeleteResponse;

use crate::dynamic::ApiResource;
use crate::rest::{RequestBuilder, Verb};
use crate::{Client, NamespaceScope, Resource};
use describe::{Describe, Target};
use resource_ref::ResourceRef;

/// A client for one resource type, in one namespace or across all of them.
///
/// `Api` is cheap to clone. Build it for a typed resource:
///
/// ```no_run
/// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
/// use k8s_client::{Api, meta::ObjectMeta, Resource};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Resource, Serialize, Deserialize, Clone, Debug)]
/// #[resource(group = "", version = "v1", kind = "ConfigMap", namespaced)]
/// struct ConfigMap {
///     metadata: ObjectMeta,
///     #[serde(default)]
///     data: std::collections::BTreeMap<String, String>,
/// }
///
/// let cms: Api<ConfigMap> = Api::namespaced(client, "default");
/// for cm in cms.list(&Default::default()).await? {
///     println!("{}", cm.metadata.name.unwrap_or_default());
/// }
/// # Ok(()) }
/// ```
///
/// The scope is checked at compile time: a cluster-scoped kind has no
/// namespaced client.
///
/// ```compile_fail
/// use k8s_client::{Api, Client, Resource, meta::ObjectMeta};
/// #[derive(Resource, serde::Serialize, serde::Deserialize, Clone, Debug)]
/// #[resource(group = "", version = "v1", kind = "Node")]
/// struct Node { metadata: ObjectMeta }
/// fn nodes(client: Client) -> Api<Node> {
///     Api::namespaced(client, "default") // Node is cluster-scoped
/// }
/// ```
pub struct Api<K> {
    client: Client,
    resource: ResourceRef,
    namespace: Option<String>,
    /// Get, list and watch ask for `PartialObjectMetadata` (see [`Api::metadata`]).
    metadata_only: bool,
    /// The kind's protobuf codec, when it has one and the client speaks it.
    #[cfg(feature = "protobuf")]
    protobuf: Option<crate::protobuf::Codec<K>>,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Api<K> {
    fn clone(&self) -> Self {
        Api {
            client: self.client.clone(),
            resource: self.resource.clone(),
            namespace: self.namespace.clone(),
            metadata_only: self.metadata_only,
            #[cfg(feature = "protobuf")]
            protobuf: self.protobuf,
            _kind: PhantomData,
        }
    }
}

impl<K> fmt::Debug for Api<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("group", &self.resource.group())
            .field("version", &self.resource.version())
            .field("plural", &self.resource.plural())
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl<K: Resource> Api<K> {
    /// All objects of the kind: the cluster-scoped kind itself, or a namespaced
    /// kind across every namespace (for list, watch and delete_collection).
    pub fn all(client: Client) -> Self {
        Self::new(client, ResourceRef::of::<K>(), None).with_codec()
    }

    /// Picks up the kind's protobuf codec, if it has one and the client speaks it.
    fn with_codec(self) -> Self {
        #[cfg(feature = "protobuf")]
        {
            let protobuf = K::protobuf_codec().filter(|_| self.client.uses_protobuf());
            Api { protobuf, ..self }
        }
        #[cfg(not(feature = "protobuf"))]
        self
    }

    /// Objects in `namespace` if the kind is namespaced and one is given,
    /// else all: for code generic over the scope.
    #[cfg(feature = "runtime")]
    pub(crate) fn in_namespace_if_namespaced(client: Client, namespace: Option<&str>) -> Self {
        let namespace = namespace.filter(|_| <K::Scope as crate::Scope>::NAMESPACED);
        Self::new(client, ResourceRef::of::<K>(), namespace.map(str::to_owned)).with_codec()
    }
}

impl<K: Resource<Scope = NamespaceScope>> Api<K> {
    /// Objects in `namespace`.
    pub fn namespaced(client: Client, namespace: &str) -> Self {
        Self::new(client, ResourceRef::of::<K>(), Some(namespace.to_owned())).with_codec()
    }

    /// Objects in the client's default namespace (the kubeconfig context's, else `default`).
    pub fn default_namespaced(client: Client) -> Self {
        let ns = client.default_namespace().to_owned();
        Self::namespaced(client, &ns)
    }
}

impl<K> Api<K> {
    fn new(client: Client, resource: ResourceRef, namespace: Option<String>) -> Self {
        Api {
            client,
            resource,
            namespace,
            metadata_only: false,
            #[cfg(feature = "protobuf")]
            protobuf: None,
            _kind: PhantomData,
        }
    }

    /// The same client speaking JSON only, even for a built-in kind that
    /// has protobuf (see [`ClientBuilder::protobuf`](crate::ClientBuilder::protobuf)
    /// to turn it off for a whole client).
    ///
    /// ```no_run
    /// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
    /// use k8s_client::{Api, api::core::v1::Pod};
    /// let pods: Api<Pod> = Api::namespaced(client, "default").json();
    /// let pod = pods.get("web-0").await?; // asked for and decoded as JSON
    /// # Ok(()) }
    /// ```
    pub fn json(self) -> Self {
        Api {
            #[cfg(feature = "protobuf")]
            protobuf: None,
            ..self
        }
    }

    /// Whether requests of this `Api` speak protobuf.
    pub fn uses_protobuf(&self) -> bool {
        #[cfg(feature = "protobuf")]
        return self.protobuf.is_some();
        #[cfg(not(feature = "protobuf"))]
        false
    }

    /// The same resource and namespace, read as metadata alone: get, list
    /// and watch ask the server for `PartialObjectMetadata`
    /// (client-go's metadata client), a fraction of the full objects.
    ///
    /// ```no_run
    /// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
    /// use k8s_client::{Api, api::core::v1::Pod};
    /// let pods: Api<Pod> = Api::namespaced(client, "default");
    /// for pod in pods.metadata().list(&Default::default()).await? {
    ///     println!("{} {:?}", pod.metadata.name.unwrap_or_default(), pod.metadata.labels);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn metadata(&self) -> Api<crate::meta::PartialObjectMetadata> {
        Api {
            client: self.client.clone(),
            resource: self.resource.clone(),
            namespace: self.namespace.clone(),
            metadata_only: true,
            #[cfg(feature = "protobuf")]
            protobuf: None,
            _kind: PhantomData,
        }
    }

    /// Asks for metadata alone if this is a metadata client.
    fn read_as(&self, b: RequestBuilder, list: bool) -> RequestBuilder {
        match (self.metadata_only, list) {
            (false, _) => b,
            (true, false) => b.accept(crate::rest::Accept::PartialObjectMetadata),
            (true, true) => b.accept(crate::rest::Accept::PartialObjectMetadataList),
        }
    }

    /// All objects of a resource described at run time.
    pub fn all_with(client: Client, resource: &ApiResource) -> Self {
        Self::new(
            client,
            ResourceRef::Dynamic(Arc::new(resource.clone())),
            None,
        )
    }

    /// Objects of a resource described at run time, in `namespace`.
    pub fn namespaced_with(client: Client, namespace: &str, resource: &ApiResource) -> Self {
        let resource = ResourceRef::Dynamic(Arc::new(resource.clone()));
        Self::new(client, resource, Some(namespace.to_owned()))
    }

    /// The namespace this client is for, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A request for this resource, with the namespace and (optionally) a name set.
    /// Use it for anything `Api` has no method for.
    pub fn request(&self, verb: Verb, name: Option<&str>) -> RequestBuilder {
        let r = &self.resource;
        let mut b = crate::rest::RequestBuilder::new(verb).group_version(r.group(), r.version());
        if let Some(ns) = &self.namespace {
            b = b.namespace(ns);
        }
        b = b.resource(r.plural());
        if let Some(name) = name {
            b = b.name(name);
        }
        b
    }

    /// An object as a JSON request body, with `apiVersion` and `kind` filled
    /// in from this client when the object does not set them.
    fn object_body<T: serde::Serialize + ?Sized>(&self, object: &T) -> crate::Result<Vec<u8>> {
        type_meta::encode_with_type_meta(object, &self.resource.api_version(), self.resource.kind())
            .map_err(crate::Error::Encode)
    }

    /// `Kind ns/name` (the plural when the kind is unknown), for errors.
    fn describe<'a>(&'a self, name: &'a str) -> Describe<'a> {
        self.describe_as("", Target::Object(name))
    }

    /// `prefix Kind …`, for errors.
    fn describe_as<'a>(&'a self, prefix: &'a str, target: Target<'a>) -> Describe<'a> {
        let what = match (target, self.resource.kind()) {
            (Target::Collection { .. }, _) | (_, "") => self.resource.plural(),
            (_, kind) => kind,
        };
        Describe {
            prefix,
            subresource: None,
            what,
            namespace: self.namespace.as_deref(),
            target,
        }
    }

    /// `subresource of Kind ns/name`, for errors.
    fn describe_subresource<'a>(&'a self, subresource: &'a str, name: &'a str) -> Describe<'a> {
        Describe {
            subresource: Some(subresource),
            ..self.describe(name)
        }
    }

    /// Sends `req` and decodes its JSON answer as `T`, named `what` in errors.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        req: &crate::rest::Request,
        what: Describe<'_>,
    ) -> crate::Result<T> {
        self.client
            .execute(req, crate::rest::json(req.op(), what))
            .await
    }
}
