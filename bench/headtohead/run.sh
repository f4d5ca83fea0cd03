#!/usr/bin/env bash
# The head-to-head (BENCHMARKS.md §8): every task of tasks/ into results/<task>/ (resumable:
# run again to continue; finished runs are kept). Usage: bench/headtohead/run.sh [TASK ...]
# ~3 h on 2 cores for the 12 tasks. JOBS (default 2) runs in parallel.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${CYCLR:-target/release/cyclr}
tasks=("$@")
if ((${#tasks[@]} == 0)); then
  # Cheapest first.
  tasks=(digits-mlp-sgd digits-mlp-adam digits-lenet-sgd digits-lenet-adam digits-resnet-sgd
         digits-resnet-adam fashion-mlp-sgd fashion-mlp-adam fashion-mlp-rmsprop
         fashion-mlp-nesterov fashion-lenet-sgd fashion-lenet-sigmoid-bn)
fi
for t in "${tasks[@]}"; do
  echo "== $t $(date +%H:%M:%S)"
  $B compare --config "bench/headtohead/tasks/$t.toml" --out "bench/headtohead/results/$t" \
    --jobs "${JOBS:-2}" --quiet > /dev/null
done
python3 bench/headtohead/report.py bench/headtohead/results
