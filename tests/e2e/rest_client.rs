//! The REST layer and configuration against the real API server.

use k8s_client::config::Auth;
use k8s_client::rest::Request;
use k8s_client::{Client, Error};
use k8s_testenv::Kind;
use serde_json::{Value, json};

use crate::env::{client, config, kubectl, namespace, testenv};

fn configmap(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
}

#[tokio::test]
async fn version_matches_kubectl() {
    let ours: Value = client(Kind::Admin)
        .await
        .send_json(Request::get().abs_path("/version"))
        .await
        .unwrap();
    let theirs: Value = serde_json::from_str(&kubectl(&["version", "-o", "json"]).await).unwrap();
    assert_eq!(ours["gitVersion"], theirs["serverVersion"]["gitVersion"]);
    assert!(ours["gitVersion"].as_str().unwrap().starts_with("v1."));
}

#[tokio::test]
async fn every_testenv_kubeconfig_authenticates() {
    // Inline certificate, certificate files by relative path, and a bearer token.
    for kind in [Kind::Admin, Kind::AdminFiles, Kind::Token] {
        let ns = namespace("auth").await;
        let c = client(kind).await;
        let post = Request::post()
            .namespace(&ns)
            .resource("configmaps")
            .json_body(&configmap("made"));
        let created: Value = c
            .send_json(post)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(created["metadata"]["namespace"], ns.as_str());
        let seen = kubectl(&[
            "get",
            "configmap",
            "made",
            "-n",
            &ns,
            "-o",
            "jsonpath={.data.k}",
        ])
        .await;
        assert_eq!(seen, "v", "kubectl sees what {kind:?} created");
    }
}

