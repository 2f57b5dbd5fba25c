#!/usr/bin/env bash
# The bounded-read benchmark (see BENCHMARKS.md): issue 11's finding that `chancery import
# stats` took 680 MB on a 300 KB gzip JSON-stat file. Generates that file with the fixed
# generator benches/gen_jsonstat_bomb.py (a valid dataset whose label is 300 MiB of `x`, about
# 300 KB compressed) and imports it into a new SQLite data directory, printing the outcome,
# wall time and peak memory (max RSS, /usr/bin/time) of:
#   1. BEFORE_BINARY, when given (a build of an earlier commit);
#   2. this tree's build with the default caps;
#   3. the same with the document cap raised to 1 GiB (CHANCERY_STATS_MAX_DOCUMENT_BYTES):
#      the cap is what bounds the memory;
#   4. a document just under the default 64 MiB cap holding the most observations it can (a
#      dense value array of 1s, 33,030,144 cells): what parsing within the cap costs. So that
#      the run does not spend minutes staging 33 million rows, the observation cap is set just
#      below the file's count: the reader refuses at its last cell, after the parse and with
#      almost every observation gathered, which is the reading's peak.
# AFTER_BINARY defaults to this tree's release build (built here).
# Usage: benches/stats_bounded_read.sh [BEFORE_BINARY [AFTER_BINARY]]
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:-}
AFTER=${2:-}
if [ -z "$AFTER" ]; then
  cargo build --release -q -p chancery
  AFTER="${CARGO_TARGET_DIR:-target}/release/chancery"
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
python3 benches/gen_jsonstat_bomb.py "$W/data.json.gz" 300
python3 benches/gen_jsonstat_bomb.py "$W/dense.json.gz" 64 --dense
for f in data dense; do
  echo "file: $f.json.gz, $(stat -c %s "$W/$f.json.gz") bytes gzip, $(gzip -dc "$W/$f.json.gz" | wc -c) bytes decompressed"
done
FILE=data.json.gz

measure() { # name, then env assignments and the binary
  local name=$1; shift
  rm -rf "$W/data"
  /usr/bin/time -f "%e %M %x" -o "$W/time" env CHANCERY_LOG=error "$@" import stats --json --dataset bomb \
    "$W/$FILE" --data "$W/data" > "$W/out" 2> "$W/err" || true
  read -r secs kb status < <(tail -n 1 "$W/time")
  local outcome="imported"
  if [ "$status" != 0 ]; then
    outcome=$(grep -v 'INFO' "$W/err" | grep -v 'nothing was imported' | head -1 | sed "s|$W/||")
  fi
  printf '%-28s %6.2f s  peak %7.1f MB  %s\n' "$name" "$secs" "$(echo "$kb / 1024" | bc -l)" "$outcome"
}

if [ -n "$BEFORE" ]; then
  measure "before (no caps)" "$BEFORE"
fi
measure "after (default caps)" "$AFTER"
measure "after, document cap 1 GiB" CHANCERY_STATS_MAX_DOCUMENT_BYTES=1073741824 "$AFTER"
FILE=dense.json.gz
measure "after, dense.json.gz (*)" CHANCERY_STATS_MAX_OBSERVATIONS=33030000 "$AFTER"
