#!/usr/bin/env bash
# Wall time of `get pods -A` for kctl (release build) and testenv's kubectl
# against the same cluster, with a cold discovery cache (a fresh KUBECACHEDIR
# per run) and a warm one (shared, filled first). The two clients alternate
# which goes first each round so load drifting during the run hits both alike.
#
# Usage: bash scripts/bench-kctl.sh KUBECONFIG [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

kubeconfig=${1:?usage: bench-kctl.sh KUBECONFIG [ROUNDS]}
rounds=${2:-15}
cargo build -q --release --example kctl
kctl=target/release/examples/kctl
kubectl=testenv/kubectl
[[ -x $kubectl ]] || testenv/build

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Prints the wall time of one run in microseconds; output goes to /dev/null.
time_us() {
  local start end
  start=$(date +%s%N)
  KUBECACHEDIR=$1 "${@:2}" --kubeconfig "$kubeconfig" get pods -A >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000))
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

warm=$scratch/warm
time_us "$warm" "$kctl" >/dev/null
time_us "$warm" "$kubectl" >/dev/null
pods=$("$kubectl" --kubeconfig "$kubeconfig" get pods -A --no-headers | wc -l)

for cache in cold warm; do
  : >"$scratch/kctl.$cache"
  : >"$scratch/kubectl.$cache"
  for ((i = 0; i < rounds; i++)); do
    order="kctl kubectl"
    ((i % 2)) && order="kubectl kctl"
    for client in $order; do
      dir=$warm
      [[ $cache == cold ]] && dir=$scratch/cold.$client.$i
      time_us "$dir" "${!client}" >>"$scratch/$client.$cache"
    done
  done
done

echo "get pods -A over $pods pods, median of $rounds runs each (ms):"
for cache in cold warm; do
  ours=$(median <"$scratch/kctl.$cache")
  theirs=$(median <"$scratch/kubectl.$cache")
  awk -v c="$cache" -v a="$ours" -v b="$theirs" \
    'BEGIN { printf "  %-4s cache: kctl %7.1f  kubectl %7.1f  kubectl/kctl %.2fx\n", c, a / 1000, b / 1000, b / a }'
done
