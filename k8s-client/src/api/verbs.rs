//! The CRUD, patch, watch and collection verbs.

use futures::stream::BoxStream;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::describe::{Describe, Target};
use super::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchParams};
use crate::meta::{List, Status, WatchEvent};
use crate::rest::{ListDecoder, Request, RequestBuilder, Verb, Whole, decode_json};
use crate::{Error, Result};

const JSON: &str = "application/json";

/// What a delete returns: the object while deletion is still in progress
/// (finalizers, graceful deletion, foreground propagation), or a Status once it is gone.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // Boxing would cost an allocation for the common case.
pub enum DeleteResponse<T> {
    /// The object, now carrying a deletionTimestamp (or its last state).
    Object(T),
    /// The server's Status for a completed delete.
    Status(Status),
}

impl<T> DeleteResponse<T> {
    /// The object, if the server returned one.
    pub fn object(self) -> Option<T> {
        match self {
            DeleteResponse::Object(o) => Some(o),
            DeleteResponse::Status(_) => None,
        }
    }
}

/// Reads only `kind`, to tell a Status from an object without decoding twice.
#[derive(serde::Deserialize)]
struct KindOnly {
    #[serde(default)]
    kind: String,
}

impl<K: DeserializeOwned> Api<K> {
    /// Gets one object by name.
    pub async fn get(&self, name: &str) -> Result<K> {
        let req = self
            .read_as(self.request(Verb::Get, Some(name)), false)
            .build()?;
        self.call_object(&req, self.describe(name)).await
    }

    /// Sends `req` and decodes the object it answers: protobuf or JSON by
    /// the response's Content-Type when the kind has protobuf, else JSON.
    async fn call_object(&self, req: &Request, what: Describe<'_>) -> Result<K> {
        #[cfg(feature = "protobuf")]
        if let Some(codec) = self.protobuf {
            let decoder = crate::rest::Negotiated::new(codec, req.op(), what);
            return self.client.execute(req, decoder).await;
        }
        self.call(req, what).await
    }

    /// Asks for protobuf first when the kind has it.
    fn accept_protobuf(&self, b: RequestBuilder) -> RequestBuilder {
        #[cfg(feature = "protobuf")]
        if self.protobuf.is_some() {
            return b.accept(crate::rest::Accept::Protobuf);
        }
        b
    }

    /// The body of a create or replace: protobuf when the kind has it, else JSON.
    fn write_body(&self, b: RequestBuilder, obj: &K) -> Result<RequestBuilder>
    where
        K: Serialize,
    {
        #[cfg(feature = "protobuf")]
        if let Some(codec) = self.protobuf {
            let body = (codec.encode)(obj, &self.resource.api_version(), self.resource.kind());
            return Ok(self
                .accept_protobuf(b)
                .body(crate::protobuf::CONTENT_TYPE, body));
        }
        Ok(b.body(JSON, self.object_body(obj)?))
    }

