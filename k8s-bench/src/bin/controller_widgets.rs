//! Convergence of 1,000 custom objects against testenv's real API server:
//! the time from creating them until every one is reconciled, and the
//! operator's peak memory, for the same operator on
//!
//! - k8s-client: `Controller` over the factory's shared informers;
//! - kube: `kube::runtime::Controller` (k8s-openapi's ConfigMap).
//!
//! The operator (`k8s_bench::widget`) watches `Widget`s and the ConfigMaps
//! they own; a reconcile of a widget without `status.ready` creates its
//! ConfigMap (an existing one is fine) and merge-patches the status; one
//! with it does nothing. Both sides run with the same number of concurrent
//! reconciles and no predicates; k8s-client's client QPS is raised to 500
//! (burst 1,000) and kube has no client-side limit.
//!
//! Each operator runs in a process of its own, in a fresh namespace. Once
//! its caches have synced this process creates the widgets (32 at a time,
//! its own client unthrottled) and the clock runs until the operator has
//! written the status of every one; this process then checks through its
//! own list that every widget is ready and owns its ConfigMap. The peak is
//! the operator process's peak resident set (`VmHWM`); "held" is what its
//! allocations hold at that point (counted by the global allocator).
//! Figures are medians over the rounds; who goes first alternates.
//!
//! Run: `bash scripts/bench-controller.sh`, or
//! `cargo run --release -p k8s-bench --bin controller_widgets -- [WIDGETS [ROUNDS [CONCURRENCY]]]`
//! (it starts testenv, or uses the one `K8S_TESTENV_DIR` names).

use std::collections::{BTreeMap, HashSet};
use std::future::ready;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_bench::alloc::{self, Counting};
use k8s_bench::process::{self, Measured, number};
use k8s_bench::widget::{self, Widget, WidgetSpec};
use k8s_client::api::core::v1::ConfigMap;
use k8s_client::api::{ListParams, Patch, PatchParams, PostParams};
use k8s_client::config::{Config, KubeConfigOptions, Kubeconfig};
use k8s_client::meta::{ObjectMeta, OwnerReference};
use k8s_client::runtime::InformerFactory;
use k8s_client::runtime::controller::{Action, Controller, OnError};
use k8s_client::{Api, Client, CustomResourceExt, HasMetadata, Resource};
use k8s_testenv::{Kind, TestEnv};
use tokio::process::Command;

#[global_allocator]
static ALLOC: Counting = Counting;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const SIDES: [&str; 2] = ["k8s-client", "kube"];
/// Widgets created at once.
const CREATING: usize = 32;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new()?;
    if args.first().map(String::as_str) == Some("--child") {
        let [_, side, kubeconfig, namespace, widgets, concurrency] = &args[..] else {
            return Err("usage: --child SIDE KUBECONFIG NAMESPACE WIDGETS CONCURRENCY".into());
        };
        let (widgets, concurrency) = (widgets.parse()?, concurrency.parse()?);
        // What the process holds before any client exists: the floor both
        // sides share (runtime, binary, TLS roots).
        let start_rss = process::rss()?.0;
        let progress = Progress::new(widgets, start_rss);
        return runtime.block_on(async {
            match side.as_str() {
                "k8s-client" => ours(Path::new(kubeconfig), namespace, progress, concurrency).await,
                "kube" => kube_side(Path::new(kubeconfig), namespace, progress, concurrency).await,
                other => Err(format!("no side {other}").into()),
            }
        });
    }
    runtime.block_on(parent(args))
}

async fn client_from(kubeconfig: &Path, qps: f32, burst: u32) -> Result<Client, BoxError> {
    let kubeconfig = Kubeconfig::read_from(kubeconfig).await?;
    let mut config =
        Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default()).await?;
    config.qps = qps;
    config.burst = burst;
    Ok(Client::try_from(config)?)
}

// ---- the parent ----

