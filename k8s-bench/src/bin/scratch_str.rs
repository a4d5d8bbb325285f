//! scratch
#![allow(missing_docs, clippy::unwrap_used)]
fn main() {
    let json = k8s_bench::pods::pod_list_json(10000);
    let mut best = [f64::MAX; 2];
    for _ in 0..8 {
        k8s_bench::alloc::settle();
        let t = std::time::Instant::now();
        let l =
            serde_json::from_slice::<k8s_client::meta::List<k8s_client::api::core::v1::Pod>>(&json)
                .unwrap();
        best[0] = best[0].min(t.elapsed().as_secs_f64());
        drop(l);
        k8s_bench::alloc::settle();
        let t = std::time::Instant::now();
        let s = std::str::from_utf8(&json).unwrap();
        let l = serde_json::from_str::<k8s_client::meta::List<k8s_client::api::core::v1::Pod>>(s)
            .unwrap();
        best[1] = best[1].min(t.elapsed().as_secs_f64());
        drop(l);
    }
    println!(
        "from_slice {:.1} ms, validate+from_str {:.1} ms",
        best[0] * 1e3,
        best[1] * 1e3
    );
}