    /// Gets one object by name, or `None` if it does not exist.
    pub async fn get_opt(&self, name: &str) -> Result<Option<K>> {
        match self.get(name).await {
            Ok(obj) => Ok(Some(obj)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Lists objects (one page when `limit` is set; see [`list_all`](Api::list_all) to page through).
    ///
    /// The list is decoded as its body arrives, so the whole body and all
    /// the decoded objects are never held at once.
    pub async fn list(&self, lp: &ListParams) -> Result<List<K>>
    where
        K: Send,
    {
        let mut b = self.read_as(lp.apply(self.request(Verb::Get, None)), true);
        if !self.metadata_only {
            b = self.accept_protobuf(b);
        }
        let req = b.build()?;
        let what = self.describe_as("", Target::Collection { suffix: " list" });
        #[cfg(feature = "protobuf")]
        if let Some(codec) = self.protobuf {
            let decoder =
                crate::rest::NegotiatedList::new(codec, req.operation(), what.to_string());
            return self.client.execute(&req, decoder).await;
        }
        let decoder = ListDecoder::new(req.operation(), what.to_string());
        self.client.execute(&req, decoder).await
    }

    /// Creates an object; returns it as stored.
    pub async fn create(&self, pp: &PostParams, obj: &K) -> Result<K>
    where
        K: Serialize,
    {
        let req = self
            .write_body(pp.apply(self.request(Verb::Post, None)), obj)?
            .build()?;
        self.call_object(&req, self.describe_as("created", Target::Kind))
            .await
    }

    /// Replaces an object; its resourceVersion must be current, or the result is a Conflict.
    pub async fn replace(&self, name: &str, pp: &PostParams, obj: &K) -> Result<K>
    where
        K: Serialize,
    {
        let req = self
            .write_body(pp.apply(self.request(Verb::Put, Some(name))), obj)?
            .build()?;
        self.call_object(&req, self.describe(name)).await
    }

    /// Patches an object with any of the four patch kinds.
    pub async fn patch<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<K> {
        self.patch_subresource_inner(None, name, pp, patch).await
    }

    pub(super) async fn patch_subresource_inner<P: Serialize, T: DeserializeOwned>(
        &self,
        subresource: Option<&str>,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<T> {
        pp.validate(patch)?;
        let body = match patch {
            // An apply configuration of the object (or its status) is a whole
            // object of this kind: the server needs its type. Other
            // subresources (scale) have types of their own.
            Patch::Apply(object) if matches!(subresource, None | Some("status")) => {
                self.object_body(object)?
            }
            _ => patch.to_bytes().map_err(Error::Encode)?,
        };
        let mut b = pp.apply_to(self.request(Verb::Patch, Some(name)));
        if let Some(sub) = subresource {
            b = b.subresource(sub);
        }
        let req = b.body(patch.content_type(), body).build()?;
        self.call(&req, self.describe(name)).await
    }

    /// Deletes an object.
    pub async fn delete(&self, name: &str, dp: &DeleteParams) -> Result<DeleteResponse<K>> {
        let req = self
            .request(Verb::Delete, Some(name))
            .json_body(&dp.body())
            .build()?;
        self.delete_call(&req, self.describe(name)).await
    }

    /// Deletes every object matching `lp`'s selectors.
    pub async fn delete_collection(
        &self,
        dp: &DeleteParams,
        lp: &ListParams,
    ) -> Result<DeleteResponse<List<K>>> {
        let req = lp
            .apply(self.request(Verb::Delete, None))
            .json_body(&dp.body())
            .build()?;
        let what = self.describe_as("", Target::Collection { suffix: "" });
        self.delete_call(&req, what).await
    }

    /// Watches for changes after `resource_version` (`""` or `"0"` to start from
    /// the current state).
    ///
    /// ```no_run
    /// # async fn run(pods: k8s_client::Api<serde_json::Value>) -> Result<(), k8s_client::Error> {
    /// use futures::TryStreamExt;
    /// use k8s_client::{api::WatchParams, meta::WatchEvent};
    /// let mut events = pods.watch(&WatchParams::default().timeout(60), "0").await?;
    /// while let Some(event) = events.try_next().await? {
    ///     if let WatchEvent::Added(obj) = event {
    ///         println!("added {obj}");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn watch(
        &self,
        wp: &WatchParams,
        resource_version: &str,
    ) -> Result<BoxStream<'static, Result<WatchEvent<K>>>>
    where
        K: Send + 'static,
    {
        let mut b = wp.apply(self.request(Verb::Get, None), resource_version);
        if wp.accept == crate::rest::Accept::Json {
            b = self.read_as(b, false);
            #[cfg(feature = "protobuf")]
            if let Some(codec) = self.protobuf.filter(|_| !self.metadata_only) {
                let req = b.accept(crate::rest::Accept::Protobuf).build()?;
                return self.client.send_watch_protobuf(req, codec).await;
            }
        }
        self.client.send_watch(b.build()?).await
    }

    /// A delete's answer: the object while deletion is in progress, or a Status.
    async fn delete_call<T: DeserializeOwned>(
        &self,
        req: &Request,
        what: Describe<'_>,
    ) -> Result<DeleteResponse<T>> {
        let operation = req.op();
        let decode = move |body: bytes::Bytes| {
            let kind: KindOnly = decode_json(&body, operation, what)?;
            Ok(if kind.kind == "Status" {
                DeleteResponse::Status(decode_json(&body, operation, "Status")?)
            } else {
                DeleteResponse::Object(decode_json(&body, operation, what)?)
            })
        };
        self.client.execute(req, Whole::new(decode)).await
    }
}
