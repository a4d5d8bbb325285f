#!/usr/bin/env bash
# The informer benchmark (k8s-bench/src/bin/informer_pods.rs): k8s-client's
# SharedInformer, kube's reflector and client-go's shared informer holding
# 10,000 realistic pods, fed from a loopback server, side by side in one run:
# memory after sync (with and without the managedFields transform), memory
# during a relist, and time to sync. Builds the bench in release and the
# client-go program (k8s-bench/go/informer) offline from the module cache
# testenv's build fills, so build testenv first (testenv/build).
#
# Usage: bash scripts/bench-informer.sh [PODS [ROUNDS]]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

pods=${1:-10000}
rounds=${2:-3}
export CARGO_INCREMENTAL=0
cargo build -q --release -p k8s-bench --bin informer_pods

go_bin=target/release/client-go-informer
(cd k8s-bench/go/informer &&
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local \
    go build -trimpath -buildvcs=false -o "../../../$go_bin" .)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1e6 }' /proc/meminfo); $(go version | cut -d' ' -f3); $(rustc --version | cut -d' ' -f1-2)"
target/release/informer_pods "$pods" "$rounds" --client-go "$go_bin"
