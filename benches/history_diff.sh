#!/usr/bin/env bash
# The report history comparison (see BENCHMARKS.md): issue 12's finding that the history
# page's comparison built a paragraphs x paragraphs table (8,000 paragraphs: 340 MB). Runs the
# `history_diff` bench (crates/app/benches/history_diff.rs: a fixed generator, a report of N
# paragraphs and an edited next version, `describe_change` between them) under /usr/bin/time
# and prints its time and peak memory (max RSS):
#   1. BEFORE_BINARY, when given (the same bench built at an earlier commit);
#   2. this tree's bench (built here, dev profile, as the other benches of this crate).
# Usage: benches/history_diff.sh [N [BEFORE_BINARY]]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-8000}
BEFORE=${2:-}
AFTER=$(cargo bench -p chancery-app --profile dev --bench history_diff --no-run 2>&1 \
  | grep -o '[^ (]*/deps/history_diff-[0-9a-f]*' | tail -n 1)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
measure() { # name, binary
  /usr/bin/time -f "%e %M" -o "$W/time" "$2" "$N" > "$W/out"
  read -r secs kb < <(tail -n 1 "$W/time")
  printf '%-8s %s  (process %5.2f s, peak %7.1f MB)\n' "$1" "$(cat "$W/out")" "$secs" "$(echo "$kb / 1024" | bc -l)"
}
if [ -n "$BEFORE" ]; then measure before "$BEFORE"; fi
measure after "$AFTER"
