#!/usr/bin/env bash
# Train every task's --lr auto runs (bench/lr_quality/auto/*.toml) with `cyclr compare`.
#   bench/lr_quality/run_auto.sh [BIN] [OUT] [TASK...]
# BIN defaults to target/release/cyclr, OUT to target/lr_quality. A task whose results.json
# exists is skipped. 2 runs at a time (JOBS to change).
KIND=auto exec "$(dirname "$0")/run_grids.sh" "$@"
