#!/usr/bin/env bash
# The controller benchmark (k8s-bench/src/bin/controller_widgets.rs): the
# same operator on k8s-client's Controller and on kube's, converging 1,000
# custom objects against testenv's real API server, side by side in one run:
# time to converge and the operator's peak memory. Starts testenv (or uses
# the one K8S_TESTENV_DIR names).
#
# Usage: bash scripts/bench-controller.sh [WIDGETS [ROUNDS [CONCURRENCY]]]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export CARGO_INCREMENTAL=0
testenv/build
cargo build -q --release -p k8s-bench --bin controller_widgets

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1e6 }' /proc/meminfo); $(rustc --version | cut -d' ' -f1-2)"
target/release/controller_widgets "${1:-1000}" "${2:-3}" "${3:-16}"
