#!/usr/bin/env bash
# Runs the Fashion-MNIST experiments (and the PyTorch side-by-side) on a many-core machine in one
# go, packing runs onto cores; results land as tarballs in $OUT (or ./out/device).
#   bench/device_fashion.sh BIN DATA_DIR
# BIN: a release `cyclr`; DATA_DIR: the Fashion-MNIST IDX files. Needs >= 16 cores.
set -u
BIN=${1:?cyclr binary}; DATA=${2:?fashion-mnist dir}
OUT=${OUT:-out/device}; mkdir -p "$OUT" /tmp/res
echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo)"
for f in fashion-lenet fashion-sigmoid-bn fashion-optimizers fashion-grid; do
  sed "s|^dataset = \"fashion-mnist\"|dataset = \"fashion-mnist:$DATA\"|" experiments/$f.toml > /tmp/$f.toml
done
# Probe single-core speed: 100 LeNet iterations.
RAYON_NUM_THREADS=1 taskset -c 15 "$BIN" train --dataset "fashion-mnist:$DATA" --model lenet --policy fixed --lr 0.01 \
  --iters 100 --eval-every 100 --out /tmp/res/probe --quiet 2>&1 | grep 'img/s' | tee /tmp/res/probe.log
ips=$(grep -o '[0-9]* img/s' /tmp/res/probe.log | grep -o '[0-9]*' || echo 0)
echo "single-core lenet: ${ips} img/s"
if [ "${ips:-0}" -lt 800 ]; then
  echo "slow cores: fashion-lenet with 1 seed"; sed -i 's/^seeds = \[0, 1\]/seeds = [0]/' /tmp/fashion-lenet.toml
fi
run() { # name jobs cores
  ( RAYON_NUM_THREADS=$2 timeout "${4:-520}" taskset -c "$3" "$BIN" compare --config /tmp/$1.toml --out /tmp/res/$1 --jobs "$2" --quiet \
      > /tmp/res/$1.log 2>&1; echo "exit $?" >> /tmp/res/$1.log
    tar czf "$OUT/$1.tgz" --exclude='ckpt-*' -C /tmp/res "$1" "$1.log" ) }
start=$(date +%s)
( run fashion-lenet 14 0-10,15 360; run fashion-optimizers 10 0-10,15 110; run fashion-grid 9 0-10,15 90; ) &
A=$!
run fashion-sigmoid-bn 2 11-12 540 &
B=$!
# PyTorch vs cyclr, same 2 cores, same LeNet/data/batch/iterations/LRs.
(
  for pol in fixed onecycle; do
    lr=0.01; [ $pol = onecycle ] && lr=0.05
    taskset -c 13-14 python3 bench/pytorch_reference.py --data "$DATA" --policy $pol --lr $lr --iters 500 \
      --eval-every 100 --target 0.80 --threads 2 > /tmp/res/torch-$pol.json 2>/tmp/res/torch-$pol.err
    cp=fixed; extra="--lr $lr"; [ $pol = onecycle ] && { cp=one-cycle; extra="--max-lr $lr"; }
    RAYON_NUM_THREADS=2 taskset -c 13-14 "$BIN" train --dataset "fashion-mnist:$DATA" --model lenet --policy $cp $extra \
      --iters 500 --eval-every 100 --out /tmp/res/cyclr-$pol --quiet > /tmp/res/cyclr-$pol.log 2>&1
  done
  tar czf "$OUT/pytorch.tgz" -C /tmp/res $(cd /tmp/res && ls -d torch-* cyclr-fixed/metrics.csv cyclr-fixed/summary.json cyclr-onecycle/metrics.csv cyclr-onecycle/summary.json cyclr-*.log 2>/dev/null)
) &
C=$!
wait $A $B $C
echo "all done in $(( $(date +%s) - start )) s"
tail -n 3 /tmp/res/*.log
