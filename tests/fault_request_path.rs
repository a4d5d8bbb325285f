//! Fault tests of the request path: what a real API server cannot be made to
//! send on demand (a Retry-After of 136 years, a watch frame of 17 MiB, a
//! scripted run of 503s), and the exact path that goes on the wire. They run
//! against a scripted local HTTP server (tests/support/fault_server.rs),
//! never presented as a real one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_client::rest::Request;
use k8s_client::{AttemptInfo, AttemptResult, Client, Error, RequestInfo, RequestObserver};
use support::fault_server::{FaultServer, Reply};

const OK: &str = r#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}"#;

fn get() -> k8s_client::rest::RequestBuilder {
    Request::get()
        .namespace("ns")
        .resource("configmaps")
        .name("x")
}

#[tokio::test]
async fn fault_a_huge_retry_after_ends_at_the_deadline_not_in_136_years() {
    let server = FaultServer::start(
        vec![],
        Reply::json(429, "{}").with_header("Retry-After", "4294967295"),
    )
    .await;
    let client = Client::builder(&server.url)
        .rate_limit(-1.0, 0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.send_bytes(get()).await.unwrap_err();
    // A wait that would end past the deadline is not begun.
    assert!(
        started.elapsed() <= Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    match &err {
        Error::Timeout {
            attempts: 1,
            timeout,
            last: Some(last),
            ..
        } => {
            assert_eq!(*timeout, Duration::from_secs(10));
            assert!(last.is_too_many_requests(), "{last}");
        }
        other => panic!("expected a timeout after one attempt, got {other:?}"),
    }
    assert!(err.is_timeout());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn fault_one_deadline_covers_every_attempt_and_wait() {
    // Retry-After: 1 again and again, under a 2.5 s timeout: attempts at
    // 0 s, 1 s and 2 s, then the next wait would pass the deadline.
    let server = FaultServer::start(
        vec![],
        Reply::json(503, "{}").with_header("Retry-After", "1"),
    )
    .await;
    let client = Client::builder(&server.url)
        .rate_limit(-1.0, 0)
        .timeout(Duration::from_millis(2500))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.send_bytes(get()).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, Error::Timeout { attempts: 3, .. }), "{err:?}");
    assert_eq!(server.requests().len(), 3);
    let last = std::error::Error::source(&err).unwrap().to_string();
    assert!(last.contains("ServiceUnavailable"), "{last}");
}

#[tokio::test]
async fn fault_a_rate_limiter_wait_past_the_deadline_fails_at_once() {
    let server = FaultServer::start(vec![], Reply::json(200, OK)).await;
    // One request per 100 s: the second could not go before its 1 s deadline.
    let client = Client::builder(&server.url)
        .rate_limit(0.01, 1)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    client.send_bytes(get()).await.unwrap();
    let started = Instant::now();
    let err = client.send_bytes(get()).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(matches!(err, Error::Timeout { attempts: 0, .. }), "{err:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn fault_a_watch_frame_over_16_mib_is_refused() {
    // One event that never ends: 17 MiB of a string, promised more.
    let mut frame = br#"{"type":"ADDED","object":{"metadata":{"name":"a"},"data":{"k":""#.to_vec();
    frame.resize(17 << 20, b'x');
    let server = FaultServer::start(
        vec![Reply::Truncated {
            promised: 18 << 20,
            sent: frame,
        }],
        Reply::Hangup,
    )
    .await;
    let client = Client::builder(&server.url)
        .rate_limit(-1.0, 0)
        .build()
        .unwrap();
    let watch = Request::get()
        .namespace("ns")
        .resource("configmaps")
        .param("watch", "true")
        .watch();
    let got: Vec<_> = client
        .send_watch::<serde_json::Value>(watch)
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(got.len(), 1, "{got:?}");
    match &got[0] {
        Err(Error::TooLarge { what, limit, .. }) => {
            assert_eq!(*what, "watch frame");
            assert_eq!(*limit, k8s_client::rest::MAX_WATCH_FRAME);
            assert_eq!(*limit, 16 << 20);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn fault_names_with_question_marks_hashes_and_control_characters_stay_in_their_segment() {
    let server = FaultServer::start(vec![], Reply::json(200, OK)).await;
    let client = Client::builder(&server.url)
        .rate_limit(-1.0, 0)
        .build()
        .unwrap();
    let cms: k8s_client::Api<k8s_client::api::core::v1::ConfigMap> =
        k8s_client::Api::namespaced(client, "ns");
    let cm = k8s_client::api::core::v1::ConfigMap::default();
    cms.replace_status("x#", &Default::default(), &cm)
        .await
        .unwrap();
    cms.get("a?b=c").await.unwrap();
    cms.get("tab\there\u{1}").await.unwrap();
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            // Before, `#` cut the path: this PUT went to the object itself.
            "/api/v1/namespaces/ns/configmaps/x%23/status",
            "/api/v1/namespaces/ns/configmaps/a%3Fb=c",
            "/api/v1/namespaces/ns/configmaps/tab%09here%01",
        ]
    );
}

/// Records what the client reports.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<String>>,
}

impl RequestObserver for Recorder {
    fn rate_limiter_waited(&self, request: &RequestInfo<'_>, _waited: Duration) {
        self.push(format!("throttled {}", request.url_template));
    }
    fn attempt_finished(&self, request: &RequestInfo<'_>, attempt: &AttemptInfo) {
        let result = match attempt.result {
            AttemptResult::Code(code) => code.to_string(),
            other => format!("{other:?}"),
        };
        self.push(format!(
            "{} {} #{} {result} {:?}",
            request.verb, request.url_template, attempt.attempt, attempt.response_bytes
        ));
    }
    fn retrying(&self, _request: &RequestInfo<'_>, attempt: &AttemptInfo, wait: Duration) {
        self.push(format!("retry after #{} in {wait:?}", attempt.attempt));
    }
}

impl Recorder {
    fn push(&self, event: String) {
        self.events.lock().unwrap().push(event);
    }
}

#[tokio::test]
async fn fault_the_observer_sees_every_attempt_retry_and_wait() {
    let server = FaultServer::start(
        vec![
            Reply::json(503, "{}").with_header("Retry-After", "0"),
            Reply::json(429, "{}").with_header("Retry-After", "0"),
        ],
        Reply::json(200, OK),
    )
    .await;
    let recorder = Arc::new(Recorder::default());
    let client = Client::builder(&server.url)
        .rate_limit(10.0, 1)
        .observer(recorder.clone())
        .build()
        .unwrap();
    client.send_bytes(get()).await.unwrap();
    let events = recorder.events.lock().unwrap().clone();
    let template = "/api/v1/namespaces/{namespace}/configmaps/{name}";
    let bytes = OK.len();
    assert_eq!(
        events
            .iter()
            .filter(|e| !e.starts_with("throttled"))
            .cloned()
            .collect::<Vec<_>>(),
        [
            format!("GET {template} #1 503 Some(2)"),
            "retry after #1 in 0ns".to_owned(),
            format!("GET {template} #2 429 Some(2)"),
            "retry after #2 in 0ns".to_owned(),
            format!("GET {template} #3 200 Some({bytes})"),
        ],
        "{events:?}"
    );
    // Burst 1: the retries waited for the rate limiter, and said so.
    assert!(
        events.iter().any(|e| e.starts_with("throttled")),
        "{events:?}"
    );
}

/// A body of any size is read by default (as client-go); with a limit, a
/// larger one is refused, and the error says which limit.
#[tokio::test]
async fn fault_a_response_body_over_the_limit_is_refused() {
    let big = format!(
        r#"{{"kind":"ConfigMap","data":{{"k":"{}"}}}}"#,
        "x".repeat(2 << 20)
    );
    let big: &'static str = Box::leak(big.into_boxed_str());
    let server = FaultServer::start(vec![], Reply::json(200, big)).await;
    let unlimited = Client::builder(&server.url)
        .rate_limit(-1.0, 0)
        .build()
        .unwrap();
    assert!(unlimited.send_bytes(get()).await.is_ok());
    let limited = Client::builder(&server.url)
        .rate_limit(-1.0, 0)
        .max_response_body(1 << 20)
        .build()
        .unwrap();
    match limited.send_bytes(get()).await.unwrap_err() {
        Error::TooLarge { what, limit, .. } => {
            assert_eq!((what, limit), ("response body", 1 << 20));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}
