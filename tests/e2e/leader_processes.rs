//! Leader election with candidates in separate processes
//! (`examples/leader_candidate`) against the real control plane: the leader
//! is killed, frozen and shut down, and every unit of leading work the
//! candidates record (with the time, by the host's clock) is checked for
//! overlap. Short timings keep the tests quick.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_testenv::Kind;
use tokio::process::{Child, Command};

use crate::env::{build_example, kubectl, namespace, testenv};

/// Lease, renew deadline and retry period in milliseconds.
#[derive(Clone, Copy)]
struct Timings {
    lease: u64,
    renew: u64,
    retry: u64,
}

const TIMINGS: Timings = Timings {
    lease: 3000,
    renew: 2000,
    retry: 500,
};

/// The stress timings: lease 2 s, renew 1.5 s, retry 0.4 s.
const FAST: Timings = Timings {
    lease: 2000,
    renew: 1500,
    retry: 400,
};

async fn candidate_binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    if let Some(bin) = BIN.get() {
        return bin.clone();
    }
    let bin = tokio::task::spawn_blocking(|| build_example("leader_candidate"))
        .await
        .unwrap();
    BIN.get_or_init(|| bin).clone()
}

/// One candidate process.
struct Candidate {
    identity: String,
    child: Child,
}

impl Candidate {
    async fn start(ns: &str, identity: &str, timings: Timings, logs: &Path) -> Candidate {
        let kubeconfig = testenv().await.kubeconfig_path(Kind::Admin);
        let log = logs.join(format!("{identity}.log"));
        let child = Command::new(candidate_binary().await)
            .args(["--namespace", ns, "--identity", identity, "--lease", "lock"])
            .args(["--lease-ms", &timings.lease.to_string()])
            .args(["--renew-ms", &timings.renew.to_string()])
            .args(["--retry-ms", &timings.retry.to_string()])
            .arg("--log")
            .arg(&log)
            .env("KUBECONFIG", kubeconfig)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        Candidate {
            identity: identity.to_owned(),
            child,
        }
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(status.success(), "kill {signal} {pid}");
    }

    async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }

    /// SIGTERM: the candidate releases the lease and exits.
    async fn terminate(mut self) {
        self.signal("-TERM");
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("the candidate did not exit after SIGTERM")
            .unwrap();
        assert!(status.success(), "{}: {status}", self.identity);
    }
}

/// A recorded unit of leading work.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Unit {
    at: u128,
    identity: String,
    term: u64,
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Every unit recorded in `logs`, oldest first.
fn units(logs: &Path) -> Vec<Unit> {
    let mut units = Vec::new();
    for entry in std::fs::read_dir(logs).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let mut fields = line.split(' ');
            let (Some(identity), Some(term), Some(at)) =
                (fields.next(), fields.next(), fields.next())
            else {
                panic!("bad record {line:?}");
            };
            units.push(Unit {
                at: at.parse().unwrap(),
                identity: identity.to_owned(),
                term: term.parse().unwrap(),
            });
        }
    }
    units.sort();
    units
}

/// (identity, term, first unit, last unit) of each term, in order.
type TermSpan = (String, u64, u128, u128);

/// The terms the units form; panics if two terms overlap in time.
fn assert_terms_do_not_interleave(units: &[Unit]) -> Vec<TermSpan> {
    let mut spans: Vec<TermSpan> = Vec::new();
    for u in units {
        match spans
            .iter_mut()
            .find(|s| s.0 == u.identity && s.1 == u.term)
        {
            Some(span) => span.3 = u.at,
            None => spans.push((u.identity.clone(), u.term, u.at, u.at)),
        }
    }
    spans.sort_by_key(|s| s.2);
    for pair in spans.windows(2) {
        assert!(
            pair[0].3 < pair[1].2,
            "terms interleave: {:?} ran until {} ns after {:?} started",
            (&pair[0].0, pair[0].1),
            pair[0].3 - pair[1].2,
            (&pair[1].0, pair[1].1),
        );
    }
    spans
}

