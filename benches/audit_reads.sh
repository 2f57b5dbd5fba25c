#!/usr/bin/env bash
# The case list under wrk for an SBU-cleared user (every request appends audit entries: one
# per SBU case shown) and for a U-only user (no audit entries), in one run on one demo; then
# both users on lists of one case each, to separate the audit's cost from the answer's size.
#
#   benches/audit_reads.sh [BIN] [SECONDS]
#
# BIN: the chancery binary (default target/release/chancery). Needs wrk.
set -euo pipefail
BIN=${1:-target/release/chancery}
SECS=${2:-15}
DIR=$(mktemp -d)
PORT=${PORT:-18089}
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
export CHANCERY_AUDIT_CHECKPOINT_INTERVAL=0
"$BIN" demo --data "$DIR/d" --listen 127.0.0.1:$PORT >"$DIR/out" 2>"$DIR/err" &
PID=$!
for _ in $(seq 1 120); do grep -q "is running" "$DIR/out" 2>/dev/null && break; sleep 1; done
SBU=$("$BIN" token create --email hq.editor@chancery.example --data "$DIR/d" 2>/dev/null | tail -1)
U=$("$BIN" token create --email hq.reader@chancery.example --data "$DIR/d" 2>/dev/null | tail -1)
URL=http://127.0.0.1:$PORT/api/v1/cases
before=$("$BIN" audit export --data "$DIR/d" 2>/dev/null | wc -l)
for who in U SBU U SBU; do
  tok=${!who}
  out=$(wrk -t 2 -c 64 -d "${SECS}s" -H "Authorization: Bearer $tok" "$URL")
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$who user: $rate requests/s, non-2xx: ${bad:-0} (wrk -t 2 -c 64 -d ${SECS}s $URL)"
done
# The same lists narrowed to one case each (the demo's only U case is an inquiry, its
# immigration decision is SBU), so that both users get answers of the same size: this
# separates the cost of the audited read from the cost of the SBU user's longer list.
for spec in "U|kind=inquiry" "SBU|kind=inquiry" "SBU|kind=immigration_decision"; do
  who=${spec%%|*}; q=${spec#*|}; tok=${!who}
  bytes=$(curl -s -H "Authorization: Bearer $tok" "$URL?$q" | wc -c)
  out=$(wrk -t 2 -c 64 -d "${SECS}s" -H "Authorization: Bearer $tok" "$URL?$q")
  rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$who user, ?$q ($bytes bytes): $rate requests/s, non-2xx: ${bad:-0}"
done
after=$("$BIN" audit export --data "$DIR/d" 2>/dev/null | wc -l)
echo "audit entries appended during the run: $((after - before))"
"$BIN" audit verify --data "$DIR/d"