async fn parent(args: Vec<String>) -> Result<(), BoxError> {
    let numbers: Vec<usize> = args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
    let widgets = numbers.first().copied().unwrap_or(1000);
    let rounds = numbers.get(1).copied().unwrap_or(3);
    let concurrency = numbers.get(2).copied().unwrap_or(16);

    let env: &'static TestEnv = tokio::task::spawn_blocking(TestEnv::shared).await??;
    let kubeconfig = env.kubeconfig_path(Kind::Admin);
    let client = client_from(&kubeconfig, -1.0, 0).await?;
    k8s_client::crd::install(
        &client,
        &Widget::crd(),
        widget::MANAGER,
        Duration::from_secs(60),
    )
    .await?;
    println!(
        "{widgets} widgets created against testenv, each reconciled into a ConfigMap and a status; \
         {concurrency} concurrent reconciles; median of {rounds} rounds, each operator in its own process"
    );

    let me = std::env::current_exe()?;
    let mut results: Vec<Vec<[f64; 4]>> = vec![Vec::new(); SIDES.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..SIDES.len()).collect();
        order.rotate_left(round % SIDES.len());
        for i in order {
            let side = SIDES[i];
            let ns = {
                let prefix = format!("bench-{side}");
                tokio::task::spawn_blocking(move || env.fresh_namespace(&prefix)).await??
            };
            let mut command = Command::new(&me);
            command.args(["--child", side]).arg(&kubeconfig).args([
                ns.as_str(),
                &widgets.to_string(),
                &concurrency.to_string(),
            ]);
            let mut child = Measured::spawn(command)?;
            child.report("ready").await?;
            let start = Instant::now();
            let creating = create(&client, &ns, widgets);
            let (created, converged) = tokio::join!(creating, child.report("converged"));
            let created_ms = created?;
            let converged = converged?;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            child.go_on().await?;
            child.finish().await?;
            verify(&client, &ns, widgets)
                .await
                .map_err(|e| format!("{side}: {e}"))?;
            let (hwm, held) = (number(&converged, "hwm")?, number(&converged, "held")?);
            let above_start = hwm - number(&converged, "start")?;
            eprintln!(
                "round {}: {side:10} converged in {ms:6.0} ms (created in {created_ms:.0} ms), \
                 {} reconciles, peak {:.1} MB",
                round + 1,
                converged.get("reconciles").map_or("?", String::as_str),
                hwm / 1e6
            );
            results[i].push([ms, hwm, above_start, held]);
            // The namespace goes before the next side runs, so its deletion
            // does not load the server during another's measurement.
            tokio::task::spawn_blocking(move || {
                env.run_kubectl(["delete", "namespace", &ns, "--wait=true", "--timeout=600s"])
            })
            .await??;
        }
    }

    let median = |v: &[[f64; 4]], k: usize| {
        let mut v: Vec<f64> = v.iter().map(|x| x[k]).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let med: Vec<[f64; 4]> = results
        .iter()
        .map(|r| [0, 1, 2, 3].map(|k| median(r, k)))
        .collect();
    println!(
        "{:12} {:>14} {:>9} {:>15} {:>9}",
        "", "converged ms", "peak MB", "above start MB", "held MB"
    );
    for (side, [ms, hwm, above, held]) in SIDES.iter().zip(&med) {
        println!(
            "{side:12} {ms:>14.0} {:>9.1} {:>15.1} {:>9.1}",
            hwm / 1e6,
            above / 1e6,
            held / 1e6
        );
    }
    println!(
        "  peak MB: the operator process's peak resident set; above start: that minus its resident \
         set before it made a client; held MB: bytes its allocations held once converged"
    );
    println!(
        "ratio: k8s-client convergence time / kube's = {:.2} (goal <= 1); peak RSS / kube's = {:.2} \
         (goal <= 0.5); above start / kube's = {:.2}; held / kube's = {:.2}",
        med[0][0] / med[1][0],
        med[0][1] / med[1][1],
        med[0][2] / med[1][2],
        med[0][3] / med[1][3]
    );
    Ok(())
}

/// Creates the widgets; returns how long it took, in milliseconds.
async fn create(client: &Client, ns: &str, widgets: usize) -> Result<f64, BoxError> {
    let start = Instant::now();
    let api: Api<Widget> = Api::namespaced(client.clone(), ns);
    futures::stream::iter(0..widgets)
        .map(|i| {
            let api = api.clone();
            async move {
                let w = Widget {
                    metadata: ObjectMeta {
                        name: Some(format!("w-{i:05}")),
                        ..Default::default()
                    },
                    spec: WidgetSpec {
                        value: format!("value {i}"),
                    },
                    status: None,
                };
                api.create(&PostParams::default(), &w).await.map(drop)
            }
        })
        .buffer_unordered(CREATING)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(start.elapsed().as_secs_f64() * 1e3)
}

