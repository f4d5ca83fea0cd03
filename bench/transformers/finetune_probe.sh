#!/usr/bin/env bash
# A first look at the learning-rate question for fine-tuning (issue #29), one seed, NOT the
# benchmark the issue asks for: pretrain nanoGPT's CPU GPT on Debian's `fortunes` collection
# (apt-get install fortunes), then fine-tune it on tinyshakespeare for 300 steps (nanogpt-cosine,
# 30 warm-up steps) at a few AdamW rates 3.2× apart and with --lr auto, and run the range test
# on the pretrained model (find --init). Prints each run's full-pass test loss (nats/char).
#
#   bench/transformers/finetune_probe.sh [OUT]      # ~25 minutes on 2 cores
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${1:-target/finetune-probe}"
B="${CYCLR:-target/release/cyclr}"
mkdir -p "$OUT"
src=/usr/share/games/fortunes
[ -d "$src" ] || { echo "needs Debian's fortunes: apt-get install fortunes" >&2; exit 2; }
# Every collection but the offensive ones, in name order.
find "$src" -maxdepth 1 -type f ! -name '*.dat' ! -name '*.u8' | sort | xargs cat > "$OUT/fortunes.txt"
GPT=(--model gpt --layers 4 --heads 4 --width 128 --context 64 --dropout 0 --batch-size 12
     --optimizer adamw --betas 0.9,0.99 --weight-decay 0.1 --grad-clip 1)
if [ ! -f "$OUT/pre/summary.json" ]; then
  "$B" train --dataset "text:$OUT/fortunes.txt" "${GPT[@]}" --iters 1500 --policy nanogpt-cosine \
    --lr 1e-3 --warmup-iters 100 --eval-every 1500 --out "$OUT/pre" --quiet --overwrite
fi
"$B" find --dataset shakespeare "${GPT[@]}" --init "$OUT/pre" --out "$OUT/find" --overwrite --format json \
  > "$OUT/find.json"
for lr in 1e-4 3.2e-4 1e-3 3.2e-3 1e-2; do
  "$B" train --dataset shakespeare "${GPT[@]}" --init "$OUT/pre" --iters 300 --policy nanogpt-cosine \
    --lr "$lr" --warmup-iters 30 --eval-every 300 --out "$OUT/ft-$lr" --quiet --overwrite --format json \
    > "$OUT/ft-$lr.json" || true
done
"$B" train --dataset shakespeare "${GPT[@]}" --init "$OUT/pre" --iters 300 --policy nanogpt-cosine \
  --lr auto --warmup-iters 30 --eval-every 300 --out "$OUT/ft-auto" --quiet --overwrite --format json \
  > "$OUT/ft-auto.json" 2> "$OUT/ft-auto.err" || true
# The same 300 steps from scratch, for scale.
"$B" train --dataset shakespeare "${GPT[@]}" --iters 300 --policy nanogpt-cosine --lr 1e-3 \
  --warmup-iters 30 --eval-every 300 --out "$OUT/scratch" --quiet --overwrite --format json \
  > "$OUT/scratch.json" || true
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
def loss(name):
    try:
        return json.load(open(os.path.join(out, name + ".json")))["final_test_loss"]
    except Exception as e:
        return float("nan")
pre = json.load(open(os.path.join(out, "pre", "summary.json")))
print(f"pretrained on fortunes: 1500 steps, test loss on fortunes {pre['final_test_loss']:.4f}")
f = json.load(open(os.path.join(out, "find.json")))
print("range test from the pretrained model:", json.dumps(f)[:600])
for lr in ["1e-4", "3.2e-4", "1e-3", "3.2e-3", "1e-2"]:
    print(f"fine-tuned 300 steps at lr {lr}: {loss('ft-' + lr):.4f}")
auto = json.load(open(os.path.join(out, "ft-auto.json"))) if os.path.exists(os.path.join(out, "ft-auto.json")) else {}
print(f"fine-tuned 300 steps with --lr auto: {loss('ft-auto'):.4f} ({(auto.get('lr_origin') or {}).get('choices')})")
print(f"from scratch, 300 steps at 1e-3: {loss('scratch'):.4f}")
PY
