#!/usr/bin/env bash
# One prepared run for a GPU machine (issue #20), sized for a short slot (~10 min of a 15-minute
# lease): the CUDA build against Flex, GPU vs CPU throughput, then as many converged-regime runs of
# the head-to-head as fit. Results (small text files) land in $OUT.
#
#   bench/device_gpu.sh BIN [FASHION_DIR]
#
# BIN: a `cyclr` built with `--features cuda` (deploy/cuda/build.sh), or its .xz
# (target/cuda/cyclr-cuda.xz: what fits in the device tool's 64 MiB carry).
# FASHION_DIR: the Fashion-MNIST IDX files (optional; without them the throughput and converged
# steps use the embedded digits, and the converged runs are skipped).
# Env: DEVICE (default cuda; `wgpu` where the machine has a Vulkan driver and BIN was built with
# wgpu; `cpu` smoke-tests this script anywhere), OUT (default out/device-gpu), BUDGET_S (seconds
# for the converged runs, default 360), ITERS_SCALE (default 1; 0.1 for a smoke test).
#
# Run from the repository root, e.g. with the device tool:
#   run carry=["target/cuda/cyclr-cuda.xz"] command="bench/device_gpu.sh target/cuda/cyclr-cuda.xz"
set -u
BIN=${1:?cyclr binary (built with --features cuda) or its .xz}
DATA=${2:-}
DEVICE=${DEVICE:-cuda}
OUT=${OUT:-out/device-gpu}
BUDGET_S=${BUDGET_S:-360}
SCALE=${ITERS_SCALE:-1}
T=$(mktemp -d)
mkdir -p "$OUT"
LOG="$OUT/device_gpu.txt"
: > "$LOG"
log() { echo "$*" | tee -a "$LOG"; }
iters() { python3 -c "print(max(2, round($1 * $SCALE)))" 2>/dev/null || echo "$1"; }

if [[ "$BIN" == *.xz ]]; then
  xz -dc "$BIN" > "$T/cyclr" && chmod +x "$T/cyclr" && BIN="$T/cyclr"
fi
log "== machine: $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
command -v nvidia-smi >/dev/null && nvidia-smi -L | tee -a "$LOG"
log "== device $DEVICE; binary: $("$BIN" --version 2>&1)"
DS=digits
[[ -n "$DATA" ]] && DS="fashion-mnist:$DATA"

# 1. Parity: the MLP and LeNet from the same weights for 50 steps, and a range test, on the
#    device and on Flex; the loss curves' worst relative difference (the issue's bound: 1e-4).
curve() { # metrics.csv -> train_loss column
  awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="train_loss") c=i; next} {print $c}' "$1"
}
DEVS=(cpu "$DEVICE"); [[ "$DEVICE" == cpu ]] && DEVS=(cpu)  # (a smoke test compares cpu with itself)
for m in mlp lenet; do
  for d in "${DEVS[@]}"; do
    "$BIN" train --dataset digits --model "$m" --policy one-cycle --max-lr 0.2 --iters 50 \
      --batch-size 64 --eval-every 50 --seed 3 --device "$d" --out "$T/parity-$m-$d" --quiet \
      > "$T/parity-$m-$d.log" 2>&1 || log "parity $m on $d failed: $(tail -n 3 "$T/parity-$m-$d.log")"
  done
  if [[ -f "$T/parity-$m-cpu/metrics.csv" && -f "$T/parity-$m-$DEVICE/metrics.csv" ]]; then
    paste -d, <(curve "$T/parity-$m-cpu/metrics.csv") <(curve "$T/parity-$m-$DEVICE/metrics.csv") |
      awk -F, -v m="$m" -v d="$DEVICE" '{a=$1; b=$2; s=(a<0?-a:a); t=(b<0?-b:b); if(t>s)s=t; if(s<1e-3)s=1e-3;
        r=(a-b)/s; if(r<0)r=-r; if(r>w)w=r} END{printf "parity %s on %s vs cpu: %d losses, worst relative difference %.2e (%s)\n",
        m, d, NR, w, (w<=1e-4?"PASS":"FAIL")}' | tee -a "$LOG"
  fi
done
for d in "${DEVS[@]}"; do
  "$BIN" find --dataset digits --device "$d" --out "$T/find-$d" > "$T/find-$d.txt" 2>&1
done
picks() { # suggestions.json -> the picks, one per line
  for k in fixed_lr base_lr max_lr one_cycle_max_lr slide steep minimum; do
    printf '%s %s\n' "$k" "$(grep -o "\"$k\": *[^,}]*" "$1" | head -1 | sed 's/.*: *//')"
  done
}
if [[ -f "$T/find-cpu/suggestions.json" && -f "$T/find-$DEVICE/suggestions.json" ]]; then
  if diff <(picks "$T/find-cpu/suggestions.json") <(picks "$T/find-$DEVICE/suggestions.json") > "$T/picks.diff"; then
    log "range test picks on $DEVICE: the same as on cpu ($(picks "$T/find-cpu/suggestions.json" | tr '\n' ' '))"
  else
    log "range test picks differ (cpu <, $DEVICE >):"; tee -a "$LOG" < "$T/picks.diff"
  fi
else
  log "range test failed on cpu or $DEVICE: $(tail -n 2 "$T/find-$DEVICE.txt")"
fi

# 2. Throughput: training images/s of LeNet, cifar10-quick and ResNet-8 (batch 128) on the device
#    and on all the CPU cores (Flex, cyclr's kernels), side by side, interleaved.
n=$(iters 300)
for m in lenet cifar10-quick resnet; do
  for d in "${DEVS[@]}"; do
    "$BIN" train --dataset "$DS" --model "$m" --policy fixed --lr 0.01 --iters "$n" --eval-every "$n" \
      --batch-size 128 --device "$d" --out "$T/speed-$m-$d" --quiet > "$T/speed-$m-$d.log" 2>&1
    ips=$(python3 -c "import json;print(round(json.load(open('$T/speed-$m-$d/summary.json'))['images_per_s']))" 2>/dev/null || echo "?")
    log "throughput $m on $d ($DS, batch 128, $n iterations): $ips img/s"
  done
done

# 3. The converged regime (head-to-head, bench/headtohead/converged/converged.toml): as many
#    jobs as fit in BUDGET_S, 4 at a time on the GPU; their outcome.json files come back in
#    $OUT/converged.tgz and merge into the CPU experiment (an outcome is reused whatever device
#    computed it: `compare --report-only`).
if [[ -n "$DATA" ]]; then
  sed "s|^dataset = \"fashion-mnist\"|dataset = \"fashion-mnist:$DATA\"|" \
    bench/headtohead/converged/converged.toml > "$T/converged.toml"
  timeout "$BUDGET_S" "$BIN" compare --config "$T/converged.toml" --device "$DEVICE" \
    --out "$T/converged" --jobs 4 --quiet > "$T/converged.log" 2>&1
  log "converged runs: exit $? after ${BUDGET_S} s at most; $(ls "$T"/converged/runs/*/outcome.json 2>/dev/null | wc -l) finished"
  (cd "$T" && tar czf - converged/runs/*/outcome.json converged.log 2>/dev/null) > "$OUT/converged.tgz"
else
  log "converged runs: skipped (no Fashion-MNIST directory given)"
fi
cp "$T"/*.log "$T"/find-*.txt "$OUT/" 2>/dev/null
log "== done"
