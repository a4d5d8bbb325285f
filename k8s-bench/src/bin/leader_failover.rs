//! Failover time of leader election after SIGKILL, against testenv's real
//! API server: the time from killing the leader until the other candidate's
//! started-leading callback runs, for
//!
//! - k8s-client: `runtime::leader_election::LeaderElector`;
//! - client-go: `tools/leaderelection` with a `LeaseLock` (`go/leader`).
//!
//! kube has no leader election, so it has no side here.
//!
//! Each handover is measured from scratch: two candidates of one side start,
//! each a process of its own, on a fresh Lease with the same timings on
//! both sides. Once one leads, the bench waits one lease duration (so the
//! follower has seen the leader renew), SIGKILLs the leader and takes the
//! time, then waits for the follower's `leading=ID at=UNIX_NANOS` line
//! (printed first thing in its started-leading callback; both clocks are
//! this host's). Then the follower is killed too. Sides alternate handover
//! by handover, so load on the machine falls on both alike. The issue's
//! goal is a median within lease duration + 2 × retry period.
//!
//! Run: `bash scripts/bench-leader.sh`, or
//! `cargo run --release -p k8s-bench --bin leader_failover -- REPEATS LEASE_MS RENEW_MS RETRY_MS --client-go BIN`
//! (it starts testenv, or uses the one `K8S_TESTENV_DIR` names).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_bench::process::{Report, number, parse_report};
use k8s_client::Client;
use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_client::runtime::leader_election::{LeaderElectionConfig, LeaderElector, Leadership};
use k8s_testenv::{Kind, TestEnv};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const SIDES: [&str; 2] = ["k8s-client", "client-go"];

/// Lease duration, renew deadline and retry period, in milliseconds.
#[derive(Clone, Copy)]
struct Timings {
    lease: u64,
    renew: u64,
    retry: u64,
}

impl Timings {
    fn args(self) -> [String; 3] {
        [self.lease, self.renew, self.retry].map(|ms| ms.to_string())
    }

    fn goal_ms(self) -> f64 {
        (self.lease + 2 * self.retry) as f64
    }
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new()?;
    if args.first().map(String::as_str) == Some("--candidate") {
        let [_, kubeconfig, ns, lease, identity, timings @ ..] = &args[..] else {
            return Err(
                "usage: --candidate KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS"
                    .into(),
            );
        };
        let timings = parse_timings(timings)?;
        return runtime.block_on(candidate(
            Path::new(kubeconfig),
            ns,
            lease,
            identity,
            timings,
        ));
    }
    runtime.block_on(parent(args))
}

fn parse_timings(args: &[String]) -> Result<Timings, BoxError> {
    let [lease, renew, retry] = args else {
        return Err("wanted LEASE_MS RENEW_MS RETRY_MS".into());
    };
    Ok(Timings {
        lease: lease.parse()?,
        renew: renew.parse()?,
        retry: retry.parse()?,
    })
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

// ---- our candidate ----

/// Campaigns until killed; prints `leading=ID at=UNIX_NANOS` each time it
/// starts leading.
async fn candidate(
    kubeconfig: &Path,
    ns: &str,
    lease: &str,
    identity: &str,
    timings: Timings,
) -> Result<(), BoxError> {
    let kubeconfig = Kubeconfig::read_from(kubeconfig).await?;
    let mut client_config =
        Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    // No client-side rate limit, as on client-go's side.
    client_config.qps = -1.0;
    let config = LeaderElectionConfig::new(ns, lease, identity)
        .lease_duration(Duration::from_millis(timings.lease))
        .renew_deadline(Duration::from_millis(timings.renew))
        .retry_period(Duration::from_millis(timings.retry));
    let elector = LeaderElector::new(Client::try_from(client_config)?, config)?;
    loop {
        let identity = identity.to_owned();
        elector
            .run_while_leading(
                move |leadership: Leadership| {
                    println!("leading={identity} at={}", now_nanos());
                    async move { leadership.stopped().await }
                },
                std::future::pending(),
            )
            .await;
    }
}

// ---- the parent ----

async fn parent(args: Vec<String>) -> Result<(), BoxError> {
    let (flags, rest): (Vec<&String>, Vec<&String>) = {
        let at = args.iter().position(|a| a == "--client-go");
        match at {
            Some(i) => (args[i..].iter().collect(), args[..i].iter().collect()),
            None => (Vec::new(), args.iter().collect()),
        }
    };
    let client_go = PathBuf::from(
        flags
            .get(1)
            .ok_or("usage: leader_failover REPEATS LEASE_MS RENEW_MS RETRY_MS --client-go BIN")?
            .as_str(),
    );
    let repeats: usize = rest.first().map_or(Ok(20), |r| r.parse())?;
    let timings = match rest.get(1..) {
        Some(t) if !t.is_empty() => {
            parse_timings(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>())?
        }
        _ => Timings {
            lease: 2000,
            renew: 1500,
            retry: 400,
        },
    };

    let env: &'static TestEnv = tokio::task::spawn_blocking(TestEnv::shared).await??;
    let kubeconfig = env.kubeconfig_path(Kind::Admin);
    let ns = tokio::task::spawn_blocking(move || env.fresh_namespace("bench-leader")).await??;
    println!(
        "failover after SIGKILL of the leader of two candidates (separate processes) against testenv; \
         lease {} ms, renew deadline {} ms, retry period {} ms on both sides; {repeats} handovers each",
        timings.lease, timings.renew, timings.retry
    );

    let me = std::env::current_exe()?;
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); SIDES.len()];
    for round in 0..repeats {
        let mut order: Vec<usize> = (0..SIDES.len()).collect();
        order.rotate_left(round % SIDES.len());
        for i in order {
            let side = SIDES[i];
            let lease = format!("{side}-{round}");
            let spawn = |identity: &str| {
                let mut command = match side {
                    "k8s-client" => {
                        let mut c = Command::new(&me);
                        c.arg("--candidate");
                        c
                    }
                    _ => Command::new(&client_go),
                };
                command
                    .arg(&kubeconfig)
                    .args([ns.as_str(), lease.as_str(), identity])
                    .args(timings.args());
                Candidate::spawn(command)
            };
            let ms = handover(spawn, timings)
                .await
                .map_err(|e| format!("{side}, handover {}: {e}", round + 1))?;
            eprintln!("handover {:2}: {side:10} {ms:7.0} ms", round + 1);
            results[i].push(ms);
        }
    }
    tokio::task::spawn_blocking(move || {
        env.run_kubectl(["delete", "namespace", &ns, "--wait=false"])
    })
    .await??;

    let goal = timings.goal_ms();
    println!(
        "{:12} {:>10} {:>8} {:>8}   goal: median <= lease + 2 x retry = {goal:.0} ms",
        "", "median ms", "min ms", "max ms"
    );
    let mut medians = Vec::new();
    for (side, r) in SIDES.iter().zip(&mut results) {
        r.sort_by(f64::total_cmp);
        let median = r.get(r.len() / 2).copied().unwrap_or(f64::NAN);
        let (min, max) = (r.first(), r.last());
        println!(
            "{side:12} {median:>10.0} {:>8.0} {:>8.0}   {}",
            min.copied().unwrap_or(f64::NAN),
            max.copied().unwrap_or(f64::NAN),
            if median <= goal { "met" } else { "missed" }
        );
        medians.push(median);
    }
    println!(
        "ratio: k8s-client median failover / client-go's = {:.2}",
        medians[0] / medians[1]
    );
    Ok(())
}

