//! Leader election against the real control plane: candidates in one
//! process, each with its own client, on one Lease that kubectl reads.
//! Short timings (lease 3 s, renew deadline 2 s, retry 0.5 s) keep the
//! tests quick.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_client::api::core::v1::ConfigMap;
use k8s_client::api::{Patch, PatchParams, PostParams};
use k8s_client::meta::ObjectMeta;
use k8s_client::runtime::InformerFactory;
use k8s_client::runtime::controller::{Action, Controller, OnError};
use k8s_client::runtime::leader_election::{
    LeaderCallbacks, LeaderElectionConfig, LeaderElector, Leadership, RunOutcome,
};
use k8s_client::{Api, Client, HasMetadata};
use k8s_testenv::Kind;
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::env::{client, config, kubectl, namespace};

const LEASE: Duration = Duration::from_secs(3);
const RENEW_DEADLINE: Duration = Duration::from_secs(2);
const RETRY: Duration = Duration::from_millis(500);

fn election(ns: &str, identity: &str) -> LeaderElectionConfig {
    LeaderElectionConfig::new(ns, "lock", identity)
        .lease_duration(LEASE)
        .renew_deadline(RENEW_DEADLINE)
        .retry_period(RETRY)
}

/// The Lease as kubectl sees it.
async fn lease(ns: &str) -> Value {
    serde_json::from_str(&kubectl(&["get", "lease", "lock", "-n", ns, "-o", "json"]).await).unwrap()
}

/// When a candidate's terms started and when their work was told to stop.
#[derive(Clone, Default)]
struct Terms(Arc<Mutex<Vec<Term>>>);

type Term = (Instant, Option<Instant>);

impl Terms {
    fn work(&self) -> LeaderCallbacks {
        let terms = self.clone();
        LeaderCallbacks::new(move |leadership: Leadership| {
            let terms = terms.clone();
            async move {
                let i = {
                    let mut t = terms.0.lock().unwrap();
                    t.push((Instant::now(), None));
                    t.len() - 1
                };
                leadership.stopped().await;
                terms.0.lock().unwrap()[i].1 = Some(Instant::now());
            }
        })
    }

    fn first(&self) -> Option<Term> {
        self.0.lock().unwrap().first().copied()
    }

