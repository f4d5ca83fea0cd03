#!/usr/bin/env bash
# Build the `cyclr` binary with burn's CUDA backend (`--device cuda[:N]`) on a machine without
# internet at build time (crates.io or a vendored registry is still needed for the crates).
#
# Why this script: burn-cuda 0.22.1 -> cubecl-cuda -> cubecl-llvm, whose build script
# (tracel-llvm-bundler 23.1.0-4) downloads a prebuilt LLVM unless it finds one already
# "installed" under $XDG_DATA_HOME/tracel/tracel-llvm-23.1.0-4 (default ~/.local/share/...),
# marked by a file `.tracel-llvm-installed`; it then runs `bin/llvm-config --link-static` there.
# So we lay Debian's LLVM 22 out at that path. Verified on Debian 12: builds and links; the
# bindings expect LLVM 23.1 and only linking proves 22.1 compatible, so run the parity test on a
# GPU (bench/device_gpu.sh) before trusting the numbers.
#
# Idempotent: run it again and it only redoes what is missing.
# Usage: deploy/cuda/build.sh [--no-apt]   (then: target/cuda/release/cyclr --device cuda ...)
# Env:   CARGO_TARGET_DIR (default target/cuda: keeps the CPU build in target/ untouched),
#        XDG_DATA_HOME, LLVM_PREFIX (default /usr/lib/llvm-22).
set -euo pipefail
cd "$(dirname "$0")/../.."

LLVM_PREFIX=${LLVM_PREFIX:-/usr/lib/llvm-22}
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
TRACEL="$DATA/tracel/tracel-llvm-23.1.0-4"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/cuda}

# 1. Debian's LLVM 22 (static libraries, llvm-config) and what its --link-static names.
if [[ "${1:-}" != "--no-apt" && ! -x "$LLVM_PREFIX/bin/llvm-config" ]]; then
  echo "== apt-get install llvm-22-dev libpolly-22-dev libzstd-dev"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq llvm-22-dev libpolly-22-dev libzstd-dev
fi
if [[ ! -x "$LLVM_PREFIX/bin/llvm-config" ]]; then
  echo "error: no $LLVM_PREFIX/bin/llvm-config (install llvm-22-dev or set LLVM_PREFIX)" >&2
  exit 2
fi

# 2. Lay it out where the bundler looks, and mark it installed (no download).
mkdir -p "$TRACEL"
for d in bin lib include; do
  if [[ ! -e "$TRACEL/$d" ]]; then ln -s "$LLVM_PREFIX/$d" "$TRACEL/$d"; fi
done
touch "$TRACEL/.tracel-llvm-installed"
echo "== LLVM $("$TRACEL/bin/llvm-config" --version) at $TRACEL"

# 3. The bundler turns llvm-config's `libz3.so` into `-llibz3`: give the linker that name.
SHIM="$CARGO_TARGET_DIR/llvm-shim"
mkdir -p "$SHIM"
Z3=$(ls /usr/lib/x86_64-linux-gnu/libz3.so* 2>/dev/null | head -1 || true)
if [[ -n "$Z3" && ! -e "$SHIM/liblibz3.so" ]]; then ln -s "$Z3" "$SHIM/liblibz3.so"; fi
export LIBRARY_PATH="$(cd "$SHIM" && pwd)${LIBRARY_PATH:+:$LIBRARY_PATH}"

# 4. The build (~16 min on 2 idle cores; a ~143 MB binary).
echo "== cargo build --release -p cyclr-cli --features cuda (into $CARGO_TARGET_DIR)"
cargo build --release -p cyclr-cli --features cuda
BIN="$CARGO_TARGET_DIR/release/cyclr"

# 5. A copy small enough to carry (strip, then xz): $CARGO_TARGET_DIR/cyclr-cuda.xz.
strip -o "$CARGO_TARGET_DIR/cyclr-cuda" "$BIN"
xz -T0 -6 -kf "$CARGO_TARGET_DIR/cyclr-cuda"
ls -l "$BIN" "$CARGO_TARGET_DIR/cyclr-cuda" "$CARGO_TARGET_DIR/cyclr-cuda.xz"

# 6. Without a GPU the binary must refuse cleanly (exit 1, a message), not panic or hang.
set +e
"$BIN" train --device cuda --iters 5 --out "$CARGO_TARGET_DIR/no-gpu-check" 2> "$CARGO_TARGET_DIR/no-gpu-check.txt"
rc=$?
set -e
echo "== --device cuda here: exit $rc: $(head -c 300 "$CARGO_TARGET_DIR/no-gpu-check.txt")"
echo "built $BIN"
