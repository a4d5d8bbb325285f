#!/usr/bin/env bash
# Clean release build of the same minimal "list pods" program twice: on
# k8s-client (core/v1 only) and on kube + k8s-openapi. Reports build wall
# time and binary size for each, and their ratios. Sources are fetched before
# the clock starts; each build gets an empty target directory. With
# KUBECONFIG set, both programs then list pods there and must agree.
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

programs=(list-pods-k8s-client list-pods-kube)
for p in "${programs[@]}"; do
  (cd "$scratch/$p" && cargo fetch -q)
done

# Prints the build's wall time in milliseconds.
build_ms() {
  local start end
  rm -rf "$scratch/$1/target"
  start=$(date +%s%N)
  (cd "$scratch/$1" && cargo build -q --release --offline)
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

declare -A best
for ((i = 0; i < rounds; i++)); do
  order=("${programs[@]}")
  ((i % 2)) && order=("${programs[1]}" "${programs[0]}")
  for p in "${order[@]}"; do
    ms=$(build_ms "$p")
    echo "round $((i + 1)): $p built in $((ms / 1000)).$(((ms % 1000) / 100)) s" >&2
    if [[ -z ${best[$p]:-} ]] || ((ms < best[$p])); then best[$p]=$ms; fi
  done
done

size() { stat -c %s "$scratch/$1/target/release/$1"; }
ours=${programs[0]}
peer=${programs[1]}
echo "clean release build of a list-pods program (best of $rounds):"
for p in "${programs[@]}"; do
  printf '  %-22s %6.1f s  binary %5.1f MB\n' "$p" \
    "$(awk -v m="${best[$p]}" 'BEGIN { print m / 1000 }')" \
    "$(awk -v b="$(size "$p")" 'BEGIN { print b / 1e6 }')"
done
awk -v a="${best[$ours]}" -v b="${best[$peer]}" -v sa="$(size "$ours")" -v sb="$(size "$peer")" \
  'BEGIN { printf "  build time %.2fx of kube'"'"'s (goal <= 0.5), binary %.2fx of kube'"'"'s (goal < 1)\n", a / b, sa / sb }'

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
