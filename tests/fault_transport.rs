//! Fault tests: behaviour a real API server cannot be made to show on demand
//! (Retry-After answers, connections broken mid-response, truncated and
//! non-JSON bodies, rate-limit timing). They run against a scripted local
//! HTTP server (tests/support/fault_server.rs), never presented as a real one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use k8s_client::rest::Request;
use k8s_client::{Client, Error, RetryPolicy};
use support::fault_server::{FaultServer, Reply};

const OK: &str = r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}"#;

fn client(url: &str) -> Client {
    Client::builder(url).rate_limit(-1.0, 0).build().unwrap()
}

fn get() -> k8s_client::rest::RequestBuilder {
    Request::get()
        .namespace("ns")
        .resource("configmaps")
        .name("x")
}

#[tokio::test]
async fn fault_retry_after_on_429_and_503_is_honoured() {
    let server = FaultServer::start(
        vec![
            Reply::json(429, "{}").with_header("Retry-After", "1"),
            Reply::json(503, "{}").with_header("Retry-After", "0"),
        ],
        Reply::json(200, OK),
    )
    .await;
    let started = Instant::now();
    let cm: serde_json::Value = client(&server.url).send_json(get()).await.unwrap();
    assert_eq!(cm["metadata"]["name"], "x");
    assert_eq!(server.requests().len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was not waited for"
    );
}

#[tokio::test]
async fn fault_retry_after_applies_to_post_too() {
    // The server did not act on a 429, so even a create is safe to resend.
    let server = FaultServer::start(
        vec![Reply::json(429, "{}").with_header("Retry-After", "0")],
        Reply::json(201, OK),
    )
    .await;
    let req = Request::post()
        .namespace("ns")
        .resource("configmaps")
        .json_body(&serde_json::json!({}));
    let _: serde_json::Value = client(&server.url).send_json(req).await.unwrap();
    assert_eq!(server.requests().len(), 2);
    assert!(server.requests().iter().all(|r| r.method == "POST"));
}

