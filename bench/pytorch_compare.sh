#!/usr/bin/env bash
# cyclr vs PyTorch, side by side in one run on the same cores: the same LeNet, Fashion-MNIST,
# batch 128, SGD momentum 0.9 (dampening 0), fixed LR and one-cycle, same iterations.
#   bench/pytorch_compare.sh [CORES] [ITERS]      e.g. bench/pytorch_compare.sh 0-1 500
# Installs PyTorch from PyPI into target/bench-venv (a large download the first time) unless
# PYTHON points at an interpreter that already has torch. Prints one JSON line per run and a
# table of ratios. (The figures in BENCHMARKS.md §3 came from the same two programs run by
# bench/device_fashion.sh on a 16-core machine with PyTorch 2.11 preinstalled.)
set -euo pipefail
CORES=${1:-0-1}; ITERS=${2:-500}; THREADS=2
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
BIN=${BIN:-target/release/cyclr}
if [ -z "${PYTHON:-}" ]; then
  python3 -m venv target/bench-venv
  target/bench-venv/bin/pip install -q torch numpy
  PYTHON=target/bench-venv/bin/python
fi
[ -x "$BIN" ] || cargo build --release -p cyclr-cli
out=target/pytorch-compare; rm -rf "$out"; mkdir -p "$out"
for pol in fixed onecycle; do
  lr=0.01; cp=fixed; flag="--lr"
  if [ $pol = onecycle ]; then lr=0.05; cp=one-cycle; flag="--max-lr"; fi
  taskset -c "$CORES" "$PYTHON" bench/pytorch_reference.py --data "$DATA" --policy $pol --lr $lr \
    --iters "$ITERS" --eval-every 100 --target 0.80 --threads $THREADS > "$out/torch-$pol.json"
  RAYON_NUM_THREADS=$THREADS taskset -c "$CORES" "$BIN" train --dataset "fashion-mnist:$DATA" --model lenet \
    --policy $cp $flag $lr --iters "$ITERS" --eval-every 100 --out "$out/cyclr-$pol" --quiet > "$out/cyclr-$pol.log"
done
python3 - "$out" <<'PY'
import json, sys, csv
out = sys.argv[1]
print("| policy | PyTorch img/s | cyclr img/s | ratio | PyTorch it. to 80% | cyclr it. to 80% |")
print("|---|---:|---:|---:|---:|---:|")
for pol in ("fixed", "onecycle"):
    t = json.load(open(f"{out}/torch-{pol}.json"))
    c = json.load(open(f"{out}/cyclr-{pol}/summary.json"))
    hit = next((int(r["iteration"]) + 1 for r in csv.DictReader(open(f"{out}/cyclr-{pol}/metrics.csv"))
                if r["test_accuracy"] and float(r["test_accuracy"]) >= 0.80), None)
    treach = t["reached"]["iteration"] if t["reached"] else None
    print(f"| {pol} | {t['img_per_s']:.0f} | {c['images_per_s']:.0f} | {c['images_per_s']/t['img_per_s']:.2f} | {treach} | {hit} |")
PY
