#!/usr/bin/env bash
# cyclr's gpt against nanoGPT on tinyshakespeare, the CPU config, 2000 steps, 3 seeds each
# (issue #28's goal: full-pass test loss within 0.02 nats/char of nanoGPT's):
#
#   bench/nanogpt/compare.sh [OUT]          # OUT default bench/nanogpt/results
#
# Runs nanoGPT by path (run_reference.sh: a temp copy, PyTorch from PyPI in $PYTHON) and cyclr's
# `train` with the same recipe (AdamW β = (0.9, 0.99), weight decay 0.1 on matrices only, clip 1,
# nanoGPT's get_lr: 1e-3, warm-up 100, cosine to 1e-4 at 2000), one after the other, then
# report.py prints the table (full-pass losses; wall times are meaningful only on an idle machine:
# the speed comparison is speed.sh's).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-bench/nanogpt/results}"
B="${CYCLR:-target/release/cyclr}"
SEEDS="${SEEDS:-0 1 2}"
mkdir -p "$OUT"
for s in $SEEDS; do
  if [ ! -f "$OUT/cyclr-seed$s/summary.json" ]; then
    "$B" train --dataset shakespeare --model gpt --layers 4 --heads 4 --width 128 --context 64 \
      --dropout 0 --batch-size 12 --iters 2000 --optimizer adamw --betas 0.9,0.99 --weight-decay 0.1 \
      --grad-clip 1 --policy nanogpt-cosine --lr 1e-3 --warmup-iters 100 --min-lr 1e-4 \
      --eval-every 250 --seed "$s" --out "$OUT/cyclr-seed$s" --overwrite --quiet \
      > "$OUT/cyclr-seed$s.log" 2>&1
  fi
  if [ ! -f "$OUT/nanogpt-seed$s.json" ]; then
    bench/nanogpt/run_reference.sh "$s" "/tmp/nanogpt-run-seed$s" > "$OUT/nanogpt-seed$s.log" 2>&1
    cp "/tmp/nanogpt-run-seed$s/full_pass-seed$s.json" "$OUT/nanogpt-seed$s.json"
  fi
done
python3 bench/nanogpt/report.py "$OUT"