/// Every widget is ready and owns its ConfigMap.
async fn verify(client: &Client, ns: &str, widgets: usize) -> Result<(), BoxError> {
    let all = Api::<Widget>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await?;
    let ready = all
        .items
        .iter()
        .filter(|w| w.status.as_ref().is_some_and(|s| s.ready))
        .count();
    let uids: HashSet<&str> = all
        .items
        .iter()
        .filter_map(|w| w.metadata.uid.as_deref())
        .collect();
    let owned = Api::<ConfigMap>::namespaced(client.clone(), ns)
        .list(&ListParams::default())
        .await?
        .items
        .iter()
        .filter(|cm| {
            cm.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.controller == Some(true) && uids.contains(o.uid.as_str()))
        })
        .count();
    if all.items.len() != widgets || ready != widgets || owned != widgets {
        return Err(format!(
            "{} widgets, {ready} ready, {owned} owned ConfigMaps; wanted {widgets} of each",
            all.items.len()
        )
        .into());
    }
    Ok(())
}

// ---- the operators ----

/// Counts reconciles, and the widgets whose status was written.
struct Progress {
    widgets: usize,
    /// The resident set when the process started.
    start_rss: u64,
    reconciles: std::sync::atomic::AtomicUsize,
    done: Mutex<HashSet<String>>,
}

impl Progress {
    fn new(widgets: usize, start_rss: u64) -> Arc<Progress> {
        Arc::new(Progress {
            widgets,
            start_rss,
            reconciles: Default::default(),
            done: Mutex::new(HashSet::new()),
        })
    }

    fn reconciled(&self) {
        self.reconciles
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Records that `name`'s status is written; on the last one, reports.
    fn status_written(&self, name: &str) {
        let mut done = match self.done.lock() {
            Ok(d) => d,
            Err(poisoned) => poisoned.into_inner(),
        };
        if done.insert(name.to_owned()) && done.len() == self.widgets {
            let (_, hwm) = process::rss().unwrap_or_default();
            println!(
                "converged=1 hwm={hwm} start={} held={} reconciles={}",
                self.start_rss,
                alloc::live(),
                self.reconciles.load(std::sync::atomic::Ordering::Relaxed)
            );
        }
    }
}

/// Waits for the parent's go-ahead, then leaves (the operator's tasks are
/// still running).
async fn wait_then_exit() -> Result<(), BoxError> {
    tokio::task::spawn_blocking(process::wait_for_go_ahead).await??;
    std::process::exit(0)
}

struct Ours {
    client: Client,
    progress: Arc<Progress>,
}

async fn ours(
    kubeconfig: &Path,
    ns: &str,
    progress: Arc<Progress>,
    concurrency: usize,
) -> Result<(), BoxError> {
    let client = client_from(kubeconfig, 500.0, 1000).await?;
    let factory = InformerFactory::new(client.clone()).namespace(ns);
    let primary = factory.informer::<Widget>();
    let children = factory.informer::<ConfigMap>();
    let ctx = Arc::new(Ours { client, progress });
    let controller = Controller::new(primary.clone())
        .owns(children.clone())
        .max_concurrent_reconciles(concurrency);
    tokio::spawn(controller.run(reconcile_ours, |_, _, _| OnError::Backoff, ctx));
    primary.wait_for_sync().await;
    children.wait_for_sync().await;
    println!("ready=1");
    wait_then_exit().await
}

async fn reconcile_ours(w: Arc<Widget>, ctx: Arc<Ours>) -> Result<Action, k8s_client::Error> {
    ctx.progress.reconciled();
    if w.status.as_ref().is_some_and(|s| s.ready) {
        return Ok(Action::done());
    }
    let ns = w.namespace().unwrap_or_default();
    let name = w.name();
    let uid = w.metadata.uid.as_deref().unwrap_or_default();
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(widget::config_map_name(name)),
            owner_references: Some(vec![OwnerReference {
                api_version: Widget::API_VERSION.to_owned(),
                kind: Widget::KIND.to_owned(),
                name: name.to_owned(),
                uid: uid.to_owned(),
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        },
        data: Some(BTreeMap::from([("value".to_owned(), w.spec.value.clone())])),
        ..Default::default()
    };
    match Api::<ConfigMap>::namespaced(ctx.client.clone(), ns)
        .create(&PostParams::default(), &cm)
        .await
    {
        Ok(_) => {}
        Err(e) if e.is_already_exists() => {}
        Err(e) => return Err(e),
    }
    Api::<Widget>::namespaced(ctx.client.clone(), ns)
        .patch_status(
            name,
            &PatchParams::default(),
            &Patch::Merge(&widget::status_patch(name)),
        )
        .await?;
    ctx.progress.status_written(name);
    Ok(Action::done())
}

/// kube's side: the same widget, declared for kube.
mod peer {
    use std::borrow::Cow;

    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use serde::{Deserialize, Serialize};

    use k8s_bench::widget::{GROUP, VERSION, WidgetSpec, WidgetStatus};

    /// `Widget` as kube sees it.
    #[derive(Serialize, Deserialize, Clone, Debug)]
    pub(crate) struct Widget {
        pub(crate) metadata: ObjectMeta,
        pub(crate) spec: WidgetSpec,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub(crate) status: Option<WidgetStatus>,
    }

    // What kube's `CustomResource` derive writes, by hand.
    impl kube::Resource for Widget {
        type DynamicType = ();
        type Scope = k8s_openapi::NamespaceResourceScope;

        fn kind(_: &()) -> Cow<'_, str> {
            "Widget".into()
        }
        fn group(_: &()) -> Cow<'_, str> {
            GROUP.into()
        }
        fn version(_: &()) -> Cow<'_, str> {
            VERSION.into()
        }
        fn plural(_: &()) -> Cow<'_, str> {
            "widgets".into()
        }
        fn meta(&self) -> &ObjectMeta {
            &self.metadata
        }
        fn meta_mut(&mut self) -> &mut ObjectMeta {
            &mut self.metadata
        }
    }
}

