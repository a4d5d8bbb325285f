//! An informer of 10,000 realistic pods (the pods of `k8s_bench::pods`,
//! about 4.5 KB of JSON each), fed from a loopback server that pages lists
//! as asked and holds watches open: memory after sync, memory during a
//! relist, and time to sync, for
//!
//! - k8s-client: `SharedInformer<Pod>` (list then watch, as the peers do);
//! - kube: `kube::runtime::reflector` over `watcher` with k8s-openapi's `Pod`
//!   and its default `watcher::Config`;
//! - client-go: a `SharedIndexInformer` from `SharedInformerFactory`
//!   (`k8s-bench/go/informer`, given with `--client-go PATH`),
//!
//! each without a transform, and with the one that drops
//! `metadata.managedFields` (ours: `drop_managed_fields`; kube:
//! `.modify(|p| p.managed_fields_mut().clear())`; client-go: `SetTransform`).
//! Client-side rate limiting is off on every side.
//!
//! Each side runs in a process of its own, started by this one, so resident
//! memory (`VmRSS`, `VmHWM` from `/proc`) is its own and comparable across
//! languages. A child syncs, reports, resets its peak resident set, and
//! waits; the server then ends its watch with `410 Expired`, the child
//! relists the same pods, and once its new watch is open it reports the peak
//! of the relist. Rust children also report the bytes their allocations
//! hold (counted by the global allocator).
//!
//! Figures are medians over the rounds; who goes first rotates each round.
//!
//! Run: `bash scripts/bench-informer.sh`, or
//! `cargo run --release -p k8s-bench --bin informer_pods -- [PODS [ROUNDS]] [--client-go PATH]`

use std::future::ready;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_bench::alloc::{self, Counting};
use k8s_bench::pod_server::PodServer;
use k8s_bench::process::{self, Measured, number};
use k8s_client::api::core::v1::Pod;
use k8s_client::runtime::informer::SharedInformer;
use k8s_client::runtime::store::drop_managed_fields;
use k8s_client::runtime::watcher::{InitialList, WatcherConfig};
use k8s_client::{Api, Client};
use tokio::process::Command;

#[global_allocator]
static ALLOC: Counting = Counting;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const NAMESPACE: &str = "production";

/// The sides, in the order of the table.
const SIDES: [&str; 6] = [
    "k8s-client",
    "k8s-client+strip",
    "kube",
    "kube+strip",
    "client-go",
    "client-go+strip",
];

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Runtime::new()?;
    if args.first().map(String::as_str) == Some("--child") {
        let [_, side, url, pods] = &args[..] else {
            return Err("usage: --child SIDE URL PODS".into());
        };
        return runtime.block_on(child(side, url, pods.parse()?));
    }
    runtime.block_on(parent(args))
}

// ---- the parent: server, children, table ----

