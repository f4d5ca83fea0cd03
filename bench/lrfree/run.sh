#!/usr/bin/env bash
# The issue-#21 measurements of the learning-rate-free optimizers (BENCHMARKS.md §9), one after
# the other on an otherwise idle machine. ~35 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=target/release/cyclr
$B compare --config bench/lrfree/fashion-lenet-1epoch.toml --out docs/results/fashion-lrfree-1epoch --quiet
$B compare --config bench/lrfree/sf-lr-grid.toml --out bench/lrfree/results/sf-lr-grid --quiet
$B compare --config bench/lrfree/sf-bn-resnet.toml --out bench/lrfree/results/sf-bn-50 --quiet
sed 's/^bn_recalibration = 50/bn_recalibration = 0/' bench/lrfree/sf-bn-resnet.toml > bench/lrfree/results/sf-bn-resnet-0.toml
$B compare --config bench/lrfree/results/sf-bn-resnet-0.toml --out bench/lrfree/results/sf-bn-0 --quiet
