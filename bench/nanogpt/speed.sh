#!/usr/bin/env bash
# Training speed of cyclr's gpt against nanoGPT on the same cores (issue #28): the CPU config
# (4 layers, 4 heads, width 128, context 64, batch 12: 768 characters a step), ITERS steps each,
# ROUNDS rounds interleaved (cyclr, nanoGPT, cyclr, ...), on an otherwise idle machine.
#
#   bench/nanogpt/speed.sh [ROUNDS] [ITERS]      # defaults 3 and 200
#
# cyclr: characters per second of the training steps (summary.json's chars_per_s: forward,
# backward, clipping, update, batch assembly; not the evaluation). nanoGPT: the median ms per
# iteration of its log (run_reference.sh: iteration 0 and evaluation iterations left out), as
# characters per second = 768 / (ms / 1000). Prints each round and the medians and their ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-3}"
ITERS="${2:-200}"
B="${CYCLR:-target/release/cyclr}"
OUT="$(mktemp -d)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
for r in $(seq 1 "$ROUNDS"); do
  "$B" train --dataset shakespeare --model gpt --layers 4 --heads 4 --width 128 --context 64 \
    --dropout 0 --batch-size 12 --iters "$ITERS" --optimizer adamw --betas 0.9,0.99 --weight-decay 0.1 \
    --grad-clip 1 --policy nanogpt-cosine --lr 1e-3 --warmup-iters 100 --min-lr 1e-4 \
    --eval-every "$ITERS" --out "$OUT/cyclr-$r" --quiet --format json > "$OUT/cyclr-$r.json" 2>/dev/null
  c=$(python3 -c "import json;print(json.load(open('$OUT/cyclr-$r.json'))['chars_per_s'])")
  MAX_ITERS="$ITERS" EVAL_ITERS=2 bench/nanogpt/run_reference.sh 0 "$OUT/nanogpt" > "$OUT/nanogpt-$r.log" 2>&1
  ms=$(grep -o "ms/iteration: median [0-9.]*" "$OUT/nanogpt-$r.log" | awk '{print $3}')
  n=$(python3 -c "print(768 / ($ms / 1000))")
  echo "round $r: cyclr $c chars/s, nanoGPT $n chars/s ($ms ms/iteration)"
  echo "$c $n" >> "$OUT/pairs"
done
python3 - "$OUT/pairs" <<'PY'
import statistics, sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
c, n = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
print(f"median: cyclr {c:.0f} chars/s ({768 / c * 1000:.1f} ms/iteration), nanoGPT {n:.0f} chars/s "
      f"({768 / n * 1000:.1f} ms/iteration); cyclr / nanoGPT = {c / n:.2f}x")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
