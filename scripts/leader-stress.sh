#!/usr/bin/env bash
# Leader election under forced handovers: candidates in separate processes
# (examples/leader_candidate) against testenv, the leader killed, frozen or
# shut down in turn, HANDOVERS times (100 unless given), with lease 2 s,
# renew deadline 1.5 s, retry 0.4 s. Fails if any two candidates' units of
# leading work interleave; prints the failover times after SIGKILL.
# scripts/test.sh runs the same test with 10.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
testenv/build
LEADER_HANDOVERS="${1:-100}" cargo test --test e2e \
  leader_processes::forced_handovers_never_interleave_leading_work -- --nocapture