async fn parent(args: Vec<String>) -> Result<(), BoxError> {
    let mut client_go = None;
    let mut numbers = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        if a == "--client-go" {
            client_go = Some(it.next().ok_or("--client-go needs a path")?);
        } else {
            numbers.push(a.parse::<usize>()?);
        }
    }
    let pods = numbers.first().copied().unwrap_or(10_000);
    let rounds = numbers.get(1).copied().unwrap_or(3);

    let json: Vec<Vec<u8>> = (0..pods)
        .map(|i| serde_json::to_vec(&k8s_bench::pods::pod(i)))
        .collect::<Result<_, _>>()?;
    let bytes: usize = json.iter().map(Vec::len).sum();
    let server = PodServer::start(json).await?;
    let sides: Vec<&str> = SIDES
        .iter()
        .copied()
        .filter(|s| client_go.is_some() || !s.starts_with("client-go"))
        .collect();
    println!(
        "informer of {pods} pods ({:.1} MB of JSON), listed in pages of 500 from a loopback server; \
         median of {rounds} rounds, each side in its own process",
        bytes as f64 / 1e6
    );

    let me = std::env::current_exe()?;
    let mut results: Vec<Vec<Run>> = vec![Vec::new(); sides.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..sides.len()).collect();
        order.rotate_left(round % sides.len());
        for i in order {
            let side = sides[i];
            let command = match side.strip_prefix("client-go") {
                Some(rest) => {
                    let mut c = Command::new(client_go.as_deref().unwrap_or_default());
                    c.args([
                        server.url(),
                        &pods.to_string(),
                        if rest.is_empty() { "keep" } else { "strip" },
                    ]);
                    c
                }
                None => {
                    let mut c = Command::new(&me);
                    c.args(["--child", side, server.url(), &pods.to_string()]);
                    c
                }
            };
            let run = measure(&server, command)
                .await
                .map_err(|e| format!("{side}: {e}"))?;
            eprintln!(
                "round {}: {side:17} synced in {:6.0} ms, peak {:6.1} MB, relist peak {:6.1} MB{}",
                round + 1,
                run.sync_ms,
                run.sync_peak / 1e6,
                run.relist_peak / 1e6,
                run.sync_held.map_or(String::new(), |h| format!(
                    ", {:.1} MB held at sync",
                    h / 1e6
                ))
            );
            results[i].push(run);
        }
    }

    let med: Vec<Run> = results.iter().map(|r| Run::median(r)).collect();
    let mb = |b: f64| b / 1e6;
    println!(
        "{:17} {:>9} {:>10} {:>9} {:>11} {:>9} {:>10}",
        "", "sync ms", "peak MB", "RSS MB", "relist MB", "relist/x", "held MB"
    );
    for (side, r) in sides.iter().zip(&med) {
        println!(
            "{side:17} {:>9.0} {:>10.1} {:>9.1} {:>11.1} {:>8.2}x {:>10}",
            r.sync_ms,
            mb(r.sync_peak),
            mb(r.sync_rss),
            mb(r.relist_peak),
            r.relist_peak / r.steady,
            r.held.map_or("-".to_owned(), |h| format!("{:.1}", mb(h)))
        );
    }
    println!(
        "  peak MB: peak resident set up to sync; RSS MB: resident at sync; relist MB: peak resident \
         during the relist; relist/x: that over the resident set when it began; held MB: bytes \
         allocated and live after the relist (Rust: counted by the allocator; Go: heap after a GC)"
    );

    let at = |name: &str| sides.iter().position(|s| *s == name).map(|i| &med[i]);
    let ratio = |a: &str, b: &str, f: fn(&Run) -> f64| at(a).zip(at(b)).map(|(a, b)| f(a) / f(b));
    let peak = |r: &Run| r.sync_peak;
    let time = |r: &Run| r.sync_ms;
    for (ours, kube, go) in [
        ("k8s-client", "kube", "client-go"),
        ("k8s-client+strip", "kube+strip", "client-go+strip"),
    ] {
        if let Some(k) = ratio(ours, kube, peak) {
            print!("ratio: {ours} peak RSS / {kube}'s = {k:.2} (goal <= 0.25)");
        }
        if let Some(g) = ratio(ours, go, peak) {
            print!("; / {go}'s = {g:.2} (goal < 1)");
        }
        println!();
    }
    for side in ["k8s-client", "k8s-client+strip"] {
        if let Some(r) = at(side) {
            let others: Vec<String> = ["kube", "client-go"]
                .iter()
                .filter_map(|p| {
                    let peer = if side.ends_with("strip") {
                        format!("{p}+strip")
                    } else {
                        (*p).to_owned()
                    };
                    at(&peer).map(|o| format!("{peer}'s {:.2}", o.relist_peak / o.steady))
                })
                .collect();
            println!(
                "ratio: {side} relist peak / steady RSS = {:.2} (goal <= 1.3); {}",
                r.relist_peak / r.steady,
                others.join(", ")
            );
        }
    }
    if let Some(g) = ratio("k8s-client", "client-go", time) {
        print!("ratio: k8s-client time to sync / client-go's = {g:.2} (goal <= 1)");
        if let Some(k) = ratio("k8s-client", "kube", time) {
            print!("; / kube's = {k:.2}");
        }
        println!();
    } else if let Some(k) = ratio("k8s-client", "kube", time) {
        println!("ratio: k8s-client time to sync / kube's = {k:.2}");
    }
    Ok(())
}

/// One side's figures from one child.
#[derive(Clone, Debug)]
struct Run {
    sync_ms: f64,
    sync_peak: f64,
    sync_rss: f64,
    steady: f64,
    relist_peak: f64,
    held: Option<f64>,
    sync_held: Option<f64>,
}

