#!/usr/bin/env bash
# Runs each cargo-fuzz target in fuzz/ for the given seconds (default 600),
# one after another on one core, and reports per target how many inputs it
# tried, how fast, and whether it crashed. A crash is minimized into
# fuzz/artifacts/<target>/minimized-*; fix it, then add the minimized input to
# fuzz/corpus/<target>/ as a regression seed (cargo test runs every seed).
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`); stable Rust will do, since no
# sanitizer is asked for (`-s none`).
# CI does not: it runs the same targets on stable through `cargo test -p k8s-fuzz`.
#
#   scripts/fuzz.sh [seconds-per-target] [target...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../fuzz"

secs=${1:-600}
shift || true
# No sanitizer: the crates fuzzed forbid unsafe code, and without ASan the
# targets run two to three times faster. Debug assertions and overflow
# checks stay on (cargo-fuzz's default). Four codegen units build much
# faster than cargo-fuzz's one, for a few percent of speed.
build=(-s none --codegen-units 4)
bin=target/x86_64-unknown-linux-gnu/release
# libfuzzer: stop after $secs; an input that takes over 10 s is a hang and
# one that needs over 2 GiB is an out-of-memory, both reported as crashes.
run=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1)

if (($# > 0)); then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi

nice -n 19 cargo fuzz build "${build[@]}" >&2

status=0
printf '%-12s %8s %12s %10s  %s\n' target seconds execs execs/s result
for t in "${targets[@]}"; do
  mkdir -p "work/corpus/$t" "artifacts/$t" work/logs
  log="work/logs/$t.log"
  # The corpus libfuzzer grows goes to work/ (first directory); the
  # checked-in seeds (second) are only read.
  # The binaries are run directly, built once above: editing the sources
  # while the script runs does not rebuild or change what is fuzzed.
  if nice -n 19 "$bin/$t" "work/corpus/$t" "corpus/$t" "${run[@]}" -dict="dict/$t.dict" \
      -artifact_prefix="artifacts/$t/" >"$log" 2>&1; then
    result=ok
  else
    status=1
    artifact=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -1 | cut -d' ' -f5)
    result="CRASH: ${artifact:-see fuzz/$log}"
    if [[ -n $artifact && -f $artifact ]]; then
      minimized="artifacts/$t/minimized-$(basename "$artifact")"
      nice -n 19 "$bin/$t" "$artifact" -minimize_crash=1 -runs=5000 -timeout=10 \
        -exact_artifact_path="$minimized" >>"work/logs/$t.tmin.log" 2>&1 || true
      [[ -f $minimized ]] && result+=" (minimized: fuzz/$minimized)"
    fi
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  printf '%-12s %8s %12s %10s  %s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "$result"
done
exit "$status"
