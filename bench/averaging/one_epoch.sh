#!/bin/sh
# Weight averaging at the 1-epoch budget (issue #30): two tasks of BENCHMARKS §8 — the
# Fashion-MNIST MLP with SGD, and LeNet with sigmoid + batch norm (held out in §8; here the
# average's batch norm is recomputed by update_bn) — with two averaged contestants added to §8's
# (whose finished runs are reused from a copy of §8's results): one-cycle from the range test with
# an EMA of the weights (decay 0.99, every step), and with SWA over its last quarter (every step).
#   bench/averaging/one_epoch.sh BIN WORKDIR     # ~10 min on 2 cores
set -eu
BIN=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
mkdir -p "$WORK"
for task in fashion-mlp-sgd fashion-lenet-sigmoid-bn; do
  cfg="$WORK/$task-averaging.toml"
  sed "s/^name = \"h2h-$task\"/name = \"averaging-$task\"/" "$ROOT/bench/headtohead/tasks/$task.toml" > "$cfg"
  cat >> "$cfg" <<'RUNS'

[[run]]
name = "ema-one-cycle-auto"
auto_lr = true
schedule = { policy = "one-cycle" }
average = { kind = "ema", decay = 0.99 }

[[run]]
name = "swa-one-cycle-auto"
auto_lr = true
schedule = { policy = "one-cycle" }
average = { kind = "swa" }
RUNS
  if [ ! -d "$WORK/$task" ]; then
    cp -r "$ROOT/bench/headtohead/results/$task" "$WORK/$task"
  fi
  "$BIN" compare --config "$cfg" --out "$WORK/$task" --jobs "${JOBS:-2}" --quiet
done
