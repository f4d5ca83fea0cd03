#!/usr/bin/env bash
# nanoGPT's CPU reference run for one seed, then its full-pass validation loss.
#
#   bench/nanogpt/run_reference.sh [SEED] [WORKDIR]
#
# SEED (default 0): torch.manual_seed(1337 + SEED) through seeded_train.py (nanoGPT has no seed flag;
# SEED=0 is the stock run). WORKDIR (default /tmp/nanogpt-run-seed$SEED) gets a temp copy of the nanoGPT
# reference folder (the shared one may be read-only and nanoGPT's code never goes into this repo), with
# input.txt copied in so prepare.py does not download it; the checkpoint goes to WORKDIR/out.
#
# Environment: PYTHON (default /work/venv-torch/bin/python, needs torch, numpy and requests: prepare.py
# imports requests even when input.txt is present), NANOGPT (default ../shared/reference/nanogpt beside the
# repo), TEXT (default ../shared/data/tinyshakespeare/input.txt), MAX_ITERS (default 2000, also
# lr_decay_iters; a smoke test: MAX_ITERS=20 EVAL_ITERS=2), EVAL_ITERS (default 20).
#
# The training command is README.cyclr.md's (nanoGPT's "I only have a macbook" config):
#   train.py config/train_shakespeare_char.py --device=cpu --compile=False --eval_iters=20 --log_interval=1 \
#     --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000 \
#     --lr_decay_iters=2000 --dropout=0.0
# plus --out_dir=WORKDIR/out and --always_save_checkpoint=True (the checkpoint is the model after
# max_iters updates even when the last estimate did not improve; it changes nothing in the training).
set -euo pipefail

SEED="${1:-0}"
WORKDIR="${2:-/tmp/nanogpt-run-seed$SEED}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PYTHON="${PYTHON:-/work/venv-torch/bin/python}"
NANOGPT="${NANOGPT:-$REPO/../shared/reference/nanogpt}"
TEXT="${TEXT:-$REPO/../shared/data/tinyshakespeare/input.txt}"
MAX_ITERS="${MAX_ITERS:-2000}"
EVAL_ITERS="${EVAL_ITERS:-20}"
EVAL_INTERVAL=250 # config/train_shakespeare_char.py's
if [ "$MAX_ITERS" -lt "$EVAL_INTERVAL" ]; then EVAL_INTERVAL="$MAX_ITERS"; fi

for f in "$NANOGPT/train.py" "$TEXT" "$PYTHON"; do
  [ -e "$f" ] || { echo "run_reference.sh: $f not found" >&2; exit 1; }
done

# 1. a writable temp copy of nanoGPT with the data prepared (train.bin, val.bin, meta.pkl)
if [ ! -f "$WORKDIR/train.py" ]; then
  mkdir -p "$WORKDIR"
  cp -r "$NANOGPT"/. "$WORKDIR"/
  chmod -R u+w "$WORKDIR"
fi
DATA="$WORKDIR/data/shakespeare_char"
if [ ! -f "$DATA/train.bin" ]; then
  cp "$TEXT" "$DATA/input.txt"
  (cd "$WORKDIR" && "$PYTHON" data/shakespeare_char/prepare.py)
fi

# 2. the training run (from inside the copy: train.py reads configurator.py and data/ relatively)
LOG="$WORKDIR/train-seed$SEED.log"
start=$(date +%s.%N)
(cd "$WORKDIR" && "$PYTHON" "$HERE/seeded_train.py" --seed="$SEED" config/train_shakespeare_char.py \
  --device=cpu --compile=False --eval_iters="$EVAL_ITERS" --log_interval=1 --block_size=64 --batch_size=12 \
  --n_layer=4 --n_head=4 --n_embd=128 --max_iters="$MAX_ITERS" --lr_decay_iters="$MAX_ITERS" --dropout=0.0 \
  --eval_interval="$EVAL_INTERVAL" --out_dir="$WORKDIR/out" --always_save_checkpoint=True) 2>&1 | tee "$LOG"
end=$(date +%s.%N)

# 3. ms/iteration from train.py's log ('iter N: loss L, time Tms'): iteration 0 (start-up) and the
#    iterations whose time includes an evaluation (iter_num % eval_interval == 0) left out
"$PYTHON" - "$LOG" "$EVAL_INTERVAL" "$start" "$end" <<'EOF'
import re, statistics, sys
log, every, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
its = [(int(m.group(1)), float(m.group(2))) for m in re.finditer(r"^iter (\d+): loss [\d.]+, time ([\d.]+)ms", open(log).read(), re.M)]
steps = [t for i, t in its if i > 0 and i % every != 0]
vals = re.findall(r"^step (\d+): train loss ([\d.]+), val loss ([\d.]+)", open(log).read(), re.M)
print(f"ms/iteration: median {statistics.median(steps):.2f}, mean {statistics.mean(steps):.2f} over {len(steps)} "
      f"iterations (iter 0 and evaluation iterations left out); whole run {end - start:.1f} s")
if vals:
    s, tr, va = vals[-1]
    print(f"train.py's own estimate at step {s}: train loss {tr}, val loss {va}")
EOF

# 4. the full pass over the validation text
"$PYTHON" "$HERE/full_pass.py" "$WORKDIR/out" "$TEXT" --nanogpt "$NANOGPT" --json "$WORKDIR/full_pass-seed$SEED.json"
