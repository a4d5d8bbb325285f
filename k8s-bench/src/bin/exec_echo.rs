//! exec round trip (`echo`) against testenv's node: k8s-client's
//! `Api::<Pod>::exec` (open the WebSocket, read stdout to its end, read the
//! exit status) against `kubectl exec` (WebSocket too, its default), run
//! after run in alternating order, in one run. Median and p99 of each.
//!
//! kubectl's time includes starting its process and reading its kubeconfig,
//! which a library call does not pay: the ratio says what a program saves by
//! not shelling out, not how the two WebSocket clients compare on the wire.
//!
//! Run: `cargo run --release -p k8s-bench --bin exec_echo [-- RUNS]` (the
//! testenv binaries must be built: `testenv/build`).

use std::time::{Duration, Instant};

use k8s_client::api::core::v1::Pod;
use k8s_client::api::{AttachParams, PostParams};
use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_client::{Api, Client};
use k8s_testenv::{Kind, TestEnv};
use tokio::io::AsyncReadExt;

type BoxError = Box<dyn std::error::Error>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200);
    let env = tokio::task::spawn_blocking(TestEnv::start_temp).await??;
    let result = bench(&env, runs).await;
    env.stop();
    result
}

async fn bench(env: &TestEnv, runs: usize) -> Result<(), BoxError> {
    let kubeconfig = Kubeconfig::read_from(env.kubeconfig_path(Kind::Admin)).await?;
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    let client = Client::try_from(config)?;
    let ns = env.fresh_namespace("bench-exec")?;
    let pods: Api<Pod> = Api::namespaced(client, &ns);
    let shell: Pod = serde_json::from_value(serde_json::json!({
        "metadata": { "name": "shell" },
        "spec": { "containers": [{ "name": "main", "image": "busybox", "command": ["sleep", "3600"] }] }
    }))?;
    pods.create(&PostParams::default(), &shell).await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let pod = pods.get("shell").await?;
        if pod.status.and_then(|s| s.phase).as_deref() == Some("Running") {
            break;
        }
        if Instant::now() > deadline {
            return Err("the pod did not start".into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let ours = || async {
        let t = Instant::now();
        let mut process = pods
            .exec("shell", ["echo", "hi"], &AttachParams::default())
            .await?;
        let mut out = String::new();
        if let Some(mut stdout) = process.stdout() {
            stdout.read_to_string(&mut out).await?;
        }
        let status = process.join().await?;
        if out != "hi\n" || !status.success() {
            return Err(format!("k8s-client: {out:?} {status:?}").into());
        }
        Ok::<_, BoxError>(t.elapsed())
    };
    let theirs = || {
        let t = Instant::now();
        let out = env
            .kubectl()
            .args(["-n", &ns, "exec", "shell", "--", "echo", "hi"])
            .output()?;
        if out.stdout != b"hi\n" || !out.status.success() {
            return Err(format!("kubectl: {out:?}").into());
        }
        Ok::<_, BoxError>(t.elapsed())
    };

    // Warm both: connections, kubectl's discovery cache.
    for _ in 0..3 {
        ours().await?;
        theirs()?;
    }
    let (mut a, mut b) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for i in 0..runs {
        if i % 2 == 0 {
            a.push(ours().await?);
            b.push(theirs()?);
        } else {
            b.push(theirs()?);
            a.push(ours().await?);
        }
    }
    let (a50, a99) = percentiles(&mut a);
    let (b50, b99) = percentiles(&mut b);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "exec echo x {runs}: k8s-client median {:.2} ms p99 {:.2} ms; kubectl exec median {:.2} ms p99 {:.2} ms; ratio median {:.3} p99 {:.3}",
        ms(a50),
        ms(a99),
        ms(b50),
        ms(b99),
        ms(a50) / ms(b50),
        ms(a99) / ms(b99),
    );
    Ok(())
}

/// The median and the 99th percentile (nearest rank).
fn percentiles(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort_unstable();
    let at = |q: f64| {
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1]
    };
    (at(0.5), at(0.99))
}
