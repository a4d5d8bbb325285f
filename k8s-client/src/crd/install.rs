//! Installing a CRD and waiting until the server serves it.

use std::time::Duration;

use futures::TryStreamExt;

use super::CustomResourceDefinition;
use crate::api::{Patch, PatchParams, WatchParams};
use crate::meta::WatchEvent;
use crate::{Api, Client, Error, Result};

impl CustomResourceDefinition {
    /// Whether the server reports the `Established` condition as `True`: the
    /// CRD's REST endpoints are served and objects of the kind can be created.
    pub fn is_established(&self) -> bool {
        self.status
            .iter()
            .flat_map(|s| s.conditions.iter().flatten())
            .any(|c| c.type_ == "Established" && c.status == "True")
    }
}

/// Creates or updates `crd` by server-side apply (forcing ownership for
/// `field_manager`) and waits, at most `timeout`, until it is Established.
///
/// Returns the CRD as the server last reported it. Waiting is a watch on the
/// one CRD, not polling; a CRD that does not become Established in time is an
/// [`Error::Timeout`].
///
/// ```no_run
/// # async fn run(client: k8s_client::Client) -> Result<(), k8s_client::Error> {
/// use std::time::Duration;
/// use k8s_client::{CustomResourceExt, Resource, crd, meta::ObjectMeta};
///
/// #[derive(Resource, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
/// #[resource(group = "example.com", version = "v1", namespaced)]
/// struct Widget { metadata: ObjectMeta, spec: WidgetSpec }
/// #[derive(serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
/// struct WidgetSpec { replicas: i32 }
///
/// crd::install(&client, &Widget::crd(), "my-operator", Duration::from_secs(30)).await?;
/// # Ok(()) }
/// ```
pub async fn install(
    client: &Client,
    crd: &CustomResourceDefinition,
    field_manager: &str,
    timeout: Duration,
) -> Result<CustomResourceDefinition> {
    let name = crd.metadata.name.clone().unwrap_or_default();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let applied = crds
        .patch(
            &name,
            &PatchParams::apply(field_manager).force(),
            &Patch::Apply(crd),
        )
        .await?;
    let wait = wait_established(&crds, &name, applied);
    match tokio::time::timeout(timeout, wait).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            operation: format!("waiting for CustomResourceDefinition {name} to be Established"),
            timeout,
            attempts: 1,
            last: None,
        }),
    }
}

async fn wait_established(
    crds: &Api<CustomResourceDefinition>,
    name: &str,
    mut last: CustomResourceDefinition,
) -> Result<CustomResourceDefinition> {
    let selector = format!("metadata.name={name}");
    loop {
        if last.is_established() {
            return Ok(last);
        }
        // Each watch ends after the server's timeout; start again from the last state seen.
        let since = last.metadata.resource_version.clone().unwrap_or_default();
        let wp = WatchParams::default().fields(&selector).timeout(60);
        let mut events = crds.watch(&wp, &since).await?;
        while let Some(event) = events.try_next().await? {
            match event {
                WatchEvent::Added(crd) | WatchEvent::Modified(crd) if crd.is_established() => {
                    return Ok(crd);
                }
                WatchEvent::Deleted(_) => {
                    return Err(Error::DeletedWhileWaiting {
                        what: format!("CustomResourceDefinition {name}"),
                        condition: "Established",
                    });
                }
                _ => {}
            }
        }
        // A quiet watch ended: read the current state, which also refreshes a
        // resourceVersion that may have become too old to watch from.
        last = crds.get(name).await?;
    }
}
