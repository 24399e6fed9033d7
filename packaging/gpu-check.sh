#!/usr/bin/env bash
# The engine on a GPU: builds tests/model/gpu_check.cpp with the engine sources against a
# LibTorch 2.x and runs it, keeping its log. The LibTorch: TORCH_PREFIX (an unpacked LibTorch
# folder), else the machine's PyTorch (python3 -c 'import torch'), else the pinned wheel in
# the set-up script's venv (packaging/torch-venv.sh, installed when missing).
#
#   packaging/gpu-check.sh [--device cuda:0] [--lengths 2048,8192,...] [--bench-layers 12]
#
# Log: $OUT/gpu-check.log when OUT is set (the device runner's output folder), else
# build-gpu/gpu-check.log. Exit status: gpu_check's (1 when a check fails).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GATEAU_GPU_BUILD:-$ROOT/build-gpu}
LOGDIR=${OUT:-$BUILD}
# A wheel's root (site-packages/torch, holding share/cmake/Torch and lib/): its TorchConfig
# looks for Caffe2 and its libraries with PATHS hints, which come after /usr, where Debian's
# libtorch-dev may sit; as a prefix path the wheel's own are found first.
torch_root() { "$1" -c 'import os, torch; print(os.path.dirname(torch.__file__))' 2>/dev/null; }
PREFIX=${TORCH_PREFIX:-$(torch_root python3 || torch_root "$(bash "$ROOT/packaging/torch-venv.sh")/bin/python")}
mkdir -p "$BUILD" "$LOGDIR"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
  cmake -S "$ROOT/packaging/gpu-check" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release ${PREFIX:+-DCMAKE_PREFIX_PATH="$PREFIX"} >"$BUILD/configure.log" 2>&1 \
    || { tail -30 "$BUILD/configure.log"; exit 3; }
  cmake --build "$BUILD" -j "$(nproc)" 2>&1 | tail -20
  "$BUILD/gpu_check" "$@"
} 2>&1 | tee "$LOGDIR/gpu-check.log"
exit "${PIPESTATUS[0]}"
