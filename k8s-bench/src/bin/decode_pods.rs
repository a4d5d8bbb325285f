//! Typed decode of a 10,000-pod PodList (realistic pods of about 4.5 KB of
//! JSON each), each side as its `Api::<Pod>::list` decodes it: k8s-client's
//! streaming `ListDecoder` into the generated `Pod`, against
//! `serde_json::from_slice` into kube's `ObjectList` of k8s-openapi's `Pod`,
//! in interleaved rounds in one run. Reports decode time (best round) and the
//! bytes the decoded list holds (counted by the global allocator).
//!
//! Run: `cargo run --release -p k8s-bench --bin decode_pods [-- PODS ROUNDS]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use k8s_bench::alloc::{self, Counting};

#[global_allocator]
static ALLOC: Counting = Counting;

/// What one decode cost.
struct Sample {
    time: Duration,
    /// Bytes held by the decoded list.
    held: usize,
    /// Most bytes live during the decode, above what was live before (the
    /// JSON text is already in memory, so it is not counted).
    peak: usize,
    allocations: usize,
}

fn measure<T>(decode: impl Fn() -> T, len: impl Fn(&T) -> usize, want: usize) -> Sample {
    alloc::settle();
    let before = alloc::reset_peak();
    let count = alloc::allocations();
    let start = Instant::now();
    let out = decode();
    let time = start.elapsed();
    let held = alloc::live() - before;
    let peak = alloc::peak() - before;
    let allocations = alloc::allocations() - count;
    assert_eq!(len(&out), want, "decoded the wrong number of pods");
    drop(black_box(out));
    Sample {
        time,
        held,
        peak,
        allocations,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let pods: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let rounds: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(5);

    let json = k8s_bench::pods::pod_list_json(pods);
    println!(
        "PodList of {pods} pods: {:.1} MB of JSON, {:.2} KB per pod",
        json.len() as f64 / 1e6,
        json.len() as f64 / pods as f64 / 1e3
    );

    // What `Api::<Pod>::list` does with the response body: the streaming
    // list decoder, fed as the body arrives (64 KiB chunks here).
    let ours = || {
        let mut decoder = k8s_client::rest::ListDecoder::<k8s_client::api::core::v1::Pod>::new(
            "decode_pods",
            "PodList",
        );
        for chunk in json.chunks(64 * 1024) {
            decoder.feed(chunk).map_err(|e| e.to_string())?;
        }
        decoder.finish().map_err(|e| format!("k8s-client: {e}"))
    };
    let peer = || {
        serde_json::from_slice::<kube_core::ObjectList<k8s_openapi::api::core::v1::Pod>>(&json)
            .map_err(|e| format!("k8s-openapi: {e}"))
    };
    // The floor: parsing and validating the text, building nothing.
    let parse_only =
        || serde_json::from_slice::<serde::de::IgnoredAny>(&json).map_err(|e| e.to_string());
    let value = || serde_json::from_slice::<serde_json::Value>(&json).map_err(|e| e.to_string());
    // Decode once each so errors show before any timing.
    ours()?;
    peer()?;

    let mut best: [Option<Sample>; 4] = [None, None, None, None];
    for _ in 0..rounds {
        let samples = [
            measure(ours, |r| r.as_ref().map_or(0, |l| l.items.len()), pods),
            measure(peer, |r| r.as_ref().map_or(0, |l| l.items.len()), pods),
            measure(parse_only, |r| if r.is_ok() { pods } else { 0 }, pods),
            measure(
                value,
                |r| {
                    r.as_ref()
                        .ok()
                        .and_then(|v| v["items"].as_array().map(Vec::len))
                        .unwrap_or(0)
                },
                pods,
            ),
        ];
        for (slot, s) in best.iter_mut().zip(samples) {
            if slot.as_ref().is_none_or(|b| s.time < b.time) {
                *slot = Some(s);
            }
        }
    }
    let [Some(ours), Some(peer), Some(parse_only), Some(value)] = best else {
        return Err("no rounds run".into());
    };
    let per_pod = |b: usize| b as f64 / pods as f64 / 1e3;
    for (name, s) in [
        ("k8s-client", &ours),
        ("kube/k8s-openapi", &peer),
        ("parse only (IgnoredAny)", &parse_only),
        ("serde_json::Value (untyped)", &value),
    ] {
        println!(
            "{name:28} decode {:7.1} ms | holds {:6.1} MB ({:5.2} KB/pod) | peak {:6.1} MB | {:5.1} allocations/pod",
            s.time.as_secs_f64() * 1e3,
            s.held as f64 / 1e6,
            per_pod(s.held),
            s.peak as f64 / 1e6,
            s.allocations as f64 / pods as f64
        );
    }
    println!(
        "ratio: decode {:.2}x faster than kube/k8s-openapi (goal >= 3x); decoded pods hold {:.2}x less memory (goal >= 3x)",
        peer.time.as_secs_f64() / ours.time.as_secs_f64(),
        peer.held as f64 / ours.held as f64
    );
    Ok(())
}
