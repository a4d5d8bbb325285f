//! `apply -f` (server-side apply), `create -f` and `delete`.

use std::time::Duration;

use k8s_client::Api;
use k8s_client::api::{DeleteParams, Patch, PatchParams, PostParams};
use k8s_client::dynamic::ApiResource;
use serde_json::Value;

use crate::error::{Failure, client_error_in};
use crate::manifests::{self, Manifest};
use crate::printers::{Format, kind_group, object_name, structured_results};
use crate::resources;
use crate::session::Session;

/// How long `apply` waits for a CustomResourceDefinition it applied to be
/// Established before going on (so a custom resource later in the same
/// manifest can be applied).
const CRD_ESTABLISHED_TIMEOUT: Duration = Duration::from_secs(30);

/// `apply -f`: server-side apply of every object, in order, as `field_manager`.
pub(crate) async fn apply(
    session: &Session,
    files: &[String],
    field_manager: &str,
    force_conflicts: bool,
    format: Format,
) -> Result<(), Failure> {
    let mut params = PatchParams::apply(field_manager);
    if force_conflicts {
        params = params.force();
    }
    each_object(
        session,
        files,
        format,
        "serverside-applied",
        async |api, m| {
            let name = m.object["metadata"]["name"].as_str().unwrap_or_default();
            api.patch(name, &params, &Patch::Apply(&m.object)).await
        },
    )
    .await
}

/// `create -f`.
pub(crate) async fn create(
    session: &Session,
    files: &[String],
    format: Format,
) -> Result<(), Failure> {
    each_object(session, files, format, "created", async |api, m| {
        api.create(&PostParams::default(), &m.object).await
    })
    .await
}

/// Runs `op` on every object of the manifests, printing each result as kubectl
/// does (`kind.group/name <verb>`, or the objects with `-o`). An object that
/// fails is reported and the rest still run; the exit code is then 1.
async fn each_object(
    session: &Session,
    files: &[String],
    format: Format,
    verb: &str,
    op: impl AsyncFn(Api<Value>, &Manifest) -> k8s_client::Result<Value>,
) -> Result<(), Failure> {
    let mut results = Vec::new();
    let mut failed = false;
    for m in manifests::read(files).await? {
        let outcome = match target_for(session, &m).await {
            Ok((api, _)) => op(api, &m)
                .await
                .map_err(|e| Failure::Line(error_when(verb, &m, &e))),
            Err(f) => Err(f),
        };
        // A custom resource later in the same manifest needs its CRD served.
        let outcome = match outcome {
            Ok(obj) if is_crd(&obj) => match target_for(session, &m).await {
                Ok((api, _)) => {
                    let established = wait_established(&api, &obj).await;
                    if established.is_ok() {
                        wait_discoverable(session, &obj).await;
                    }
                    established.map(|()| obj).map_err(Failure::from)
                }
                Err(f) => Err(f),
            },
            other => other,
        };
        match outcome {
            Ok(obj) => match format {
                Format::Default | Format::Wide => outln!("{} {verb}", object_name(&obj)),
                Format::Name => outln!("{}", object_name(&obj)),
                Format::Json | Format::Yaml => results.push(obj),
            },
            Err(f) => {
                f.report();
                failed = true;
            }
        }
    }
    if matches!(format, Format::Json | Format::Yaml) && !results.is_empty() {
        out!("{}", structured_results(results, format));
    }
    if failed {
        Err(Failure::Reported)
    } else {
        Ok(())
    }
}

/// kubectl's message for a failed object of a manifest:
/// `Error from server (Reason): error when creating "f.yaml": message`.
fn error_when(verb: &str, m: &Manifest, e: &k8s_client::Error) -> String {
    let action = match verb {
        "created" => "creating",
        "deleted" => "deleting",
        _ => "patching",
    };
    client_error_in(e, &format!("error when {action} {:?}: ", m.source))
}

/// The client for a manifest's object, and its resource: its kind through
/// discovery, its namespace from the object, else `-n`, else the context's.
async fn target_for(session: &Session, m: &Manifest) -> Result<(Api<Value>, ApiResource), Failure> {
    let api_version = m.object["apiVersion"].as_str().unwrap_or_default();
    let kind = m.object["kind"].as_str().unwrap_or_default();
    let resource = resources::for_kind(session, api_version, kind).await.map_err(|e| {
        Failure::msg(format!(
            "resource mapping not found for name: {:?} namespace: {:?} from {:?}: {}\nensure CRDs are installed first",
            m.object["metadata"]["name"].as_str().unwrap_or_default(),
            m.object["metadata"]["namespace"].as_str().unwrap_or_default(),
            m.source,
            e
        ))
    })?;
    let api = if resource.namespaced {
        let ns = object_namespace(session, &m.object)?;
        Api::namespaced_with(session.client.clone(), &ns, &resource)
    } else {
        Api::all_with(session.client.clone(), &resource)
    };
    Ok((api, resource))
}

