//! A pod's subresources against the real API server: eviction (allowed, and
//! refused by a PodDisruptionBudget), ephemeral containers, and logs. The pods
//! run on testenv's node (see `node.rs`), which reports them Ready and removes
//! an evicted one; a pod no scheduler binds has no logs yet.

use std::time::Duration;

use futures::TryStreamExt;

use k8s_client::Api;
use k8s_client::api::core::v1::Pod;
use k8s_client::api::policy::v1::PodDisruptionBudget;
use k8s_client::api::{DeleteParams, LogParams, Patch, PatchParams, PostParams};
use k8s_testenv::Kind;
use serde_json::json;

use crate::env::{client, kubectl, namespace};
use crate::node::{gone, running};

fn pod(name: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": { "name": name, "labels": { "app": name } },
        "spec": { "containers": [{ "name": "main", "image": "busybox" }] },
    }))
    .unwrap()
}

async fn create_pod(pods: &Api<Pod>, name: &str) -> Pod {
    pods.create(&PostParams::default(), &pod(name))
        .await
        .unwrap()
}

#[tokio::test]
async fn evict_removes_an_unprotected_pod() {
    let ns = namespace("evict").await;
    let pods = client(Kind::Admin).await.core_v1().pods(&ns);
    create_pod(&pods, "loose").await;
    running(&pods, "loose").await;

    let status = pods.evict("loose", &DeleteParams::default()).await.unwrap();
    assert_eq!(status.code, Some(201), "{status:?}");
    // The eviction deleted it; the node stops it and removes it.
    gone(&pods, "loose").await;
}

#[tokio::test]
async fn evict_refused_by_a_disruption_budget_is_a_typed_429() {
    let ns = namespace("evict-pdb").await;
    let client = client(Kind::Admin).await;
    let pods = client.core_v1().pods(&ns);
    create_pod(&pods, "guarded").await;
    // The node reports it Ready: healthy for the budget.
    running(&pods, "guarded").await;
    let budgets: Api<PodDisruptionBudget> = Api::namespaced(client, &ns);
    let budget: PodDisruptionBudget = serde_json::from_value(json!({
        "metadata": { "name": "keep-one" },
        "spec": { "minAvailable": 1, "selector": { "matchLabels": { "app": "guarded" } } },
    }))
    .unwrap();
    budgets
        .create(&PostParams::default(), &budget)
        .await
        .unwrap();
    // The disruption controller must count the pod before the budget protects it.
    let mut healthy = 0;
    for _ in 0..100 {
        let b = budgets.get("keep-one").await.unwrap();
        healthy = b.status.as_ref().map_or(0, |s| s.current_healthy);
        if healthy == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        healthy, 1,
        "the disruption controller never counted the pod"
    );

    let err = pods
        .evict("guarded", &DeleteParams::default())
        .await
        .unwrap_err();
    assert!(err.is_too_many_requests(), "{err}");
    assert!(err.to_string().contains("disruption budget"), "{err}");
    // The pod is still there, as kubectl sees it.
    let phase = kubectl(&[
        "-n",
        &ns,
        "get",
        "pod",
        "guarded",
        "-o",
        "jsonpath={.status.phase}",
    ])
    .await;
    assert_eq!(phase.trim(), "Running");
}

#[tokio::test]
async fn ephemeral_containers_are_added_through_their_subresource() {
    let ns = namespace("ephemeral").await;
    let pods = client(Kind::Admin).await.core_v1().pods(&ns);
    create_pod(&pods, "target").await;

    // Strategic merge patch: the list merges by container name.
    let debug = json!({ "spec": { "ephemeralContainers": [{
        "name": "debug", "image": "busybox", "targetContainerName": "main",
    }] } });
    let patched = pods
        .patch_ephemeral_containers("target", &PatchParams::default(), &Patch::Strategic(&debug))
        .await
        .unwrap();
    let names = |p: &Pod| -> Vec<String> {
        p.spec
            .as_ref()
            .and_then(|s| s.ephemeral_containers.as_ref())
            .map(|c| c.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(names(&patched), ["debug"]);

    // Replace: the whole pod goes in, only the ephemeral containers change.
    let mut pod = pods.get("target").await.unwrap();
    let spec = pod.spec.as_mut().unwrap();
    let mut second = spec.ephemeral_containers.as_ref().unwrap()[0].clone();
    second.name = "debug2".into();
    spec.ephemeral_containers.as_mut().unwrap().push(second);
    pods.replace_ephemeral_containers("target", &PostParams::default(), &pod)
        .await
        .unwrap();
    let seen = kubectl(&[
        "-n",
        &ns,
        "get",
        "pod",
        "target",
        "-o",
        "jsonpath={.spec.ephemeralContainers[*].name}",
    ])
    .await;
    assert_eq!(seen.trim(), "debug debug2");
}

#[tokio::test]
async fn logs_of_an_unscheduled_pod_match_kubectl_and_a_missing_pod_is_not_found() {
    let ns = namespace("logs").await;
    let pods = client(Kind::Admin).await.core_v1().pods(&ns);
    // No scheduler by that name: the pod stays unscheduled, with no node to
    // ask for logs, and the server answers an empty body.
    let mut unscheduled = pod("quiet");
    unscheduled.spec.as_mut().unwrap().scheduler_name = Some("no-such-scheduler".into());
    pods.create(&PostParams::default(), &unscheduled)
        .await
        .unwrap();

    let ours = pods.logs("quiet", &LogParams::default()).await.unwrap();
    let theirs = kubectl(&["-n", &ns, "logs", "quiet"]).await;
    assert_eq!(ours, theirs);
    let mut follow = LogParams::default();
    follow.container = Some("main".into());
    follow.follow = true;
    let streamed: Vec<_> = pods
        .log_stream("quiet", &follow)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed.concat(), theirs.as_bytes());

    let err = pods
        .logs("absent", &LogParams::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains("absent"), "{err}");
}
