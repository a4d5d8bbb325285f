#!/usr/bin/env bash
# Clean release build of the same minimal "list pods" program twice, on
# k8s-client (core/v1 only) and on kube + k8s-openapi, and of the floor
# program below. Reports wall time, CPU time and binary size for each, and
# the ratios. Sources are fetched before the clock starts; each build gets an
# empty target directory. With KUBECONFIG set, the two list-pods programs then
# list pods there and must agree.
#
# Usage: bash scripts/bench-build.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
rounds=${1:-1}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

write_program() { # NAME DEPENDENCIES MAIN
  mkdir -p "$scratch/$1/src"
  cat >"$scratch/$1/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
$2
EOF
  printf '%s\n' "$3" >"$scratch/$1/src/main.rs"
}

write_program list-pods-k8s-client \
  "k8s-client = { path = \"$repo/k8s-client\", default-features = false, features = [\"core\"] }" \
  'use k8s_client::{Client, api::ListParams};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::try_default().await?;
    for pod in client.core_v1().pods("").list(&ListParams::default()).await? {
        println!("{}", pod.metadata.name.unwrap_or_default());
    }
    Ok(())
}'

write_program list-pods-kube \
  'kube = "5"
k8s-openapi = { version = "0.29", features = ["v1_34"] }' \
  'use k8s_openapi::api::core::v1::Pod;
use kube::{Api, Client, api::ListParams};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::try_default().await?;
    let pods: Api<Pod> = Api::all(client);
    for pod in pods.list(&ListParams::default()).await? {
        println!("{}", pod.metadata.name.unwrap_or_default());
    }
    Ok(())
}'

# The floor: no Kubernetes client at all, only the stack every k8s-client
# build must compile (reqwest on rustls/ring, tokio, serde_json), used for
# one HTTPS GET whose JSON is parsed. No client on that stack can build faster
# than this, so it bounds what the build-time goal can reach.
write_program floor-reqwest-rustls \
  'reqwest = { version = "0.13", default-features = false, features = ["stream", "rustls-no-provider"] }
rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12", "logging"] }
rustls-platform-verifier = "0.7"
serde_json = "1"' \
  'use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let client = reqwest::Client::builder().tls_backend_preconfigured(tls).build()?;
    let url = std::env::args().nth(1).unwrap_or_else(|| "https://127.0.0.1/api/v1/pods".into());
    let body = client.get(url).send().await?.bytes().await?;
    let list: serde_json::Value = serde_json::from_slice(&body)?;
    println!("{}", list["items"].as_array().map_or(0, Vec::len));
    Ok(())
}'

programs=(list-pods-k8s-client list-pods-kube floor-reqwest-rustls)
for p in "${programs[@]}"; do
  (cd "$scratch/$p" && cargo fetch -q)
done

# Prints the build's wall time and CPU time (user + system, all processes),
# in milliseconds. On two cores the CPU time bounds the wall time from below:
# a build cannot finish faster than its CPU time divided by the cores.
build_times() {
  local TIMEFORMAT='%3R %3U %3S' times
  rm -rf "$scratch/$1/target"
  if ! times=$({ time (cd "$scratch/$1" && cargo build -q --release --offline 2>"$scratch/$1.log"); } 2>&1); then
    cat "$scratch/$1.log" >&2
    return 1
  fi
  awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' <<<"$times"
}

declare -A best cpu
for ((i = 0; i < rounds; i++)); do
  order=("${programs[@]}")
  ((i % 2)) && order=("${programs[2]}" "${programs[1]}" "${programs[0]}")
  for p in "${order[@]}"; do
    times=$(build_times "$p")
    read -r ms cpu_ms <<<"$times"
    echo "round $((i + 1)): $p built in $((ms / 1000)).$(((ms % 1000) / 100)) s ($((cpu_ms / 1000)) s of CPU)" >&2
    if [[ -z ${best[$p]:-} ]] || ((ms < best[$p])); then
      best[$p]=$ms
      cpu[$p]=$cpu_ms
    fi
  done
done

size() { stat -c %s "$scratch/$1/target/release/$1"; }
ours=${programs[0]}
peer=${programs[1]}
echo "clean release build of a list-pods program (best of $rounds):"
for p in "${programs[@]}"; do
  printf '  %-22s %6.1f s  CPU %6.1f s  binary %5.1f MB\n' "$p" \
    "$(awk -v m="${best[$p]}" 'BEGIN { print m / 1000 }')" \
    "$(awk -v m="${cpu[$p]}" 'BEGIN { print m / 1000 }')" \
    "$(awk -v b="$(size "$p")" 'BEGIN { print b / 1e6 }')"
done
awk -v a="${best[$ours]}" -v b="${best[$peer]}" -v sa="$(size "$ours")" -v sb="$(size "$peer")" \
  'BEGIN { printf "  build time %.2fx of kube'"'"'s (goal <= 0.5), binary %.2fx of kube'"'"'s (goal < 1)\n", a / b, sa / sb }'
awk -v f="${best[${programs[2]}]}" -v b="${best[$peer]}" -v fc="${cpu[${programs[2]}]}" -v bc="${cpu[$peer]}" \
  -v oc="${cpu[$ours]}" 'BEGIN {
    printf "  the floor (the required stack alone) builds in %.2fx of kube'"'"'s time, %.2fx of its CPU\n", f / b, fc / bc
    printf "  k8s-client'"'"'s own share (its CPU minus the floor'"'"'s): %.1f s of CPU\n", (oc - fc) / 1000
  }'

if [[ -n ${KUBECONFIG:-} ]]; then
  a=$("$scratch/$ours/target/release/$ours" | sort)
  b=$("$scratch/$peer/target/release/$peer" | sort)
  if [[ $a == "$b" ]]; then
    echo "  both list the same $(wc -l <<<"$a") pods"
  else
    echo "  the two programs list different pods" >&2
    exit 1
  fi
fi