/// Two candidates from `spawn`; once one leads and a lease duration has
/// passed, kills it and returns the milliseconds until the other leads.
async fn handover<F>(spawn: F, timings: Timings) -> Result<f64, BoxError>
where
    F: Fn(&str) -> Result<Candidate, BoxError>,
{
    let (tx, mut leading) = mpsc::unbounded_channel();
    let mut candidates = Vec::new();
    for identity in ["a", "b"] {
        let mut candidate = spawn(identity)?;
        candidate.forward(identity, tx.clone())?;
        candidates.push(candidate);
    }
    drop(tx);
    let within = Duration::from_millis(3 * timings.lease) + Duration::from_secs(30);
    let (leader, _) = next_leading(&mut leading, within).await?;
    tokio::time::sleep(Duration::from_millis(timings.lease)).await;
    let i = usize::from(leader == "b");
    candidates[i].child.start_kill()?;
    let killed = now_nanos();
    let (follower, report) = next_leading(&mut leading, within).await?;
    if follower == leader {
        return Err(format!("{leader} led again after its SIGKILL").into());
    }
    let at = number(&report, "at")? as u128;
    for c in &mut candidates {
        let _ = c.child.start_kill();
        c.child.wait().await?;
    }
    Ok(at.saturating_sub(killed) as f64 / 1e6)
}

/// The next `(identity, report)` of a candidate that started leading.
async fn next_leading(
    leading: &mut mpsc::UnboundedReceiver<(String, Report)>,
    within: Duration,
) -> Result<(String, Report), BoxError> {
    Ok(tokio::time::timeout(within, leading.recv())
        .await
        .map_err(|_| format!("nobody led within {within:?}"))?
        .ok_or("both candidates ended")?)
}

/// A candidate process whose `leading=` lines are forwarded to a channel.
struct Candidate {
    child: Child,
}

impl Candidate {
    fn spawn(mut command: Command) -> Result<Candidate, BoxError> {
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        Ok(Candidate { child })
    }

    /// Sends `(identity, report)` for each `leading=` line; other lines go
    /// to stderr.
    fn forward(
        &mut self,
        identity: &str,
        tx: mpsc::UnboundedSender<(String, Report)>,
    ) -> Result<(), BoxError> {
        let stdout = self.child.stdout.take().ok_or("no stdout")?;
        let identity = identity.to_owned();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with("leading=") {
                    if tx.send((identity.clone(), parse_report(&line))).is_err() {
                        return;
                    }
                } else {
                    eprintln!("  {identity}: {line}");
                }
            }
        });
        Ok(())
    }
}
