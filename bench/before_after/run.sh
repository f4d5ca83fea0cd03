#!/usr/bin/env bash
# Behaviour check for refactors (issue #26: "what must not change"): record what today's binary
# writes for the demo, the quick experiment, a `train --lr auto` run and a repeated `find`, then
# compare two recordings with wall times, speeds and paths taken out.
#
#   bench/before_after/run.sh record DIR [BINARY]   # BINARY defaults to target/release/cyclr
#   bench/before_after/run.sh compare BEFORE AFTER  # exit 0: identical (wall times, paths aside)
#
# The runs are single-threaded per job and seeded, so two recordings by the same code are
# identical after normalisation (normalise.py says what it drops).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
case "${1:-}" in
record)
  out="${2:?usage: run.sh record DIR [BINARY]}"
  bin="${3:-target/release/cyclr}"
  rm -rf "$out"
  mkdir -p "$out/raw"
  raw="$(cd "$out/raw" && pwd)"
  # 1. The demo's printed table (what `cargo run --release` shows).
  "$bin" demo --out "$raw/demo" --quiet >"$raw/demo.stdout" 2>"$raw/demo.stderr"
  # 2. The quick experiment (CI's), and one with budgets, a grid and several range tests.
  "$bin" compare --config experiments/digits-mlp.toml --out "$raw/compare" --quiet --jobs 2 \
    >"$raw/compare.stdout" 2>"$raw/compare.stderr"
  "$bin" compare --config bench/before_after/paths.toml --out "$raw/paths" --quiet --jobs 2 \
    >"$raw/paths.stdout" 2>"$raw/paths.stderr"
  # 3. train --lr auto (one-cycle), and a second one with repeated range tests.
  "$bin" train --dataset digits --lr auto --policy one-cycle --iters 150 --eval-every 50 \
    --out "$raw/train" --quiet >"$raw/train.stdout" 2>"$raw/train.stderr"
  "$bin" train --dataset digits --lr auto --iters 120 --eval-every 40 --range-seeds 0,1 \
    --out "$raw/train-seeds" --quiet >"$raw/train-seeds.stdout" 2>"$raw/train-seeds.stderr"
  # 4. find, repeated over two seeds, and once as JSON.
  "$bin" find --dataset digits --seeds 0,1 --out "$raw/find" >"$raw/find.stdout" 2>"$raw/find.stderr"
  "$bin" find --dataset digits --model lenet --format json --out "$raw/find-json" \
    >"$raw/find-json.stdout" 2>"$raw/find-json.stderr"
  python3 "$here/normalise.py" "$raw" "$out/norm"
  echo "recorded into $out/norm"
  ;;
compare)
  a="${2:?usage: run.sh compare BEFORE AFTER}"
  b="${3:?usage: run.sh compare BEFORE AFTER}"
  if diff -ru "$a/norm" "$b/norm"; then
    echo "before/after: identical ($(find "$a/norm" -type f | wc -l) files)"
  else
    echo "before/after: DIFFERENT (see above)" >&2
    exit 1
  fi
  ;;
*)
  sed -n '2,10p' "$0"
  exit 2
  ;;
esac
