#!/usr/bin/env bash
# The measurements of bench/results/kernels.md: cyclr's conv/max-pool kernels against burn-flex's,
# per operation and end to end, plus burn-flex's `x86-v4` feature and mimalloc's purge delay.
#
#   bench/kernels_bench.sh [OUT_DIR]        (default: target/kernels-bench)
#
# Builds three variants of the examples (plain; `--features burn/x86-v4` in target/x86v4;
# `--features mimalloc`), copies them to target/bin, then runs every comparison with the variants
# interleaved (alternating order) and writes each raw output to OUT_DIR. SKIP_BUILD=1 reuses
# target/bin. REPEATS (default 5) and ITERS (default 20) size the end-to-end runs.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/kernels-bench}
repeats=${REPEATS:-5}
iters=${ITERS:-20}
mkdir -p "$out" target/bin

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release -p cyclr-burn --examples
    cp target/release/examples/throughput target/bin/throughput-system
    cp target/release/examples/kernels target/bin/kernels
    CARGO_TARGET_DIR=target/x86v4 cargo build --release -p cyclr-burn --examples --features burn/x86-v4
    cp target/x86v4/release/examples/throughput target/bin/throughput-x86v4
    cp target/x86v4/release/examples/kernels target/bin/kernels-x86v4
    cargo build --release -p cyclr-burn --example throughput --features mimalloc
    cp target/release/examples/throughput target/bin/throughput-mimalloc
fi

{
    echo "date: $(date -u +%FT%TZ)"
    echo "commit: $(git rev-parse --short HEAD)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) ($(nproc) cores)"
    echo "avx512: $(grep -o 'avx512[a-z]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
    echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$out/machine.txt"

# 1. Per operation (21 interleaved repeats; all rayon threads, then one).
target/bin/kernels 21 lenet cifar resnet > "$out/ops.txt"
RAYON_NUM_THREADS=1 target/bin/kernels 21 lenet cifar resnet > "$out/ops-1thread.txt"
target/bin/kernels-x86v4 21 lenet cifar > "$out/ops-x86v4.txt"

# 2. End to end, both kernels interleaved in one process: Fashion-MNIST (1x28x28) and random
#    3x32x32 images.
target/bin/throughput-system "$iters" --models lenet,cifar10-quick,resnet --repeats "$repeats" \
    --no-find > "$out/e2e-fashion.txt"
target/bin/throughput-system "$iters" --models lenet,cifar10-quick,resnet --repeats "$repeats" \
    --no-find --data 3x32x32 > "$out/e2e-3x32x32.txt"

# 3. x86-v4 on/off and mimalloc's purge delay: separate binaries, so rounds of one run each,
#    alternating the order between rounds.
variants=(system x86v4 mimalloc-10ms mimalloc-1000ms)
run_variant() {
    case $1 in
        system) target/bin/throughput-system "${@:2}" ;;
        x86v4) target/bin/throughput-x86v4 "${@:2}" ;;
        mimalloc-10ms) MIMALLOC_PURGE_DELAY=10 target/bin/throughput-mimalloc "${@:2}" ;;
        mimalloc-1000ms) MIMALLOC_PURGE_DELAY=1000 target/bin/throughput-mimalloc "${@:2}" ;;
    esac
}
for round in $(seq 1 "$repeats"); do
    order=("${variants[@]}")
    if (( round % 2 == 0 )); then
        order=(mimalloc-1000ms mimalloc-10ms x86v4 system)
    fi
    for v in "${order[@]}"; do
        run_variant "$v" "$iters" --models lenet,cifar10-quick --repeats 1 --no-find \
            > "$out/variant-$v-round$round.txt"
    done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
python3 bench/kernels_summary.py "$out" | tee "$out/variants-summary.md"
echo "outputs in $out"
