#!/usr/bin/env bash
# The leader-election failover benchmark (k8s-bench/src/bin/leader_failover.rs):
# k8s-client's LeaderElector and client-go's tools/leaderelection
# (k8s-bench/go/leader, built offline from the module cache testenv's build
# fills), two candidates in separate processes against testenv's real API
# server, side by side in one run: the time from SIGKILL of the leader until
# the other starts leading. First with short timings (lease 2 s, renew
# 1.5 s, retry 0.4 s), then at client-go's defaults (15 s, 10 s, 2 s) with
# fewer handovers (skipped when DEFAULT_REPEATS is 0). Starts testenv (or
# uses the one K8S_TESTENV_DIR names).
#
# Usage: bash scripts/bench-leader.sh [REPEATS [DEFAULT_REPEATS]]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

repeats=${1:-20}
default_repeats=${2:-5}
export CARGO_INCREMENTAL=0
testenv/build
cargo build -q --release -p k8s-bench --bin leader_failover

go_bin=target/release/client-go-leader
(cd k8s-bench/go/leader &&
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local \
    go build -trimpath -buildvcs=false -o "../../../$go_bin" .)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1e6 }' /proc/meminfo); $(go version | cut -d' ' -f3); $(rustc --version | cut -d' ' -f1-2)"
target/release/leader_failover "$repeats" 2000 1500 400 --client-go "$go_bin"
if [ "$default_repeats" -gt 0 ]; then
  target/release/leader_failover "$default_repeats" 15000 10000 2000 --client-go "$go_bin"
fi
