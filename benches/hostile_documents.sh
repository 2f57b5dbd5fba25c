#!/usr/bin/env bash
# The hostile documents benchmark (see BENCHMARKS.md): a release build of `chancery serve`
# archives, through the API, PDFs with an array nested 1,000, 10,000 and 100,000 deep, a PDF
# whose content stream inflates to 4 GiB and HTML nested 200,000 deep, while /healthz is polled
# every 50 ms; then the same with as many ordinary documents. Prints, for each run, what became
# of each document, the worst /healthz latency and the server's peak RSS (VmHWM).
# Goals: worst /healthz under 100 ms, server peak RSS under 200 MB.
# Usage: benches/hostile_documents.sh  (honours CARGO_TARGET_DIR)
#        CHANCERY_BENCH_BIN=path/to/chancery benches/hostile_documents.sh  (a binary already
#        built, e.g. a debug build; then nothing is built)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${CHANCERY_BENCH_BIN:-}" ]; then
  BIN="$CHANCERY_BENCH_BIN"
else
  cargo build --release -q -p chancery
  BIN="${CARGO_TARGET_DIR:-target}/release/chancery"
fi
python3 benches/hostile_documents.py "$BIN" baseline
python3 benches/hostile_documents.py "$BIN" attack
