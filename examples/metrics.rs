//! Request metrics in client-go's names, exported in Prometheus' text format.
//!
//! A [`RequestObserver`] sees every attempt, retry and rate-limiter wait of
//! the client it is given to. This one keeps client-go's `rest_client_*`
//! series and prints them (or serves them on `/metrics` with `--serve ADDR`,
//! for a scraper to read).
//!
//! Run: `cargo run --example metrics [-- --serve 127.0.0.1:9100]`

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_client::api::ListParams;
use k8s_client::api::core::v1::{ConfigMap, Namespace};
use k8s_client::{Api, AttemptInfo, Client, ClientBuilder, Config, RequestInfo, RequestObserver};
use tokio::io::AsyncWriteExt;

/// client-go's latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (bucket, count) in BUCKETS.iter().zip(&mut self.counts) {
            if seconds <= *bucket {
                *count += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }
}

/// The series, by their labels.
#[derive(Default)]
struct Series {
    /// `rest_client_request_duration_seconds{verb, url}`.
    latency: BTreeMap<(String, String), Histogram>,
    /// `rest_client_requests_total{code, method, host}`.
    results: BTreeMap<(String, String, String), u64>,
    /// `rest_client_request_retries_total{code, method, host}`.
    retries: BTreeMap<(String, String, String), u64>,
    /// `rest_client_rate_limiter_duration_seconds{verb, url}`.
    rate_limiter: BTreeMap<(String, String), Histogram>,
    /// `rest_client_response_size_bytes{verb, host}`: sum and count.
    response_bytes: BTreeMap<(String, String), (u64, u64)>,
}

#[derive(Default)]
struct Metrics(Mutex<Series>);

impl Metrics {
    fn series(&self) -> std::sync::MutexGuard<'_, Series> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl RequestObserver for Metrics {
    fn rate_limiter_waited(&self, request: &RequestInfo<'_>, waited: Duration) {
        let key = (request.verb.to_string(), request.url_template.to_owned());
        self.series()
            .rate_limiter
            .entry(key)
            .or_default()
            .observe(waited.as_secs_f64());
    }

    fn attempt_finished(&self, request: &RequestInfo<'_>, attempt: &AttemptInfo) {
        let verb = request.verb.to_string();
        let mut s = self.series();
        s.latency
            .entry((verb.clone(), request.url_template.to_owned()))
            .or_default()
            .observe(attempt.latency.as_secs_f64());
        let code = attempt.result.code_label().into_owned();
        *s.results
            .entry((code, verb.clone(), request.host.to_owned()))
            .or_default() += 1;
        if let Some(bytes) = attempt.response_bytes {
            let entry = s
                .response_bytes
                .entry((verb, request.host.to_owned()))
                .or_default();
            entry.0 += bytes;
            entry.1 += 1;
        }
    }

    fn retrying(&self, request: &RequestInfo<'_>, attempt: &AttemptInfo, _wait: Duration) {
        let key = (
            attempt.result.code_label().into_owned(),
            request.verb.to_string(),
            request.host.to_owned(),
        );
        *self.series().retries.entry(key).or_default() += 1;
    }
}

impl Metrics {
    /// The series in Prometheus' text exposition format.
    fn render(&self) -> String {
        let s = self.series();
        let mut out = String::new();
        histogram(
            &mut out,
            "rest_client_request_duration_seconds",
            "Request latency in seconds, by verb and URL template.",
            &s.latency,
        );
        histogram(
            &mut out,
            "rest_client_rate_limiter_duration_seconds",
            "Client-side rate limiter wait in seconds, by verb and URL template.",
            &s.rate_limiter,
        );
        counter(
            &mut out,
            "rest_client_requests_total",
            "HTTP requests, by status code, method and host.",
            &s.results,
        );
        counter(
            &mut out,
            "rest_client_request_retries_total",
            "Request retries, by status code, method and host.",
            &s.retries,
        );
        let name = "rest_client_response_size_bytes";
        let _ = writeln!(
            out,
            "# HELP {name} Response size in bytes, by verb and host."
        );
        let _ = writeln!(out, "# TYPE {name} summary");
        for ((verb, host), (sum, count)) in &s.response_bytes {
            let labels = format!("verb=\"{verb}\",host=\"{host}\"");
            let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
            let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
        }
        out
    }
}

fn histogram(
    out: &mut String,
    name: &str,
    help: &str,
    series: &BTreeMap<(String, String), Histogram>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} histogram");
    for ((verb, url), h) in series {
        let labels = format!("verb=\"{verb}\",url=\"{url}\"");
        for (bucket, count) in BUCKETS.iter().zip(h.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bucket}\"}} {count}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
    }
}

fn counter(
    out: &mut String,
    name: &str,
    help: &str,
    series: &BTreeMap<(String, String, String), u64>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    for ((code, method, host), n) in series {
        let _ = writeln!(
            out,
            "{name}{{code=\"{code}\",method=\"{method}\",host=\"{host}\"}} {n}"
        );
    }
}

/// Serves the metrics on `addr` until interrupted: a minimal HTTP/1.1
/// server, enough for a scraper.
async fn serve(metrics: Arc<Metrics>, addr: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!(
        "serving metrics on http://{}/metrics",
        listener.local_addr()?
    );
    loop {
        let (mut conn, _) = listener.accept().await?;
        let body = metrics.render();
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        // A scraper that hangs up early is its own problem.
        let _ = conn.write_all(response.as_bytes()).await;
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let serve_at = std::env::args().skip_while(|a| a != "--serve").nth(1);
    let metrics = Arc::new(Metrics::default());
    let client: Client = ClientBuilder::from_config(Config::infer().await?)
        .observer(metrics.clone())
        .build()?;

    // Some traffic: a list of namespaces, then the ConfigMaps of each.
    let namespaces = Api::<Namespace>::all(client.clone())
        .list(&ListParams::default())
        .await?;
    for ns in &namespaces.items {
        let name = ns.metadata.name.as_deref().unwrap_or_default();
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), name);
        cms.list(&ListParams::default()).await?;
    }
    // And a miss, which is a 404 in the counts.
    let _ = Api::<ConfigMap>::namespaced(client.clone(), "default")
        .get("no-such-configmap")
        .await;

    print!("{}", metrics.render());
    if let Some(addr) = serve_at {
        serve(metrics, &addr).await?;
    }
    Ok(())
}
