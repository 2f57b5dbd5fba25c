#!/usr/bin/env bash
# The statistics import benchmark (see BENCHMARKS.md). Generates a deterministic synthetic
# SDMX-TSV with N observations (default 10 million) and measures, in one run on this machine:
#   1. chancery import stats into SQLite (release build),
#   2. the sqlite3 CLI's .import of the same observations flattened to CSV (a baseline),
#   3. a pandas pipeline (read, melt, to_sql), the tool analysts use today.
# Prints wall time, observations per second and peak memory (max RSS) for each.
# Usage: benches/stats_import.sh [N] [--skip-pandas]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
SKIP_PANDAS=${2:-}
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
if [ "$SKIP_PANDAS" != "--skip-pandas" ]; then
  python3 -c "import pandas" 2>/dev/null || pip install -q pandas
fi
cargo build --release -q -p chancery
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
python3 benches/gen_sdmx_tsv.py "$N" "$W/obs.tsv" --csv "$W/obs.csv"
echo "observations: $N  ($(du -h "$W/obs.tsv" | cut -f1) TSV, $(du -h "$W/obs.csv" | cut -f1) CSV)"

measure() { # name, then the command
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/time" "$@" > "$W/out" 2> "$W/err" || { cat "$W/err"; exit 1; }
  read -r secs kb < "$W/time"
  python3 - "$name" "$secs" "$kb" "$N" <<'PY'
import sys
name, secs, kb, n = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"{name:<28} {secs:8.2f} s  {n / secs / 1e6:7.3f} M obs/s  peak {kb / 1024:8.1f} MB")
PY
}

measure "chancery import stats" target/release/chancery import stats "$W/obs.tsv" --dataset bench --data "$W/chancery" --json
sqlite3 "$W/plain.db" "CREATE TABLE obs (freq TEXT, unit TEXT, citizen TEXT, geo TEXT, time_period TEXT, obs_value REAL, obs_flag TEXT);"
measure "sqlite3 .import (CSV)" sqlite3 "$W/plain.db" ".mode csv" ".import --skip 1 $W/obs.csv obs"
if [ "$SKIP_PANDAS" != "--skip-pandas" ]; then
  measure "pandas read/melt/to_sql" python3 benches/pandas_pipeline.py "$W/obs.tsv" "$W/pandas.db"
fi