#[tokio::test]
async fn limited_user_gets_a_typed_forbidden() {
    let c = client(Kind::Limited).await;
    assert_eq!(c.default_namespace(), "limited");
    let list: Value = c
        .send_json(Request::get().namespace("limited").resource("configmaps"))
        .await
        .unwrap();
    assert_eq!(list["kind"], "ConfigMapList");

    let post = Request::post()
        .namespace("limited")
        .resource("configmaps")
        .json_body(&configmap("nope"));
    let err = c.send_json::<Value>(post).await.unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    let status = err.status().unwrap();
    assert_eq!(status.reason(), "Forbidden");
    assert!(
        status
            .message()
            .contains("cannot create resource \"configmaps\""),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn not_found_and_already_exists_are_typed() {
    let ns = namespace("errors").await;
    let c = client(Kind::Admin).await;
    let err = c
        .send_bytes(
            Request::get()
                .namespace(&ns)
                .resource("configmaps")
                .name("missing"),
        )
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(
        err.status()
            .unwrap()
            .details
            .as_ref()
            .unwrap()
            .name
            .as_deref(),
        Some("missing")
    );

    let post = || {
        Request::post()
            .namespace(&ns)
            .resource("configmaps")
            .json_body(&configmap("twice"))
    };
    c.send_bytes(post()).await.unwrap();
    let err = c.send_bytes(post()).await.unwrap_err();
    assert!(err.is_already_exists(), "{err}");
    assert!(!err.is_conflict());
}

#[tokio::test]
async fn invalid_object_is_typed_with_causes() {
    let ns = namespace("invalid").await;
    let c = client(Kind::Admin).await;
    let bad = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_Valid"}});
    let err = c
        .send_bytes(
            Request::post()
                .namespace(&ns)
                .resource("configmaps")
                .json_body(&bad),
        )
        .await
        .unwrap_err();
    assert!(err.is_invalid(), "{err}");
    let causes = &err.status().unwrap().details.as_ref().unwrap().causes;
    assert!(
        causes
            .iter()
            .any(|c| c.field.as_deref() == Some("metadata.name")),
        "{causes:?}"
    );
}

#[tokio::test]
async fn wrong_ca_is_a_clear_tls_error() {
    let mut cfg = config(Kind::Admin).await;
    // Trust only the client's own certificate: the server's chain cannot verify.
    cfg.root_certs = cfg.client_identity.as_ref().unwrap().cert_chain.clone();
    let err = Client::try_from(cfg)
        .unwrap()
        .send_bytes(Request::get().abs_path("/version"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("certificate") || text.contains("UnknownIssuer"),
        "{text}"
    );
}

#[tokio::test]
async fn tls_server_name_is_honoured() {
    // The serving certificate names 127.0.0.1 and localhost, not example.invalid.
    let mut cfg = config(Kind::Admin).await;
    cfg.tls_server_name = Some("localhost".to_owned());
    Client::try_from(cfg)
        .unwrap()
        .send_bytes(Request::get().abs_path("/version"))
        .await
        .unwrap();

    let mut cfg = config(Kind::Admin).await;
    cfg.tls_server_name = Some("example.invalid".to_owned());
    let err = Client::try_from(cfg)
        .unwrap()
        .send_bytes(Request::get().abs_path("/version"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
}

#[tokio::test]
async fn insecure_skip_tls_verify_connects_without_a_ca() {
    let mut cfg = config(Kind::Admin).await;
    cfg.root_certs.clear();
    cfg.accept_invalid_certs = true;
    Client::try_from(cfg)
        .unwrap()
        .send_bytes(Request::get().abs_path("/version"))
        .await
        .unwrap();
}

#[tokio::test]
async fn rotated_token_file_is_picked_up_after_a_401() {
    let env = testenv().await;
    let good = std::fs::read_to_string(env.kubeconfig_path(Kind::Token)).unwrap();
    let good_token = good
        .lines()
        .find_map(|l| l.trim().strip_prefix("token: "))
        .unwrap()
        .trim()
        .to_owned();

    let dir = std::env::temp_dir().join(format!("k8s-client-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_path = dir.join("token");
    std::fs::write(&token_path, "revoked-token\n").unwrap();

    let mut cfg = config(Kind::Token).await;
    cfg.auth = Auth::token_file(&token_path);
    let c = Client::try_from(cfg).unwrap();
    let req = || Request::get().namespace("default").resource("configmaps");
    let err = c.send_bytes(req()).await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");

    // The token rotates on disk; the next 401 makes the client re-read it at once.
    std::fs::write(&token_path, format!("{good_token}\n")).unwrap();
    c.send_bytes(req()).await.unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn impersonation_headers_act_as_the_limited_user() {
    let mut cfg = config(Kind::Admin).await;
    let mut who = k8s_client::config::Impersonation::new("limited-user");
    who.groups = vec!["system:authenticated".to_owned()];
    cfg.impersonate = Some(who);
    let c = Client::try_from(cfg).unwrap();
    let post = Request::post()
        .namespace("limited")
        .resource("configmaps")
        .json_body(&configmap("as-limited"));
    let err = c.send_bytes(post).await.unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(
        err.status()
            .unwrap()
            .message()
            .contains("User \"limited-user\""),
        "{err}"
    );
}

#[tokio::test]
async fn watch_sees_events_in_order() {
    use futures::TryStreamExt;
    use k8s_client::meta::WatchEvent;

    let ns = namespace("watch").await;
    let c = client(Kind::Admin).await;
    let list: Value = c
        .send_json(Request::get().namespace(&ns).resource("configmaps"))
        .await
        .unwrap();
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    let watch = Request::get()
        .namespace(&ns)
        .resource("configmaps")
        .param("watch", "true")
        .param("resourceVersion", &rv)
        // The namespace also gets kube-root-ca.crt from a controller, at any moment.
        .param("fieldSelector", "metadata.name=w")
        .watch();
    let mut events = c.send_watch::<Value>(watch).await.unwrap();

    kubectl(&["create", "configmap", "w", "-n", &ns, "--from-literal=a=1"]).await;
    kubectl(&["label", "configmap", "w", "-n", &ns, "x=y"]).await;
    kubectl(&["delete", "configmap", "w", "-n", &ns]).await;

    let mut kinds = Vec::new();
    while kinds.len() < 3 {
        let ev = tokio::time::timeout(std::time::Duration::from_secs(20), events.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let name = match &ev {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
                o["metadata"]["name"].clone()
            }
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(name, "w");
        kinds.push(ev.event_type());
    }
    use k8s_client::meta::WatchEventType::*;
    assert_eq!(kinds, vec![Added, Modified, Deleted]);
}

/// Field values recorded on `k8s_request` spans, in order.
#[derive(Clone, Default)]
pub struct SpanFields(pub std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>);

impl tracing::field::Visit for SpanFields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let value = format!("{value:?}");
        self.0
            .lock()
            .unwrap()
            .push((field.name().to_owned(), value.trim_matches('"').to_owned()));
    }
}

impl<S> tracing_subscriber::Layer<S> for SpanFields
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if attrs.metadata().name() == "k8s_request" {
            attrs.record(&mut self.clone());
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if ctx.metadata(id).is_some_and(|m| m.name() == "k8s_request") {
            values.record(&mut self.clone());
        }
    }
}

#[tokio::test]
async fn each_request_has_a_span_and_http2_is_negotiated() {
    use tracing_subscriber::layer::SubscriberExt;
    let fields = SpanFields::default();
    let subscriber = tracing_subscriber::registry().with(fields.clone());
    let c = client(Kind::Admin).await;
    let _guard = tracing::subscriber::set_default(subscriber);
    let _: Value = c
        .send_json(Request::get().namespace("default").resource("configmaps"))
        .await
        .unwrap();
    let seen = fields.0.lock().unwrap().clone();
    let get = |name: &str| {
        seen.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {seen:?}"))
    };
    assert_eq!(get("method"), "GET");
    assert_eq!(get("url"), "/api/v1/namespaces/{namespace}/configmaps");
    assert_eq!(get("status"), "200");
    assert_eq!(get("attempts"), "1");
    assert_eq!(get("http_version"), "HTTP/2.0", "ALPN should pick h2");
    assert!(get("latency_ms").parse::<u64>().is_ok());
}
