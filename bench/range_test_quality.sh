#!/usr/bin/env bash
# Range-test quality: the spread of the suggestions over 5 seeds (data order and weights) for
# LeNet on Fashion-MNIST, SGD momentum 0.9, batch 128. Compare with the grid in
# experiments/fashion-grid.toml (best fixed LR on the same budget).
#   bench/range_test_quality.sh [BIN]
set -eu
BIN=${1:-target/release/cyclr}
printf '| seed | valley | steep | minimum | slide | max_lr (CLR) | recorded |\n|---:|---:|---:|---:|---:|---:|---:|\n'
for seed in 0 1 2 3 4; do
  "$BIN" find --dataset fashion-mnist --model lenet --seed "$seed" --out "target/rtq/seed$seed" >/dev/null 2>&1
  python3 - "target/rtq/seed$seed/suggestions.json" "$seed" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = lambda v: "-" if v is None else f"{v:.3e}"
print(f"| {sys.argv[2]} | {f(d['valley'])} | {f(d['steep'])} | {f(d['minimum'])} | {f(d['slide'])} | {f(d['max_lr'])} | {d['recorded_points']} |")
PY
done
