//! 10,000 sequential GETs of a small object from a loopback server: k8s-client
//! (rate limiting off) against bare reqwest, interleaved in rounds in one run.
//!
//! Run: `cargo run --release -p k8s-bench --bin rest_get [-- REQUESTS ROUNDS]`

use std::time::{Duration, Instant};

use k8s_client::Client;
use k8s_client::rest::Request;

const BODY: &[u8] = br#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"bench","namespace":"default","resourceVersion":"1"},"data":{"k":"v"}}"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let requests: u32 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let rounds: u32 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);
    let url = k8s_bench::canned_server::start(BODY).await?;
    // Bare reqwest is built with `rustls-no-provider` here (feature unification);
    // give it the same ring provider k8s-client uses.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let ours = Client::builder(&url).rate_limit(-1.0, 0).build()?;
    let bare = reqwest::Client::builder().build()?;
    let path = "/api/v1/namespaces/default/configmaps/bench";

    // Warm both connection pools.
    ours.send_bytes(
        Request::get()
            .namespace("default")
            .resource("configmaps")
            .name("bench"),
    )
    .await?;
    bare.get(format!("{url}{path}"))
        .send()
        .await?
        .bytes()
        .await?;

    let run_ours = || async {
        let t = Instant::now();
        for _ in 0..requests {
            let v: serde_json::Value = ours
                .send_json(
                    Request::get()
                        .namespace("default")
                        .resource("configmaps")
                        .name("bench"),
                )
                .await?;
            std::hint::black_box(v);
        }
        Ok::<_, Box<dyn std::error::Error>>(t.elapsed())
    };
    let run_bare = || async {
        let t = Instant::now();
        for _ in 0..requests {
            let bytes = bare
                .get(format!("{url}{path}"))
                .header("Accept", "application/json")
                .send()
                .await?
                .error_for_status()?
                .bytes()
                .await?;
            let v: serde_json::Value = serde_json::from_slice(&bytes)?;
            std::hint::black_box(v);
        }
        Ok::<_, Box<dyn std::error::Error>>(t.elapsed())
    };

    let (mut ours_total, mut bare_total) = (Duration::ZERO, Duration::ZERO);
    for round in 1..=rounds {
        // Alternate who goes first, so a machine whose load changes during a
        // round does not favour one side.
        let (ours_round, bare_round) = if round % 2 == 1 {
            let o = run_ours().await?;
            (o, run_bare().await?)
        } else {
            let b = run_bare().await?;
            (run_ours().await?, b)
        };
        println!(
            "round {round}: k8s-client {:>8.1} ms, reqwest {:>8.1} ms, ratio {:.3}",
            ours_round.as_secs_f64() * 1e3,
            bare_round.as_secs_f64() * 1e3,
            ours_round.as_secs_f64() / bare_round.as_secs_f64()
        );
        ours_total += ours_round;
        bare_total += bare_round;
    }
    println!(
        "{requests} GETs x {rounds} rounds: k8s-client {:.2} us/req, reqwest {:.2} us/req, ratio {:.3} (goal <= 1.15)",
        ours_total.as_secs_f64() * 1e6 / f64::from(requests * rounds),
        bare_total.as_secs_f64() * 1e6 / f64::from(requests * rounds),
        ours_total.as_secs_f64() / bare_total.as_secs_f64()
    );
    Ok(())
}
