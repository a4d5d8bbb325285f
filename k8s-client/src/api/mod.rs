//! [`Api<K>`]: every verb the API server offers, for any resource type, and
//! the built-in types by group and version (`api::core::v1::Pod`,
//! `api::apps::v1::Deployment`, …), one cargo feature per group.

mod generated;
mod pager;
mod params;
mod retry_conflict;
mod scale;
mod subresources;
mod type_meta;
mod verbs;

use std::fmt;
use std::marker::PhantomData;

// With every group feature off there is nothing to re-export.
#[allow(unused_imports, unreachable_pub)]
#[doc(inline)]
pub use generated::*;
pub use pager::PAGE_SIZE;
pub use params::{
    DeleteParams, FieldValidation, JsonPatchOp, ListParams, LogParams, Patch, PatchParams,
    PostParams, VersionMatch, WatchParams,
};
pub use retry_conflict::{DEFAULT_RETRY, RetryBackoff, retry_on_conflict};
pub use scale::{Scale, ScaleSpec, ScaleStatus};
pub use verbs::DeleteResponse;

use crate::dynamic::ApiResource;
use crate::rest::{RequestBuilder, Verb};
use crate::{Client, NamespaceScope, Resource};

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
    group: String,
    version: String,
    plural: String,
    kind: String,
    namespace: Option<String>,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Api<K> {
    fn clone(&self) -> Self {
        Api {
            client: self.client.clone(),
            group: self.group.clone(),
            version: self.version.clone(),
            plural: self.plural.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            _kind: PhantomData,
        }
    }
}

impl<K> fmt::Debug for Api<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("group", &self.group)
            .field("version", &self.version)
            .field("plural", &self.plural)
            .field("namespace", &self.namespace)
            .finish()
    }
}

impl<K: Resource> Api<K> {
    /// All objects of the kind: the cluster-scoped kind itself, or a namespaced
    /// kind across every namespace (for list, watch and delete_collection).
    pub fn all(client: Client) -> Self {
        Self::all_with(client, &ApiResource::of::<K>())
    }
}

impl<K: Resource<Scope = NamespaceScope>> Api<K> {
    /// Objects in `namespace`.
    pub fn namespaced(client: Client, namespace: &str) -> Self {
        Self::namespaced_with(client, namespace, &ApiResource::of::<K>())
    }

    /// Objects in the client's default namespace (the kubeconfig context's, else `default`).
    pub fn default_namespaced(client: Client) -> Self {
        let ns = client.default_namespace().to_owned();
        Self::namespaced(client, &ns)
    }
}

impl<K> Api<K> {
    /// All objects of a resource described at run time.
    pub fn all_with(client: Client, resource: &ApiResource) -> Self {
        Api {
            client,
            group: resource.group.clone(),
            version: resource.version.clone(),
            plural: resource.plural.clone(),
            kind: resource.kind.clone(),
            namespace: None,
            _kind: PhantomData,
        }
    }

    /// Objects of a resource described at run time, in `namespace`.
    pub fn namespaced_with(client: Client, namespace: &str, resource: &ApiResource) -> Self {
        let mut api = Self::all_with(client, resource);
        api.namespace = Some(namespace.to_owned());
        api
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
        let mut b =
            crate::rest::RequestBuilder::new(verb).group_version(&self.group, &self.version);
        if let Some(ns) = &self.namespace {
            b = b.namespace(ns);
        }
        b = b.resource(&self.plural);
        if let Some(name) = name {
            b = b.name(name);
        }
        b
    }

    /// `group/version`, or `version` for the core group.
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// An object as a JSON request body, with `apiVersion` and `kind` filled
    /// in from this client when the object does not set them.
    fn object_body<T: serde::Serialize + ?Sized>(&self, object: &T) -> crate::Result<Vec<u8>> {
        type_meta::encode_with_type_meta(object, &self.api_version(), &self.kind)
            .map_err(crate::Error::Encode)
    }

    /// `Kind "name"` (or `plural "name"`), for error messages.
    fn describe(&self, name: &str) -> String {
        let what = if self.kind.is_empty() {
            &self.plural
        } else {
            &self.kind
        };
        match &self.namespace {
            Some(ns) => format!("{what} {ns}/{name}"),
            None => format!("{what} {name}"),
        }
    }
}
