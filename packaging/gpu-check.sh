#!/usr/bin/env bash
# The engine on a GPU: builds tests/model/gpu_check.cpp with the engine sources against the
# LibTorch inside the machine's PyTorch (or TORCH_PREFIX), runs it and keeps its log.
#
#   packaging/gpu-check.sh [--device cuda:0] [--lengths 2048,8192,...] [--bench-layers 12]
#
# Log: $OUT/gpu-check.log when OUT is set (the device runner's output folder), else
# build-gpu/gpu-check.log. Exit status: gpu_check's (1 when a check fails).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${GATEAU_GPU_BUILD:-$ROOT/build-gpu}
LOGDIR=${OUT:-$BUILD}
PREFIX=${TORCH_PREFIX:-$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)}
mkdir -p "$BUILD" "$LOGDIR"
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
  cmake -S "$ROOT/packaging/gpu-check" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release ${PREFIX:+-DCMAKE_PREFIX_PATH="$PREFIX"} >"$BUILD/configure.log" 2>&1 \
    || { tail -30 "$BUILD/configure.log"; exit 3; }
  cmake --build "$BUILD" -j "$(nproc)" 2>&1 | tail -20
  "$BUILD/gpu_check" "$@"
} 2>&1 | tee "$LOGDIR/gpu-check.log"
exit "${PIPESTATUS[0]}"