    async fn wait_started(&self, within: Duration) -> Instant {
        let deadline = Instant::now() + within;
        loop {
            if let Some((started, _)) = self.first() {
                return started;
            }
            assert!(
                Instant::now() < deadline,
                "no term started within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A running candidate and the switch that shuts it down.
struct Candidate {
    elector: LeaderElector,
    terms: Terms,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<RunOutcome>,
}

impl Candidate {
    fn start(client: Client, config: LeaderElectionConfig) -> Candidate {
        let elector = LeaderElector::new(client, config).unwrap();
        let terms = Terms::default();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = {
            let (elector, callbacks) = (elector.clone(), terms.work());
            tokio::spawn(async move {
                elector
                    .run(callbacks, async move {
                        let _ = stopped.await;
                    })
                    .await
            })
        };
        Candidate {
            elector,
            terms,
            stop: Some(stop),
            task,
        }
    }

    async fn shut_down(mut self) -> RunOutcome {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap()
    }

    /// Waits until this candidate has seen `identity` hold the Lease.
    async fn wait_seen_leader(&self, identity: &str) {
        let mut changes = self.elector.leader_changes();
        tokio::time::timeout(
            Duration::from_secs(10),
            changes.wait_for(|l| l.as_deref() == Some(identity)),
        )
        .await
        .unwrap_or_else(|_| panic!("{identity} was not seen leading"))
        .unwrap();
    }
}

#[tokio::test]
async fn one_of_two_candidates_leads_and_kubectl_shows_it() {
    let ns = namespace("le-two").await;
    let a = Candidate::start(client(Kind::Admin).await, election(&ns, "a"));
    let b = Candidate::start(client(Kind::Admin).await, election(&ns, "b"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !a.elector.is_leader() && !b.elector.is_leader() {
        assert!(Instant::now() < deadline, "nobody leads");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (leader, follower) = if a.elector.is_leader() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    let id = leader.elector.config().identity.clone();
    follower.wait_seen_leader(&id).await;
    let first = lease(&ns).await;
    assert_eq!(first["spec"]["holderIdentity"], id.as_str());
    assert_eq!(first["spec"]["leaseTransitions"], 0);
    assert_eq!(first["spec"]["leaseDurationSeconds"], 3);
    // Two lease durations later the same leader still holds it, renewed.
    tokio::time::sleep(2 * LEASE).await;
    assert!(leader.elector.is_leader());
    assert!(!follower.elector.is_leader());
    assert!(follower.terms.first().is_none(), "the follower never led");
    let later = lease(&ns).await;
    assert_eq!(later["spec"]["holderIdentity"], id.as_str());
    assert_eq!(later["spec"]["leaseTransitions"], 0);
    assert_eq!(later["spec"]["acquireTime"], first["spec"]["acquireTime"]);
    assert_ne!(later["spec"]["renewTime"], first["spec"]["renewTime"]);
    // MicroTime: six fractional digits.
    let renew = later["spec"]["renewTime"].as_str().unwrap();
    assert_eq!(
        renew.split('.').nth(1).map(str::len),
        Some("000000Z".len()),
        "{renew}"
    );
    assert_eq!(a.shut_down().await, RunOutcome::Shutdown);
    assert_eq!(b.shut_down().await, RunOutcome::Shutdown);
}

#[tokio::test]
async fn a_released_lease_goes_to_the_other_candidate_well_before_it_would_expire() {
    let ns = namespace("le-release").await;
    let a = Candidate::start(
        client(Kind::Admin).await,
        election(&ns, "a").release_on_cancel(true),
    );
    a.terms.wait_started(Duration::from_secs(10)).await;
    let b = Candidate::start(client(Kind::Admin).await, election(&ns, "b"));
    b.wait_seen_leader("a").await;
    let released = Instant::now();
    assert_eq!(a.shut_down().await, RunOutcome::Shutdown);
    let after_release = lease(&ns).await;
    assert_eq!(after_release["spec"]["holderIdentity"], "");
    assert_eq!(after_release["spec"]["leaseDurationSeconds"], 1);
    let took_over = b.terms.wait_started(Duration::from_secs(10)).await;
    // Without the release b would wait the whole lease (3 s) from its last
    // sight of a's renew; with it, b's next try (0.5–1.1 s apart) takes it.
    let waited = took_over - released;
    assert!(waited < LEASE, "b took over {waited:?} after the release");
    let taken = lease(&ns).await;
    assert_eq!(taken["spec"]["holderIdentity"], "b");
    assert_eq!(taken["spec"]["leaseTransitions"], 1);
    assert_eq!(taken["spec"]["leaseDurationSeconds"], 3);
    assert_eq!(b.shut_down().await, RunOutcome::Shutdown);
}

#[tokio::test]
async fn a_leader_cut_off_stops_within_the_renew_deadline_and_the_other_waits_for_expiry() {
    let ns = namespace("le-cut").await;
    let mut cfg = config(Kind::Admin).await;
    let server: std::net::SocketAddr = cfg
        .cluster_url
        .as_str()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let relay = crate::cut_relay::CutRelay::start(server).await;
    cfg.cluster_url = format!("https://{}", relay.addr).parse().unwrap();
    let mut a = Candidate::start(Client::try_from(cfg).unwrap(), election(&ns, "a"));
    a.terms.wait_started(Duration::from_secs(10)).await;
    let b = Candidate::start(client(Kind::Admin).await, election(&ns, "b"));
    b.wait_seen_leader("a").await;
    // Let a renew a few times, then cut it off from the server.
    tokio::time::sleep(2 * RETRY).await;
    relay.down();
    let cut = Instant::now();
    // a gives up by itself, within the renew deadline of its last renew,
    // which started before the cut.
    let outcome = tokio::time::timeout(Duration::from_secs(10), a.shut_down_after_loss())
        .await
        .expect("the cut-off leader did not stop");
    assert_eq!(outcome, RunOutcome::Lost);
    let (_, a_stopped) = a.terms.first().unwrap();
    let a_stopped = a_stopped.unwrap();
    // For the scheduling of a busy test machine and the last renew's
    // round trip; far less than the lease.
    let tolerance = Duration::from_millis(500);
    assert!(
        a_stopped <= cut + RENEW_DEADLINE + tolerance,
        "a stopped {:?} after the cut",
        a_stopped - cut
    );
    // b waits until a's lease expires by b's clock: a full lease from when
    // b saw a's last renew, which came at most a retry period before the cut.
    let b_started = b.terms.wait_started(Duration::from_secs(15)).await;
    assert!(a_stopped < b_started, "a still led when b started");
    assert!(
        b_started >= cut + LEASE - RETRY - tolerance,
        "b took over {:?} after the cut, before a's lease could expire",
        b_started - cut
    );
    let taken = lease(&ns).await;
    assert_eq!(taken["spec"]["holderIdentity"], "b");
    assert_eq!(taken["spec"]["leaseTransitions"], 1);
    assert_eq!(b.shut_down().await, RunOutcome::Shutdown);
}

impl Candidate {
    /// Waits for the run to end by itself (no shutdown sent).
    async fn shut_down_after_loss(&mut self) -> RunOutcome {
        (&mut self.task).await.unwrap()
    }
}

fn configmap(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([("v".to_owned(), "0".to_owned())])),
        ..ConfigMap::default()
    }
}

/// (controller identity, object name, start, end) of each reconcile.
type Log = Arc<Mutex<Vec<(String, String, Instant, Instant)>>>;

/// A controller of ConfigMaps in `ns` that leads as `identity` and logs
/// its reconciles.
fn controller(
    client: Client,
    ns: &str,
    identity: &str,
    log: &Log,
    slow_started: &Arc<Notify>,
    requeue_every: Option<Duration>,
) -> (oneshot::Sender<()>, JoinHandle<k8s_client::Result<()>>) {
    let factory = InformerFactory::new(client.clone()).namespace(ns);
    let elector =
        LeaderElector::new(client, election(ns, identity).release_on_cancel(true)).unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let controller = Controller::new(factory.informer::<ConfigMap>())
        .leader_election(elector)
        .graceful_shutdown_on(async move {
            let _ = stopped.await;
        });
    let context = Arc::new((identity.to_owned(), log.clone(), slow_started.clone()));
    let task = tokio::spawn(controller.run(
        move |cm: Arc<ConfigMap>, ctx: Arc<(String, Log, Arc<Notify>)>| async move {
            let start = Instant::now();
            // A ConfigMap with v=slow takes a second, to be in flight when
            // leadership ends.
            let slow = cm
                .data
                .as_ref()
                .and_then(|d| d.get("v"))
                .map(String::as_str)
                == Some("slow");
            let took = if slow {
                Duration::from_secs(1)
            } else {
                Duration::from_millis(20)
            };
            if slow {
                ctx.2.notify_one();
            }
            tokio::time::sleep(took).await;
            ctx.1.lock().unwrap().push((
                ctx.0.clone(),
                cm.name().to_owned(),
                start,
                Instant::now(),
            ));
            Ok::<_, k8s_client::Error>(requeue_every.map_or(Action::done(), Action::requeue_after))
        },
        |_, _: &k8s_client::Error, _| OnError::Backoff,
        context,
    ));
    (stop, task)
}

/// Waits until `identity` has reconciled every one of `names`, after `since`.
async fn wait_reconciled(log: &Log, identity: &str, names: &[&str], since: Instant) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let done = {
            let log = log.lock().unwrap();
            names.iter().all(|n| {
                log.iter()
                    .any(|(id, name, start, _)| id == identity && name == n && *start >= since)
            })
        };
        if done {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{identity} did not reconcile {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn of_two_controllers_only_the_leader_reconciles_and_the_other_takes_over() {
    let ns = namespace("le-ctrl").await;
    let cms: Api<ConfigMap> = Api::namespaced(client(Kind::Admin).await, &ns);
    for n in ["one", "two"] {
        cms.create(&PostParams::default(), &configmap(n))
            .await
            .unwrap();
    }
    let log: Log = Arc::default();
    let slow_started = Arc::new(Notify::new());
    let begin = Instant::now();
    let (stop_1, task_1) = controller(
        client(Kind::Admin).await,
        &ns,
        "c1",
        &log,
        &slow_started,
        None,
    );
    wait_reconciled(&log, "c1", &["one", "two"], begin).await;
    let (stop_2, task_2) = controller(
        client(Kind::Admin).await,
        &ns,
        "c2",
        &log,
        &slow_started,
        None,
    );
    // c2 is synced and standing by: a new object is reconciled by c1 only.
    tokio::time::sleep(2 * LEASE).await;
    cms.create(&PostParams::default(), &configmap("three"))
        .await
        .unwrap();
    wait_reconciled(&log, "c1", &["three"], begin).await;
    tokio::time::sleep(LEASE).await;
    assert!(
        log.lock().unwrap().iter().all(|e| e.0 == "c1"),
        "only the leader reconciles"
    );
    assert_eq!(lease(&ns).await["spec"]["holderIdentity"], "c1");
    // A slow reconcile starts; c1 shuts down while it runs, lets it finish,
    // and releases; c2 leads and reconciles everything cached.
    cms.patch(
        "one",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"v": "slow"}})),
    )
    .await
    .unwrap();
    tokio::time::timeout(Duration::from_secs(20), slow_started.notified())
        .await
        .expect("the slow reconcile did not start");
    let handover = Instant::now();
    stop_1.send(()).unwrap();
    task_1.await.unwrap().unwrap();
    let c1_done = Instant::now();
    wait_reconciled(&log, "c2", &["one", "two", "three"], handover).await;
    cms.create(&PostParams::default(), &configmap("four"))
        .await
        .unwrap();
    wait_reconciled(&log, "c2", &["four"], handover).await;
    {
        let log = log.lock().unwrap();
        let c1_last_end = log
            .iter()
            .filter(|e| e.0 == "c1")
            .map(|e| e.3)
            .max()
            .unwrap();
        let c2_first_start = log
            .iter()
            .filter(|e| e.0 == "c2")
            .map(|e| e.2)
            .min()
            .unwrap();
        assert!(c1_last_end <= c1_done);
        assert!(
            c1_last_end < c2_first_start,
            "the controllers' reconciles overlapped"
        );
        assert!(!log.iter().any(|e| e.0 == "c1" && e.1 == "four"));
        assert!(
            log.iter()
                .any(|e| e.0 == "c1" && e.1 == "one" && e.2 < handover && e.3 > handover),
            "the reconcile in flight at shutdown did not finish"
        );
    }
    let taken = lease(&ns).await;
    assert_eq!(taken["spec"]["holderIdentity"], "c2");
    assert_eq!(taken["spec"]["leaseTransitions"], 1);
    stop_2.send(()).unwrap();
    task_2.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_controller_cut_off_from_the_server_stops_reconciling_within_its_renew_deadline() {
    let ns = namespace("le-ctrl-cut").await;
    let cms: Api<ConfigMap> = Api::namespaced(client(Kind::Admin).await, &ns);
    cms.create(&PostParams::default(), &configmap("busy"))
        .await
        .unwrap();
    let mut cfg = config(Kind::Admin).await;
    let server: std::net::SocketAddr = cfg
        .cluster_url
        .as_str()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let relay = crate::cut_relay::CutRelay::start(server).await;
    cfg.cluster_url = format!("https://{}", relay.addr).parse().unwrap();
    let log: Log = Arc::default();
    let unused = Arc::new(Notify::new());
    // Both reconcile their object again every 100 ms while they lead, so
    // a cut-off leader whose workers went on would keep logging.
    let every = Some(Duration::from_millis(100));
    let begin = Instant::now();
    let (_stop_1, task_1) = controller(
        Client::try_from(cfg).unwrap(),
        &ns,
        "c1",
        &log,
        &unused,
        every,
    );
    wait_reconciled(&log, "c1", &["busy"], begin).await;
    let (stop_2, task_2) = controller(client(Kind::Admin).await, &ns, "c2", &log, &unused, every);
    tokio::time::sleep(LEASE).await;
    relay.down();
    let cut = Instant::now();
    wait_reconciled(&log, "c2", &["busy"], cut).await;
    // c1 campaigns again (and fails, cut off) rather than returning.
    assert!(!task_1.is_finished());
    let log = log.lock().unwrap().clone();
    let c1_last_start = log
        .iter()
        .filter(|e| e.0 == "c1")
        .map(|e| e.2)
        .max()
        .unwrap();
    let c1_last_end = log
        .iter()
        .filter(|e| e.0 == "c1")
        .map(|e| e.3)
        .max()
        .unwrap();
    let c2_first_start = log
        .iter()
        .filter(|e| e.0 == "c2")
        .map(|e| e.2)
        .min()
        .unwrap();
    let tolerance = Duration::from_millis(500);
    assert!(
        c1_last_start <= cut + RENEW_DEADLINE + tolerance,
        "c1 reconciled {:?} after the cut",
        c1_last_start - cut
    );
    assert!(
        c1_last_end < c2_first_start,
        "the controllers' reconciles overlapped"
    );
    assert!(c2_first_start >= cut + LEASE - RETRY - tolerance);
    stop_2.send(()).unwrap();
    task_2.await.unwrap().unwrap();
    task_1.abort();
}