/// The namespace of a namespaced object; an explicit `-n` that disagrees with
/// the object's own is an error, as in kubectl.
fn object_namespace(session: &Session, obj: &Value) -> Result<String, Failure> {
    match obj["metadata"]["namespace"]
        .as_str()
        .filter(|n| !n.is_empty())
    {
        Some(ns) if session.namespace_explicit && ns != session.namespace => {
            Err(Failure::msg(format!(
                "the namespace from the provided object {ns:?} does not match the namespace {:?}. You must pass '--namespace={ns}' to perform this operation.",
                session.namespace
            )))
        }
        Some(ns) => Ok(ns.to_owned()),
        None => Ok(session.namespace.clone()),
    }
}

fn is_crd(obj: &Value) -> bool {
    obj["kind"] == "CustomResourceDefinition"
        && obj["apiVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("apiextensions.k8s.io/"))
}

/// Polls a CRD until its `Established` condition is `True`.
async fn wait_established(api: &Api<Value>, crd: &Value) -> k8s_client::Result<()> {
    let name = crd["metadata"]["name"].as_str().unwrap_or_default();
    let established = |crd: &Value| {
        crd["status"]["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Established" && c["status"] == "True")
        })
    };
    let poll = async {
        loop {
            if established(&api.get(name).await?) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    match tokio::time::timeout(CRD_ESTABLISHED_TIMEOUT, poll).await {
        Ok(result) => result,
        Err(_) => {
            eprintln!(
                "warning: customresourcedefinition {name:?} is not Established after {CRD_ESTABLISHED_TIMEOUT:?}"
            );
            Ok(())
        }
    }
}

/// Waits until discovery serves the kind of an Established CRD: the API
/// server publishes it a moment after the condition, and a custom resource
/// later in the manifest is mapped through discovery.
async fn wait_discoverable(session: &Session, crd: &Value) {
    let spec = &crd["spec"];
    let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str()) else {
        return;
    };
    let Some(version) = spec["versions"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["served"] == true))
        .and_then(|v| v["name"].as_str())
    else {
        return;
    };
    let api_version = format!("{group}/{version}");
    let poll = async {
        loop {
            // Discovery read before the CRD existed must not hide its kind.
            session.discovery.invalidate();
            if resources::for_kind(session, &api_version, kind)
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    // Past the timeout, the custom resource's own mapping error says what is wrong.
    let _ = tokio::time::timeout(CRD_ESTABLISHED_TIMEOUT, poll).await;
}

/// `delete TYPE[,TYPE] NAME...`, `delete TYPE/NAME...` or `delete -f FILE`.
///
/// Unlike kubectl, objects from manifests are deleted in reverse order, so a
/// custom resource goes before its CRD (whose deletion would take it along and
/// turn its own delete into an error) and objects before their namespace.
pub(crate) async fn delete(
    session: &Session,
    args: &[String],
    files: &[String],
) -> Result<(), Failure> {
    let mut failed = false;
    let mut report = |result: Result<String, Failure>| match result {
        Ok(line) => outln!("{line}"),
        Err(f) => {
            f.report();
            failed = true;
        }
    };
    if files.is_empty() {
        let (targets, _) = resources::targets(session, args).await?;
        if targets.iter().any(|t| t.names.is_empty()) {
            return Err(Failure::msg(
                "resource(s) were provided, but no name was specified",
            ));
        }
        for t in &targets {
            let api = resources::api(session, &t.resource, false);
            for name in &t.names {
                let deleted = api.delete(name, &DeleteParams::background()).await;
                report(
                    deleted
                        .map(|_| deleted_line(&t.resource, name, &session.namespace))
                        .map_err(Failure::from),
                );
            }
        }
    } else {
        for m in manifests::read(files).await?.iter().rev() {
            let result = async {
                let (api, resource) = target_for(session, m).await?;
                let name = m.object["metadata"]["name"].as_str().unwrap_or_default();
                api.delete(name, &DeleteParams::background())
                    .await
                    .map_err(|e| Failure::Line(error_when("deleted", m, &e)))?;
                Ok(deleted_line(
                    &resource,
                    name,
                    api.namespace().unwrap_or_default(),
                ))
            };
            report(result.await);
        }
    }
    if failed {
        Err(Failure::Reported)
    } else {
        Ok(())
    }
}

/// `deployment.apps "web" deleted from default namespace` (kubectl 1.34's words).
fn deleted_line(resource: &ApiResource, name: &str, namespace: &str) -> String {
    let what = kind_group(&resource.kind, &resource.group);
    if resource.namespaced {
        format!("{what} {name:?} deleted from {namespace} namespace")
    } else {
        format!("{what} {name:?} deleted")
    }
}
