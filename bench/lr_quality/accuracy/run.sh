#!/usr/bin/env bash
# The accuracy rule through the LR-quality benchmark (issue #18 item 2): the range test on the
# accuracy metric (held-out every tenth training sample, cyclr's sweep) for the 7 calibration
# tasks x 3 seeds, read by the new rule (BIN: the calibrated rule on 1 - accuracy) and by the
# paper's EMA-peak rule (OLD: a binary from before the change, same engine, same curves).
#   bench/lr_quality/accuracy/run.sh BIN OLD OUT ; python3 bench/lr_quality/accuracy/report.py OUT
set -u
BIN=${1:?new cyclr}; OLD=${2:?cyclr with the paper rule for accuracy}; OUT=${3:-target/lr_quality_accuracy}
mkdir -p "$OUT"
declare -A FLAGS=(
  [digits-mlp-sgd]="--dataset digits --model mlp --batch-size 64"
  [digits-lenet-sgd]="--dataset digits --model lenet --batch-size 64"
  [digits-mlp-adam]="--dataset digits --model mlp --batch-size 64 --optimizer adam"
  [digits-lenet-adam]="--dataset digits --model lenet --batch-size 64 --optimizer adam"
  [fashion-mlp-sgd]="--dataset fashion-mnist --model mlp --batch-size 128"
  [fashion-mlp-adam]="--dataset fashion-mnist --model mlp --batch-size 128 --optimizer adam"
  [fashion-lenet-sgd]="--dataset fashion-mnist --model lenet --batch-size 128"
)
for t in digits-mlp-sgd digits-lenet-sgd digits-mlp-adam digits-lenet-adam fashion-mlp-sgd fashion-mlp-adam fashion-lenet-sgd; do
  for s in 0 1 2; do
    for which in new old; do
      f="$OUT/$t-seed$s-$which.json"
      [ -s "$f" ] && continue
      B=$BIN; [ $which = old ] && B=$OLD
      # shellcheck disable=SC2086
      $B find --metric accuracy ${FLAGS[$t]} --seed $s --out "$OUT/$t-seed$s-$which" --format json > "$f.tmp" 2> "$OUT/$t-seed$s-$which.err" && mv "$f.tmp" "$f"
    done
  done
  echo "$t done $(date +%T)"
done
