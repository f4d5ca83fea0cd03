#!/usr/bin/env bash
# cyclr vs PyTorch at training budgets (issue #10), side by side on the same cores: Fashion-MNIST
# LeNet, batch 128, SGD momentum 0.9; the strongest baseline of experiments/fashion-budget.toml
# (fixed 0.05, /10 at 80% and 90%) and one-cycle at that experiment's range-test peak (0.159),
# each budget a separate run planned for it (round(1876 x budget) iterations).
#   PYTHON=target/bench-venv/bin/python bench/pytorch_budgets.sh [CORES] [BUDGETS...]
set -euo pipefail
CORES=${1:-0-1}; shift || true
BUDGETS=${*:-0.25 0.5 1}
FULL=1876; THREADS=2
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
BIN=${BIN:-target/release/cyclr}
PYTHON=${PYTHON:?set PYTHON to an interpreter with torch (see bench/pytorch_compare.sh)}
out=target/pytorch-budgets; rm -rf "$out"; mkdir -p "$out"
for b in $BUDGETS; do
  it=$(python3 -c "print(max(1, round($FULL * $b)))")
  m1=$(python3 -c "print(round($it * 0.8))"); m2=$(python3 -c "print(round($it * 0.9))")
  for pol in multistep onecycle; do
    if [ $pol = multistep ]; then lr=0.05; cyc=(--policy multistep --lr 0.05 --milestones "$m1,$m2" --gamma 0.1)
    else lr=0.159; cyc=(--policy one-cycle --max-lr 0.159); fi
    taskset -c "$CORES" "$PYTHON" bench/pytorch_reference.py --data "$DATA" --policy $pol --lr $lr \
      --iters "$it" --eval-every "$it" --threads $THREADS > "$out/torch-$pol-$b.json"
    RAYON_NUM_THREADS=$THREADS taskset -c "$CORES" "$BIN" train --dataset "fashion-mnist:$DATA" --model lenet \
      "${cyc[@]}" --iters "$it" --eval-every "$it" --out "$out/cyclr-$pol-$b" --quiet > /dev/null
  done
done
python3 - "$out" $BUDGETS <<'PY'
import json, sys
out, budgets = sys.argv[1], sys.argv[2:]
print("| policy | budget | iterations | PyTorch acc. % | cyclr acc. % | PyTorch wall s | cyclr wall s | cyclr / PyTorch img/s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for pol in ("multistep", "onecycle"):
    for b in budgets:
        t = json.load(open(f"{out}/torch-{pol}-{b}.json"))
        c = json.load(open(f"{out}/cyclr-{pol}-{b}/summary.json"))
        print(f"| {pol} | {b} | {t['iters']} | {t['final_accuracy']*100:.2f} | {c['final_test_accuracy']*100:.2f} | "
              f"{t['wall_s']:.1f} | {c['wall_time_s']:.1f} | {c['images_per_s']/t['img_per_s']:.2f} |")
PY