/// Waits until some candidate other than `not` records a unit after
/// `after`, and returns that first unit.
async fn wait_new_leader(logs: &Path, not: Option<&str>, after: u128, within: Duration) -> Unit {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(u) = units(logs)
            .into_iter()
            .find(|u| u.at > after && Some(u.identity.as_str()) != not)
        {
            return u;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no new leader within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn holder(ns: &str) -> String {
    kubectl(&[
        "get",
        "lease",
        "lock",
        "-n",
        ns,
        "-o",
        "jsonpath={.spec.holderIdentity}",
    ])
    .await
}

fn millis(nanos: u128) -> u128 {
    nanos / 1_000_000
}

#[tokio::test]
async fn sigkill_of_the_leader_hands_over_once_its_lease_expires() {
    let ns = namespace("le-kill").await;
    let logs = tempfile::tempdir().unwrap();
    let mut candidates = Vec::new();
    for id in ["p1", "p2", "p3"] {
        candidates.push(Candidate::start(&ns, id, TIMINGS, logs.path()).await);
    }
    let first = wait_new_leader(logs.path(), None, 0, Duration::from_secs(20)).await;
    assert_eq!(holder(&ns).await, first.identity);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let i = candidates
        .iter()
        .position(|c| c.identity == first.identity)
        .unwrap();
    candidates.remove(i).kill().await;
    let killed = now_nanos();
    let next = wait_new_leader(
        logs.path(),
        Some(&first.identity),
        killed,
        Duration::from_secs(20),
    )
    .await;
    let failover = millis(next.at - killed);
    eprintln!("failover after SIGKILL: {failover} ms (lease 3000 ms, retry 500 ms)");
    // The others saw the dead leader's last renew at most a retry period
    // (plus that renew's round trip, 500 ms allowed) before the kill, and
    // waited a whole lease from then.
    assert!(
        failover >= u128::from(TIMINGS.lease - TIMINGS.retry) - 500,
        "took over {failover} ms after the kill, before the lease could expire"
    );
    assert!(failover < 10_000, "took {failover} ms");
    assert_eq!(holder(&ns).await, next.identity);
    let transitions = kubectl(&[
        "get",
        "lease",
        "lock",
        "-n",
        &ns,
        "-o",
        "jsonpath={.spec.leaseTransitions}",
    ])
    .await;
    assert_eq!(transitions, "1");
    // The follower first, so that nobody takes the lease the leader releases.
    candidates.sort_by_key(|c| c.identity == next.identity);
    for c in candidates {
        c.terminate().await;
    }
    let spans = assert_terms_do_not_interleave(&units(logs.path()));
    assert_eq!(spans.len(), 2, "{spans:?}");
    assert_eq!(holder(&ns).await, "", "released on SIGTERM");
}

#[tokio::test]
async fn a_leader_frozen_past_its_lease_does_no_leading_work_on_waking() {
    let ns = namespace("le-stop").await;
    let logs = tempfile::tempdir().unwrap();
    let mut candidates = Vec::new();
    for id in ["s1", "s2", "s3"] {
        candidates.push(Candidate::start(&ns, id, TIMINGS, logs.path()).await);
    }
    let first = wait_new_leader(logs.path(), None, 0, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let frozen = candidates
        .iter()
        .find(|c| c.identity == first.identity)
        .unwrap();
    frozen.signal("-STOP");
    let stopped = now_nanos();
    let next = wait_new_leader(
        logs.path(),
        Some(&first.identity),
        stopped,
        Duration::from_secs(20),
    )
    .await;
    // Well past its lease: wake it and let it run.
    tokio::time::sleep(Duration::from_millis(500)).await;
    frozen.signal("-CONT");
    tokio::time::sleep(Duration::from_secs(3)).await;
    for c in candidates {
        c.terminate().await;
    }
    let all = units(logs.path());
    let late: Vec<&Unit> = all
        .iter()
        .filter(|u| u.identity == first.identity && u.term == first.term && u.at >= next.at)
        .collect();
    assert!(
        late.is_empty(),
        "the woken leader recorded work after {}'s first: {late:?}",
        next.identity
    );
    assert_terms_do_not_interleave(&all);
}

/// Forced handovers in turn: SIGKILL (a new candidate replaces the dead
/// one), SIGSTOP until another leads (then SIGCONT: it campaigns again),
/// SIGTERM (it releases; a new candidate replaces it). Ten here; the
/// count comes from `LEADER_HANDOVERS` for a longer stress run.
#[tokio::test]
async fn forced_handovers_never_interleave_leading_work() {
    let rounds: usize = std::env::var("LEADER_HANDOVERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let ns = namespace("le-handover").await;
    let logs = tempfile::tempdir().unwrap();
    let mut candidates = Vec::new();
    let mut started = 0;
    for _ in 0..3 {
        started += 1;
        let id = format!("h{started}");
        candidates.push(Candidate::start(&ns, &id, FAST, logs.path()).await);
    }
    let mut leader = wait_new_leader(logs.path(), None, 0, Duration::from_secs(20)).await;
    let mut kill_failovers = Vec::new();
    for round in 0..rounds {
        // Let the leader work a little.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let i = candidates
            .iter()
            .position(|c| c.identity == leader.identity)
            .unwrap();
        let forced = now_nanos();
        let next = match round % 3 {
            0 => {
                candidates.remove(i).kill().await;
                let next = wait_new_leader(
                    logs.path(),
                    Some(&leader.identity),
                    forced,
                    Duration::from_secs(20),
                )
                .await;
                kill_failovers.push(millis(next.at - forced));
                next
            }
            1 => {
                candidates[i].signal("-STOP");
                let next = wait_new_leader(
                    logs.path(),
                    Some(&leader.identity),
                    forced,
                    Duration::from_secs(20),
                )
                .await;
                candidates[i].signal("-CONT");
                next
            }
            _ => {
                candidates.remove(i).terminate().await;
                wait_new_leader(
                    logs.path(),
                    Some(&leader.identity),
                    forced,
                    Duration::from_secs(20),
                )
                .await
            }
        };
        while candidates.len() < 3 {
            started += 1;
            let id = format!("h{started}");
            candidates.push(Candidate::start(&ns, &id, FAST, logs.path()).await);
        }
        leader = next;
    }
    for c in candidates {
        c.terminate().await;
    }
    let spans = assert_terms_do_not_interleave(&units(logs.path()));
    assert!(
        spans.len() > rounds,
        "{} terms for {rounds} handovers",
        spans.len()
    );
    kill_failovers.sort();
    eprintln!(
        "{rounds} handovers, {} terms, no interleaving; failovers after SIGKILL (lease 2000 ms, retry 400 ms): {kill_failovers:?} ms",
        spans.len()
    );
}