#[tokio::test]
async fn fault_5xx_without_retry_after_is_not_retried() {
    let server = FaultServer::start(vec![], Reply::json(500, "{}")).await;
    let err = client(&server.url).send_bytes(get()).await.unwrap_err();
    assert!(err.is_server_error(), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn fault_retries_stop_after_the_limit_and_say_how_many() {
    let server = FaultServer::start(
        vec![],
        Reply::json(429, "{}").with_header("Retry-After", "0"),
    )
    .await;
    let c = Client::builder(&server.url)
        .rate_limit(-1.0, 0)
        .retry_policy({
            let mut p = RetryPolicy::default();
            p.max_retries = 3;
            p
        })
        .build()
        .unwrap();
    let err = c.send_bytes(get()).await.unwrap_err();
    assert!(err.is_too_many_requests());
    assert_eq!(server.requests().len(), 4);
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
}

#[tokio::test]
async fn fault_reset_mid_response_is_retried_for_get() {
    let server = FaultServer::start(
        vec![Reply::Truncated {
            promised: 500,
            sent: b"{\"kind\":\"Conf".to_vec(),
        }],
        Reply::json(200, OK),
    )
    .await;
    let cm: serde_json::Value = client(&server.url).send_json(get()).await.unwrap();
    assert_eq!(cm["kind"], "ConfigMap");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn fault_reset_mid_response_is_not_retried_for_post() {
    // The create may have happened; sending it again could create twice.
    let server = FaultServer::start(
        vec![Reply::Truncated {
            promised: 500,
            sent: b"{\"kind\":".to_vec(),
        }],
        Reply::json(201, OK),
    )
    .await;
    let req = Request::post()
        .namespace("ns")
        .resource("configmaps")
        .json_body(&serde_json::json!({}));
    let err = client(&server.url).send_bytes(req).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn fault_hangup_before_answer_is_retried_for_get_only() {
    let server = FaultServer::start(vec![Reply::Hangup], Reply::json(200, OK)).await;
    client(&server.url).send_bytes(get()).await.unwrap();
    assert_eq!(server.requests().len(), 2);

    let server = FaultServer::start(vec![Reply::Hangup], Reply::json(200, OK)).await;
    let err = client(&server.url)
        .send_bytes(
            Request::delete()
                .namespace("ns")
                .resource("configmaps")
                .name("x"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn fault_non_json_error_body_is_kept_short_and_typed() {
    let body = format!("<html>{}</html>", "gateway trouble ".repeat(500));
    let server = FaultServer::start(
        vec![],
        Reply::Full {
            status: 502,
            headers: vec![("Content-Type", "text/html".to_owned())],
            body: body.into_bytes(),
        },
    )
    .await;
    let err = client(&server.url).send_bytes(get()).await.unwrap_err();
    let status = err.status().unwrap();
    assert_eq!(status.reason(), "InternalError");
    assert!(
        status.message().len() <= 2048 + 200,
        "message is {} bytes",
        status.message().len()
    );
    assert!(status.message().contains("gateway trouble"));
}

#[tokio::test]
async fn fault_non_json_success_body_is_a_decode_error_naming_the_request() {
    let server = FaultServer::start(vec![], Reply::json(200, "this is not json")).await;
    let err = client(&server.url)
        .send_json::<serde_json::Value>(get())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("GET /api/v1/namespaces/ns/configmaps/x"),
        "{err}"
    );
}

#[tokio::test]
async fn fault_rate_limit_spaces_requests_by_the_bucket() {
    // Burst 2 at 10 QPS: requests 3..=6 each wait 100 ms for a token.
    let server = FaultServer::start(vec![], Reply::json(200, OK)).await;
    let c = Client::builder(&server.url)
        .rate_limit(10.0, 2)
        .build()
        .unwrap();
    let started = Instant::now();
    for _ in 0..6 {
        c.send_bytes(get()).await.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(390),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn fault_warning_headers_reach_the_handler() {
    let server = FaultServer::start(
        vec![],
        Reply::json(200, OK).with_header("Warning", r#"299 - "v1 ComponentStatus is deprecated""#),
    )
    .await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let c = Client::builder(&server.url)
        .warning_handler(k8s_client::WarningHandler::new(move |w| {
            sink.lock().unwrap().push(w.to_owned())
        }))
        .build()
        .unwrap();
    c.send_bytes(get()).await.unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["v1 ComponentStatus is deprecated".to_owned()]
    );
}

#[tokio::test]
async fn fault_user_agent_and_accept_headers() {
    let server = FaultServer::start(vec![], Reply::json(200, OK)).await;
    client(&server.url).send_bytes(get()).await.unwrap();
    let req = &server.requests()[0];
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(
        header("user-agent").starts_with("k8s-client/"),
        "{}",
        header("user-agent")
    );
    assert_eq!(header("accept"), "application/json");
    assert!(header("accept-encoding").contains("gzip"));
}

#[tokio::test]
async fn fault_watch_stream_cut_between_events_ends_cleanly_and_inside_an_event_errors() {
    use futures::StreamExt;
    use k8s_client::meta::WatchEvent;

    let events = concat!(
        r#"{"type":"ADDED","object":{"metadata":{"name":"a"}}}"#,
        "\n",
        r#"{"type":"MODIFIED","object":{"metadata":{"name":"a"}}}"#
    );
    // A complete stream whose body simply ends: a clean end after two events.
    let server = FaultServer::start(vec![], Reply::json(200, events)).await;
    let watch = Request::get()
        .namespace("ns")
        .resource("configmaps")
        .param("watch", "true")
        .watch();
    let got: Vec<_> = client(&server.url)
        .send_watch::<serde_json::Value>(watch)
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(got.len(), 2);
    assert!(matches!(got[1], Ok(WatchEvent::Modified(_))));

    // The connection breaks in the middle of the second event: one event, then an error.
    let cut = &events.as_bytes()[..events.len() - 10];
    let server = FaultServer::start(
        vec![Reply::Truncated {
            promised: events.len(),
            sent: cut.to_vec(),
        }],
        Reply::Hangup,
    )
    .await;
    let watch = Request::get()
        .namespace("ns")
        .resource("configmaps")
        .param("watch", "true")
        .watch();
    let got: Vec<_> = client(&server.url)
        .send_watch::<serde_json::Value>(watch)
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(matches!(got[0], Ok(WatchEvent::Added(_))));
    assert!(got[1].is_err());
}

#[tokio::test]
async fn fault_watch_error_event_is_a_typed_gone_error() {
    use futures::StreamExt;
    let body = r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (2)","reason":"Expired","code":410}}"#;
    let server = FaultServer::start(vec![], Reply::json(200, body)).await;
    let watch = Request::get()
        .resource("configmaps")
        .param("watch", "true")
        .watch();
    let mut stream = client(&server.url)
        .send_watch::<serde_json::Value>(watch)
        .await
        .unwrap();
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(err.is_gone(), "{err}");
    assert!(
        err.to_string().contains("too old resource version"),
        "{err}"
    );
}

/// The exact request paths of the log parameters, and a UTF-8 body read whole
/// and streamed, against a scripted server (real logs: tests/e2e/node.rs).
#[tokio::test]
async fn fault_pod_logs_read_whole_and_streamed_with_their_parameters() {
    use futures::TryStreamExt;
    use k8s_client::Api;
    use k8s_client::api::LogParams;
    use k8s_client::api::core::v1::Pod;

    let text = "first line\nsecond line, ünïcode\n";
    let log = Reply::Full {
        status: 200,
        headers: vec![("Content-Type", "text/plain".to_owned())],
        body: text.as_bytes().to_vec(),
    };
    let server = FaultServer::start(vec![log.clone()], log).await;
    let pods: Api<Pod> = Api::namespaced(client(&server.url), "ns");

    let mut lp = LogParams::default();
    lp.container = Some("main".into());
    lp.tail_lines = Some(10);
    assert_eq!(pods.logs("p", &lp).await.unwrap(), text);

    lp.follow = true;
    lp.timestamps = true;
    let chunks: Vec<_> = pods
        .log_stream("p", &lp)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(chunks.concat(), text.as_bytes());

    let paths: Vec<_> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/namespaces/ns/pods/p/log?container=main&tailLines=10",
            "/api/v1/namespaces/ns/pods/p/log?container=main&tailLines=10&follow=true&timestamps=true",
        ]
    );
}
