//! Peak memory of listing 10,000 pods (realistic pods of about 4.5 KB of JSON
//! each) from a loopback server that sends the PodList chunked, as the API
//! server does. For each client it compares the most bytes live during the
//! list with what the decoded pods alone hold: a client that reads the whole
//! body before decoding it holds the JSON text and the objects at once.
//!
//! - k8s-client: `Api::<Pod>::list`, which decodes while the body streams in;
//! - k8s-client reading the whole body first (`Client::send_json`), the path
//!   `list` took before, for comparison;
//! - kube: `kube::Api::<Pod>::list` over k8s-openapi's `Pod`.
//!
//! Every byte figure is counted by the global allocator (sizes asked for,
//! without the allocator's own overhead); peaks are the worst of the rounds,
//! times the best.
//!
//! Run: `cargo run --release -p k8s-bench --bin list_pods [-- PODS ROUNDS CHUNK_BYTES]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use k8s_bench::alloc::{self, Counting};
use k8s_client::api::ListParams;
use k8s_client::api::core::v1::Pod;
use k8s_client::meta::List;
use k8s_client::rest::Request;
use k8s_client::{Api, Client};

#[global_allocator]
static ALLOC: Counting = Counting;

type BoxError = Box<dyn std::error::Error>;

const NAMESPACE: &str = "production";

/// Bytes live once `decode` has returned, above what was live before: what
/// the decoded list holds.
fn held_by<T>(decode: impl FnOnce() -> Result<T, serde_json::Error>) -> Result<usize, BoxError> {
    let before = alloc::live();
    let list = decode()?;
    let held = alloc::live() - before;
    drop(black_box(list));
    Ok(held)
}

/// The most bytes live while `list` runs, above what was live before it,
/// and how long it took.
async fn peak_of<T>(
    list: impl Future<Output = Result<T, BoxError>>,
    len: impl Fn(&T) -> usize,
    want: usize,
) -> Result<(usize, Duration), BoxError> {
    let before = alloc::reset_peak();
    let start = Instant::now();
    let out = list.await?;
    let time = start.elapsed();
    let peak = alloc::peak() - before;
    if len(&out) != want {
        return Err(format!("listed {} pods, not {want}", len(&out)).into());
    }
    drop(black_box(out));
    Ok((peak, time))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let mut arg = |default: usize| -> Result<usize, BoxError> {
        Ok(args
            .next()
            .map(|a| a.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let pods = arg(10_000)?;
    let rounds = arg(3)?;
    let chunk = arg(4096)?;

    let json: &'static [u8] = k8s_bench::pods::pod_list_json(pods).leak();
    println!(
        "PodList of {pods} pods: {:.1} MB of JSON, served chunked in {chunk}-byte chunks",
        json.len() as f64 / 1e6
    );
    let url = k8s_bench::canned_server::start_chunked(json, chunk).await?;

    let ours: Api<Pod> = Api::namespaced(
        Client::builder(&url).rate_limit(-1.0, 0).build()?,
        NAMESPACE,
    );
    let whole = ours.client().clone();
    let whole_list = || async {
        let req = Request::get().namespace(NAMESPACE).resource("pods");
        Ok::<_, BoxError>(whole.send_json::<List<Pod>>(req).await?)
    };
    let peer: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(
        kube::Client::try_from(kube::Config::new(url.parse()?))?,
        NAMESPACE,
    );
    let lp = ListParams::default();
    let peer_lp = kube::api::ListParams::default();

    // What the decoded pods alone hold, for each client's own types.
    let ours_decoded = held_by(|| serde_json::from_slice::<List<Pod>>(json))?;
    let peer_decoded = held_by(|| {
        serde_json::from_slice::<kube_core::ObjectList<k8s_openapi::api::core::v1::Pod>>(json)
    })?;

    // One list each first: connection pools, lazily built state and the
    // server's connection buffers are then part of the baseline.
    ours.list(&lp).await?;
    whole_list().await?;
    peer.list(&peer_lp).await?;

    let mut peaks = [0usize; 3];
    let mut times = [Duration::MAX; 3];
    for round in 0..rounds {
        let mut order = [0, 1, 2];
        // Rotate who goes first, so nothing left behind by one run always
        // lands in the same other's baseline.
        order.rotate_left(round % 3);
        for who in order {
            let (peak, time) = match who {
                0 => peak_of(async { Ok(ours.list(&lp).await?) }, |l| l.items.len(), pods).await?,
                1 => peak_of(whole_list(), |l| l.items.len(), pods).await?,
                _ => {
                    peak_of(
                        async { Ok(peer.list(&peer_lp).await?) },
                        |l| l.items.len(),
                        pods,
                    )
                    .await?
                }
            };
            peaks[who] = peaks[who].max(peak);
            times[who] = times[who].min(time);
        }
    }

    let mb = |b: usize| b as f64 / 1e6;
    println!(
        "{:38} {:>11} {:>9} {:>11} {:>8}",
        "", "decoded MB", "peak MB", "peak/dec.", "time ms"
    );
    for (name, decoded, who) in [
        ("k8s-client Api::list (streamed)", ours_decoded, 0),
        ("k8s-client whole body, then decode", ours_decoded, 1),
        ("kube Api::list (k8s-openapi Pod)", peer_decoded, 2),
    ] {
        println!(
            "{name:38} {:>11.1} {:>9.1} {:>10.2}x {:>8.0}",
            mb(decoded),
            mb(peaks[who]),
            peaks[who] as f64 / decoded as f64,
            times[who].as_secs_f64() * 1e3
        );
    }
    println!(
        "ratio: k8s-client list peak / decoded pods = {:.2} (goal <= 1.2); kube's = {:.2}; \
         k8s-client's peak is {:.2}x kube's; streaming takes {:.2}x the time of reading whole",
        peaks[0] as f64 / ours_decoded as f64,
        peaks[2] as f64 / peer_decoded as f64,
        peaks[0] as f64 / peaks[2] as f64,
        times[0].as_secs_f64() / times[1].as_secs_f64()
    );
    Ok(())
}