struct Theirs {
    client: kube::Client,
    progress: Arc<Progress>,
}

async fn kube_side(
    kubeconfig: &Path,
    ns: &str,
    progress: Arc<Progress>,
    concurrency: usize,
) -> Result<(), BoxError> {
    use kube::runtime::{Controller as KubeController, controller, watcher};

    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig)?;
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await?;
    let client = kube::Client::try_from(config)?;
    let primary: kube::Api<peer::Widget> = kube::Api::namespaced(client.clone(), ns);
    let children: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
        kube::Api::namespaced(client.clone(), ns);
    let ctx = Arc::new(Theirs { client, progress });
    let controller = KubeController::new(primary, watcher::Config::default())
        .owns(children, watcher::Config::default())
        .with_config(controller::Config::default().concurrency(u16::try_from(concurrency)?));
    let store = controller.store();
    let run = controller.run(
        reconcile_kube,
        |_, _, _| controller::Action::requeue(Duration::from_secs(1)),
        ctx,
    );
    tokio::spawn(run.for_each(|result| {
        if let Err(e) = result {
            eprintln!("kube controller: {e}");
        }
        ready(())
    }));
    // A second waiter on the store's readiness (the controller's own is the
    // first) was never woken when it filled (kube-runtime 5.0.0), so ask
    // again until it answers.
    loop {
        if let Ok(ready) =
            tokio::time::timeout(Duration::from_millis(20), store.wait_until_ready()).await
        {
            ready?;
            break;
        }
    }
    println!("ready=1");
    wait_then_exit().await
}

async fn reconcile_kube(
    w: Arc<peer::Widget>,
    ctx: Arc<Theirs>,
) -> Result<kube::runtime::controller::Action, kube::Error> {
    use k8s_openapi::api::core::v1::ConfigMap;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
    use kube::ResourceExt;
    use kube::api::{
        Patch as KubePatch, PatchParams as KubePatchParams, PostParams as KubePostParams,
    };

    ctx.progress.reconciled();
    if w.status.as_ref().is_some_and(|s| s.ready) {
        return Ok(kube::runtime::controller::Action::await_change());
    }
    let ns = w.namespace().unwrap_or_default();
    let name = w.name_any();
    let uid = w.uid().unwrap_or_default();
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(widget::config_map_name(&name)),
            owner_references: Some(vec![OwnerReference {
                api_version: format!("{}/{}", widget::GROUP, widget::VERSION),
                kind: "Widget".to_owned(),
                name: name.clone(),
                uid,
                controller: Some(true),
                block_owner_deletion: Some(true),
            }]),
            ..Default::default()
        },
        data: Some(BTreeMap::from([("value".to_owned(), w.spec.value.clone())])),
        ..Default::default()
    };
    match kube::Api::<ConfigMap>::namespaced(ctx.client.clone(), &ns)
        .create(&KubePostParams::default(), &cm)
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.is_already_exists() => {}
        Err(e) => return Err(e),
    }
    kube::Api::<peer::Widget>::namespaced(ctx.client.clone(), &ns)
        .patch_status(
            &name,
            &KubePatchParams::default(),
            &KubePatch::Merge(&widget::status_patch(&name)),
        )
        .await?;
    ctx.progress.status_written(&name);
    Ok(kube::runtime::controller::Action::await_change())
}
