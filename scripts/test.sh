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

step "cargo clippy: k8s-client with only core/v1, ring and no transport extras"
# The smallest build a program can ask for; the workspace build above has
# every feature on, so this is what keeps the feature gates honest.
cargo clippy -p k8s-client --no-default-features --features core,tls-ring --lib --tests -- -D warnings

step "cargo clippy: the same on aws-lc-rs"
cargo clippy -p k8s-client --no-default-features --features core,tls-aws-lc-rs --lib --tests -- -D warnings

step "cargo clippy: the same with no TLS provider built in"
cargo clippy -p k8s-client --no-default-features --features core --lib --tests -- -D warnings

step "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

step "cargo test"
cargo test --workspace

step "cargo test: the transport with only core/v1, ring and no transport extras, against testenv"
# The workspace run above has every feature on. This runs the transport test
# again in the smallest build (HTTP/1.1 only, no gzip, no SOCKS), once on
# each TLS crypto provider.
cargo test -p k8s-client --no-default-features --features core,tls-ring --test transport_features

step "cargo test: the same on aws-lc-rs"
# With the unit tests, one of which checks that aws-lc-rs is the provider used.
cargo test -p k8s-client --no-default-features --features core,tls-aws-lc-rs --lib --test transport_features

step "cargo test: no TLS provider built in, against testenv"
# Building a client fails with an error saying what to do, then works once
# the program installs a provider.
cargo test -p k8s-client --no-default-features --features core --test no_tls_provider
