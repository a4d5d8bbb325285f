#!/usr/bin/env bash
# The main job: start a real local control plane (testenv) and run the tour
# examples against it (examples/tour, examples/crd_derive, then a short kctl
# session: apply a manifest, get, watch, delete), then stop the control plane.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dir="$(mktemp -d "${TMPDIR:-/tmp}/k8s-client-tour.XXXXXX")"
cleanup() {
  if [[ -n "${pid:-}" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" && wait "$pid" || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

testenv/build
cargo build -q --examples

# testenv prints one line, "ready https://127.0.0.1:PORT", once it is usable.
exec 3< <(testenv/run --dir "$dir")
pid=$!
if ! read -r -t 300 status url <&3 || [[ "$status" != ready ]]; then
  echo "testenv did not become ready; log: $dir/testenv.log" >&2
  tail -n 20 "$dir/testenv.log" >&2 || true
  exit 1
fi
echo "control plane ready at $url" >&2

export KUBECONFIG="$dir/admin.kubeconfig"
echo "== examples/tour: namespaces and a ConfigMap" >&2
cargo run -q --example tour
echo "== examples/crd_derive: a custom resource from a Rust type" >&2
cargo run -q --example crd_derive

echo "== examples/informer: a factory, two subscribers on one Pod informer, an index" >&2
cargo run -q --example informer

echo "== examples/metrics: client-go's request metrics from a RequestObserver (counts only)" >&2
cargo run -q --example metrics | grep -E '^rest_client_requests_total'

echo "== examples/kctl: a kubectl-compatible CLI built on the library" >&2
# kctl caches discovery where kubectl does; keep this throwaway server's out of ~/.kube.
export KUBECACHEDIR="$dir/cache"
kctl() {
  echo "\$ kctl $*" >&2
  cargo run -q --example kctl -- "$@"
}
kctl version
kctl apply -f examples/kctl/tour.yaml
kctl get deployments,services,greetings
kctl get greeting hello -o yaml
# testenv's node runs the Deployment's pods; once they are available, exec
# into one of them over WebSocket.
for _ in $(seq 1 120); do
  kctl get deployment hello -o json 2>/dev/null | grep -q '"availableReplicas": 2' && break
  sleep 0.5
done
kctl get deployments,pods -l app=hello
pod="$(cargo run -q --example kctl -- get pods -l app=hello -o name | head -n 1)"
kctl exec "${pod#pod/}" -- sh -c 'echo "hello from an exec in $0"' "${pod#pod/}"
# Watch the greetings for a few seconds while one of them changes.
kctl get greetings -w --request-timeout=4 &
watch_pid=$!
sleep 1.5
kctl apply -f - <<'YAML'
apiVersion: tour.k8s-client.dev/v1
kind: Greeting
metadata: {name: hello}
spec: {message: "Hello again, watchers", repeat: 3}
YAML
wait "$watch_pid"
kctl delete -f examples/kctl/tour.yaml
kctl get deployments,services

echo "== examples/operator: each Website gets a ConfigMap and a Deployment it owns" >&2
cargo run -q --example operator -- --namespace website-tour &
operator_pid=$!
# The operator installs the Website CRD first.
for _ in $(seq 1 60); do
  kctl get crd websites.example.com >/dev/null 2>&1 && break
  sleep 1
done
kctl apply -f examples/operator/tour.yaml
for _ in $(seq 1 60); do
  kctl get website blog -n website-tour -o json 2>/dev/null | grep -q '"configMap"' && break
  sleep 1
done
kctl get websites,configmaps,deployments -n website-tour
kctl delete -f examples/operator/tour.yaml
kill -TERM "$operator_pid"
wait "$operator_pid"
