#!/usr/bin/env bash
# Train every task's LR grids (bench/lr_quality/grids/*.toml) with `cyclr compare`; with
# KIND=auto (what run_auto.sh sets) its --lr auto runs (bench/lr_quality/auto/*.toml) instead.
#   bench/lr_quality/run_grids.sh [BIN] [OUT] [TASK...]
# BIN defaults to target/release/cyclr, OUT to target/lr_quality. A task whose results.json
# exists is skipped. 2 runs at a time (JOBS to change).
set -eu
BIN=${1:-target/release/cyclr}
OUT=${2:-target/lr_quality}
shift 2 || true
HERE=$(cd "$(dirname "$0")" && pwd)
KIND=${KIND:-grids}
tasks=("$@")
if [ ${#tasks[@]} -eq 0 ]; then
  tasks=($(python3 "$HERE/tasks.py" --list | awk '{print $1}'))
fi
for t in "${tasks[@]}"; do
  if [ -s "$OUT/$KIND/$t/results.json" ]; then echo "skip $t"; continue; fi
  start=$(date +%s)
  "$BIN" compare --config "$HERE/$KIND/$t.toml" --out "$OUT/$KIND/$t" --jobs "${JOBS:-2}" --quiet >/dev/null
  echo "$t: $(( $(date +%s) - start )) s"
done