impl Run {
    fn median(runs: &[Run]) -> Run {
        let med = |f: fn(&Run) -> f64| {
            let mut v: Vec<f64> = runs.iter().map(f).collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
        };
        Run {
            sync_ms: med(|r| r.sync_ms),
            sync_peak: med(|r| r.sync_peak),
            sync_rss: med(|r| r.sync_rss),
            steady: med(|r| r.steady),
            relist_peak: med(|r| r.relist_peak),
            held: runs
                .iter()
                .all(|r| r.held.is_some())
                .then(|| med(|r| r.held.unwrap_or(f64::NAN))),
            sync_held: None,
        }
    }
}

/// Runs one child through sync and relist.
async fn measure(server: &PodServer, command: Command) -> Result<Run, BoxError> {
    let mut watches = server.watches_opened();
    let before = *watches.borrow_and_update();
    let mut child = Measured::spawn(command)?;
    let synced = child.report("synced").await?;
    // Its watch is open: end it with 410, and wait for the relist's watch.
    let open = *watches.wait_for(|n| *n > before).await?;
    server.expire_watches();
    tokio::time::timeout(Duration::from_secs(60), watches.wait_for(|n| *n > open)).await??;
    // What the relist left behind is freed once the watch is open; give
    // the child a moment to get there.
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.go_on().await?;
    let relisted = child.report("relisted").await?;
    child.finish().await?;
    Ok(Run {
        sync_ms: number(&synced, "ms")?,
        sync_peak: number(&synced, "hwm")?,
        sync_rss: number(&synced, "rss")?,
        steady: number(&synced, "steady")?,
        relist_peak: number(&relisted, "hwm")?,
        held: number(&relisted, "held").ok(),
        sync_held: number(&synced, "held").ok(),
    })
}

// ---- the children ----

async fn child(side: &str, url: &str, pods: usize) -> Result<(), BoxError> {
    let strip = side.ends_with("+strip");
    let live_before = alloc::live();
    let count: Box<dyn Fn() -> usize> = match side.trim_end_matches("+strip") {
        "k8s-client" => {
            let api: Api<Pod> =
                Api::namespaced(Client::builder(url).rate_limit(-1.0, 0).build()?, NAMESPACE);
            let start = Instant::now();
            let informer = SharedInformer::new(
                api,
                WatcherConfig::default().initial_list(InitialList::ListWatch),
            );
            if strip {
                informer.set_transform(Arc::new(drop_managed_fields::<Pod>))?;
            }
            informer.start()?;
            informer.wait_for_sync().await;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            let store = informer.store();
            report_synced(ms, store.len(), pods, live_before)?;
            Box::new(move || store.len())
        }
        "kube" => {
            use k8s_openapi::api::core::v1::Pod;
            use kube::ResourceExt;
            use kube::runtime::{WatchStreamExt, reflector, watcher};

            let client = kube::Client::try_from(kube::Config::new(url.parse()?))?;
            let api: kube::Api<Pod> = kube::Api::namespaced(client, NAMESPACE);
            let start = Instant::now();
            let (store, writer) = reflector::store::<Pod>();
            let events = watcher(api, watcher::Config::default());
            let events = if strip {
                events
                    .modify(|p: &mut Pod| p.managed_fields_mut().clear())
                    .boxed()
            } else {
                events.boxed()
            };
            let events = events.default_backoff().reflect(writer);
            tokio::spawn(events.for_each(|_| ready(())));
            store.wait_until_ready().await?;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            report_synced(ms, store.len(), pods, live_before)?;
            Box::new(move || store.len())
        }
        other => return Err(format!("no side {other}").into()),
    };

    tokio::task::spawn_blocking(process::wait_for_go_ahead).await??;
    let (_, hwm) = process::rss()?;
    let held = alloc::live().saturating_sub(live_before);
    if count() != pods {
        return Err(format!(
            "the store holds {} pods after the relist, not {pods}",
            count()
        )
        .into());
    }
    println!("relisted=1 hwm={hwm} held={held}");
    // The informer's tasks are still running; leave without waiting for them.
    std::process::exit(0)
}

/// Reports the sync, then resets the peak for the relist.
fn report_synced(ms: f64, len: usize, want: usize, live_before: usize) -> Result<(), BoxError> {
    if len != want {
        return Err(format!("synced with {len} pods, not {want}").into());
    }
    let (rss, hwm) = process::rss()?;
    process::reset_peak_rss()?;
    let (steady, _) = process::rss()?;
    let held = alloc::live().saturating_sub(live_before);
    println!("synced=1 ms={ms:.1} rss={rss} hwm={hwm} steady={steady} held={held}");
    Ok(())
}
