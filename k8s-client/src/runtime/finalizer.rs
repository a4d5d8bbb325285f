//! Finalizers: cleanup that must run before an object is gone.
//!
//! [`finalizer`] wraps a reconcile. For a live object, it first adds the
//! finalizer (and lets the resulting update trigger the next reconcile),
//! then calls the reconcile with [`FinalizerEvent::Apply`]. Once the object
//! is being deleted, it calls it with [`FinalizerEvent::Cleanup`] and, when
//! that succeeds, removes the finalizer so the server can delete the
//! object. Both writes are JSON patches with a `test` first, so they fail
//! (with a Conflict-like 422) rather than add twice or remove another
//! controller's finalizer if the list changed meanwhile.
//!
//! ```no_run
//! # async fn run(api: k8s_client::Api<k8s_client::api::core::v1::ConfigMap>,
//! #              cm: std::sync::Arc<k8s_client::api::core::v1::ConfigMap>) {
//! use k8s_client::runtime::controller::Action;
//! use k8s_client::runtime::finalizer::{FinalizerEvent, finalizer};
//!
//! let result = finalizer(&api, "example.com/cleanup", cm, |event| async move {
//!     match event {
//!         FinalizerEvent::Apply(cm) => { /* make the world match cm */ }
//!         FinalizerEvent::Cleanup(cm) => { /* undo what Apply did */ }
//!     }
//!     Ok::<_, k8s_client::Error>(Action::done())
//! })
//! .await;
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::controller::Action;
use crate::api::{JsonPatchOp, Patch, PatchParams};
use crate::{Api, HasMetadata};

/// What the wrapped reconcile is asked to do.
#[derive(Debug)]
pub enum FinalizerEvent<K> {
    /// The object is live (and carries the finalizer): reconcile it.
    Apply(Arc<K>),
    /// The object is being deleted: clean up; the finalizer goes once this succeeds.
    Cleanup(Arc<K>),
}

/// Why [`finalizer`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FinalizerError<E> {
    /// The reconcile (apply or cleanup) failed; the finalizer stays.
    #[error("reconcile failed")]
    Reconcile(#[source] E),
    /// Adding the finalizer failed.
    #[error("cannot add finalizer {finalizer:?}")]
    Add {
        /// The finalizer.
        finalizer: String,
        /// The server's answer.
        #[source]
        source: crate::Error,
    },
    /// Removing the finalizer failed.
    #[error("cannot remove finalizer {finalizer:?}")]
    Remove {
        /// The finalizer.
        finalizer: String,
        /// The server's answer.
        #[source]
        source: crate::Error,
    },
    /// The object has no name, so it cannot be patched.
    #[error("the object has no name")]
    Unnamed,
}

/// Runs `reconcile` under the finalizer `name` on `object` (see the
/// [module docs](self)). `api` must address the object (its namespace).
pub async fn finalizer<K, F, Fut, E>(
    api: &Api<K>,
    name: &str,
    object: Arc<K>,
    reconcile: F,
) -> Result<Action, FinalizerError<E>>
where
    K: DeserializeOwned + Serialize + HasMetadata + Send + Sync + 'static,
    F: FnOnce(FinalizerEvent<K>) -> Fut,
    Fut: Future<Output = Result<Action, E>>,
{
    let object_name = object.name().to_owned();
    if object_name.is_empty() {
        return Err(FinalizerError::Unnamed);
    }
    let finalizers = object.metadata().finalizers.clone().unwrap_or_default();
    let ours = finalizers.iter().position(|f| f == name);
    let deleting = object.metadata().deletion_timestamp.is_some();
    match (deleting, ours) {
        (false, Some(_)) => reconcile(FinalizerEvent::Apply(object))
            .await
            .map_err(FinalizerError::Reconcile),
        (false, None) => {
            let patch = add_patch(&finalizers, name);
            api.patch(
                &object_name,
                &PatchParams::default(),
                &Patch::<()>::Json(patch),
            )
            .await
            .map_err(|source| FinalizerError::Add {
                finalizer: name.to_owned(),
                source,
            })?;
            // The update brings the object back with the finalizer.
            Ok(Action::done())
        }
        (true, Some(index)) => {
            let action = reconcile(FinalizerEvent::Cleanup(object))
                .await
                .map_err(FinalizerError::Reconcile)?;
            let patch = remove_patch(index, name);
            match api
                .patch(
                    &object_name,
                    &PatchParams::default(),
                    &Patch::<()>::Json(patch),
                )
                .await
            {
                Ok(_) => Ok(action),
                // Already gone: nothing holds it any more.
                Err(e) if e.is_not_found() => Ok(action),
                Err(source) => Err(FinalizerError::Remove {
                    finalizer: name.to_owned(),
                    source,
                }),
            }
        }
        // Being deleted without our finalizer: not ours to clean up.
        (true, None) => Ok(Action::done()),
    }
}

/// Adds `name` to `current`, failing if the list changed since it was read.
fn add_patch(current: &[String], name: &str) -> Vec<JsonPatchOp> {
    if current.is_empty() {
        // A missing list tests equal to null.
        vec![
            JsonPatchOp::Test {
                path: "/metadata/finalizers".into(),
                value: serde_json::Value::Null,
            },
            JsonPatchOp::Add {
                path: "/metadata/finalizers".into(),
                value: json!([name]),
            },
        ]
    } else {
        vec![
            JsonPatchOp::Test {
                path: "/metadata/finalizers".into(),
                value: json!(current),
            },
            JsonPatchOp::Add {
                path: "/metadata/finalizers/-".into(),
                value: json!(name),
            },
        ]
    }
}

/// Removes `name` at `index`, failing unless it is still there.
fn remove_patch(index: usize, name: &str) -> Vec<JsonPatchOp> {
    let path = format!("/metadata/finalizers/{index}");
    vec![
        JsonPatchOp::Test {
            path: path.clone(),
            value: json!(name),
        },
        JsonPatchOp::Remove { path },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_test_before_they_write() {
        let add = serde_json::to_value(add_patch(&[], "x/y")).unwrap();
        assert_eq!(
            add,
            json!([
                {"op": "test", "path": "/metadata/finalizers", "value": null},
                {"op": "add", "path": "/metadata/finalizers", "value": ["x/y"]}
            ])
        );
        let add = serde_json::to_value(add_patch(&["other".into()], "x/y")).unwrap();
        assert_eq!(add[0]["value"], json!(["other"]));
        assert_eq!(add[1]["path"], "/metadata/finalizers/-");
        let remove = serde_json::to_value(remove_patch(1, "x/y")).unwrap();
        assert_eq!(
            remove,
            json!([
                {"op": "test", "path": "/metadata/finalizers/1", "value": "x/y"},
                {"op": "remove", "path": "/metadata/finalizers/1"}
            ])
        );
    }
}
