//! The API server's own throttling (API Priority and Fairness): with a
//! priority level of one seat that rejects what it cannot seat, the real
//! server answers 429 with Retry-After, and the client retries by client-go's
//! rules until every request succeeds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::StreamExt;
use k8s_client::api::core::v1::ConfigMap;
use k8s_client::api::{ListParams, PostParams};
use k8s_client::config::Impersonation;
use k8s_client::meta::ObjectMeta;
use k8s_client::{Api, AttemptInfo, AttemptResult, ClientBuilder, RequestInfo, RequestObserver};
use k8s_testenv::Kind;

use crate::env::{config, kubectl, namespace};

#[derive(Default)]
struct Throttled {
    too_many: AtomicU32,
    retries: AtomicU32,
}

impl RequestObserver for Throttled {
    fn attempt_finished(&self, _request: &RequestInfo<'_>, attempt: &AttemptInfo) {
        if attempt.result == AttemptResult::Code(429) {
            self.too_many.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn retrying(&self, _request: &RequestInfo<'_>, _attempt: &AttemptInfo, _wait: Duration) {
        self.retries.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn the_servers_429s_are_retried_after_retry_after_until_every_request_succeeds() {
    let ns = namespace("apf").await;
    let user = format!("apf-{ns}");
    let manifest = format!(
        r#"apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: PriorityLevelConfiguration
metadata: {{name: {user}}}
spec:
  type: Limited
  limited:
    nominalConcurrencyShares: 1
    lendablePercent: 0
    borrowingLimitPercent: 0
    limitResponse: {{type: Reject}}
---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {{name: {user}}}
spec:
  priorityLevelConfiguration: {{name: {user}}}
  matchingPrecedence: 100
  distinguisherMethod: {{type: ByUser}}
  rules:
  - subjects: [{{kind: User, user: {{name: {user}}}}}]
    resourceRules:
    - verbs: ["*"]
      apiGroups: ["*"]
      resources: ["*"]
      namespaces: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {user}, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}}
subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: {user}}}]
"#
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), manifest).unwrap();
    kubectl(&["apply", "-f", file.path().to_str().unwrap()]).await;

    let admin = Api::<ConfigMap>::namespaced(
        k8s_client::Client::try_from(config(Kind::Admin).await).unwrap(),
        &ns,
    );
    for i in 0..100 {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some(format!("cm-{i}")),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        };
        admin.create(&PostParams::default(), &cm).await.unwrap();
    }

    // The throttled user, by impersonation (the admin's group is exempt).
    let mut cfg = config(Kind::Admin).await;
    cfg.qps = -1.0;
    cfg.impersonate = Some(Impersonation::new(&user));
    let observed = Arc::new(Throttled::default());
    let client = ClientBuilder::from_config(cfg)
        .observer(observed.clone())
        .build()
        .unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client, &ns);
    // The new priority level takes effect within a moment of its creation.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let lists = futures::stream::iter(0..40)
            .map(|_| {
                let cms = cms.clone();
                async move { cms.list(&ListParams::default()).await }
            })
            .buffer_unordered(40)
            .collect::<Vec<_>>()
            .await;
        for list in &lists {
            let list = list
                .as_ref()
                .unwrap_or_else(|e| panic!("a throttled request failed: {e}"));
            assert_eq!(list.items.len(), 101, "100 ConfigMaps and kube-root-ca.crt");
        }
        if observed.too_many.load(Ordering::SeqCst) > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the server never throttled"
        );
    }
    // Every 429 the server sent was retried (it carries Retry-After).
    assert_eq!(
        observed.retries.load(Ordering::SeqCst),
        observed.too_many.load(Ordering::SeqCst)
    );
}

#[tokio::test]
async fn callers_that_give_up_waiting_leave_the_rate_limiter_no_debt() {
    let mut cfg = config(Kind::Admin).await;
    // One request a second, none saved up beyond one.
    cfg.qps = 1.0;
    cfg.burst = 1;
    let client = k8s_client::Client::try_from(cfg).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    cms.list(&ListParams::default()).await.unwrap();
    // Thirty callers wait for the limiter, then give up.
    let lp = ListParams::default();
    for _ in 0..30 {
        let waiting = cms.list(&lp);
        assert!(
            tokio::time::timeout(Duration::from_millis(10), waiting)
                .await
                .is_err()
        );
    }
    // Had they left their tokens taken, this one would wait about 30 s.
    let started = tokio::time::Instant::now();
    cms.list(&ListParams::default()).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited {:?}: the cancelled callers left debt",
        started.elapsed()
    );
}
