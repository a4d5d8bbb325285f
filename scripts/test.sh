#!/usr/bin/env bash
# The whole test suite: formatting, lints, docs, unit tests, and the
# integration tests against a real control plane (testenv).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n== %s\n' "$*" >&2; }

step "toolchain"
cargo --version >&2
go version >&2 || { echo "Go is required to build testenv (see README)" >&2; exit 1; }
for tool in clippy fmt; do
  cargo "$tool" --version >/dev/null 2>&1 || rustup component add "$([[ $tool == fmt ]] && echo rustfmt || echo clippy)" >&2
done

step "build testenv (first run compiles Kubernetes; later runs reuse Go's caches)"
testenv/build

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy: k8s-client with only core/v1 and no transport extras"
# The smallest build a program can ask for; the workspace build above has
# every feature on, so this is what keeps the feature gates honest.
cargo clippy -p k8s-client --no-default-features --features core --lib --tests -- -D warnings

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "cargo test"
cargo test --workspace

step "cargo test: the transport with only core/v1 and no transport extras, against testenv"
# The workspace run above has every feature on. This runs the transport test
# again in the smallest build (HTTP/1.1 only, no gzip, no SOCKS).
cargo test -p k8s-client --no-default-features --features core --test transport_features
