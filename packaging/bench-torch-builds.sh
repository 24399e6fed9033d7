#!/usr/bin/env bash
# The engine on this CPU with both LibTorch builds side by side (README "Which LibTorch"):
# prefill tokens/s at 2k and 8k (32k with --long) in fp32 and bf16 and the span pass (512
# span tokens, 128-token segments) on bench_engine's random Llama (hidden 768, 12 layers),
# each measurement in a process of its own (bench_engine --one), the builds alternating row
# by row so that both see the same machine; then `gateau bench scoring` on a small random
# model pair. Runs under nice (GATEAU_BENCH_NICE, default 10; 0 gives the benchmark priority
# over other nice'd work on a shared machine); prints the load average before and after:
# numbers taken on a busy machine compare the builds, not this CPU.
#
#   packaging/bench-torch-builds.sh [--long] [DEBIAN_BUILD [PYPI_BUILD]]   (default build build-pypi)
#   GATEAU_BENCH_LENGTHS="32768", GATEAU_BENCH_DTYPES="bfloat16", GATEAU_BENCH_PASSES="forward"
#   run only the rows given (--long adds 32768 to the lengths)
# Needs in both builds: ninja -C DIR bench_engine gateau
set -euo pipefail
cd "$(dirname "$0")/.."
long=0
if [ "${1:-}" = --long ]; then long=1; shift; fi
deb=${1:-build}
pypi=${2:-build-pypi}
for b in "$deb" "$pypi"; do
  [ -x "$b/tests/model/bench_engine" ] && [ -x "$b/app/gateau" ] ||
    { echo "build $b first: ninja -C $b bench_engine gateau" >&2; exit 2; }
done
deb=$(cd "$deb" && pwd)
pypi=$(cd "$pypi" && pwd)
lengths=${GATEAU_BENCH_LENGTHS:-2048 8192}  # e.g. GATEAU_BENCH_LENGTHS=32768 for the long rows alone
[ "$long" = 1 ] && lengths="$lengths 32768"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

# one BUILD FUSED(1|0|-) DTYPE N MODE -> "tok/s peak-MiB"
one() {
  local fused=()
  [ "$2" != - ] && fused=(GATEAU_BENCH_FUSED="$2")
  env "${fused[@]}" nice -n "${GATEAU_BENCH_NICE:-10}" "$1/tests/model/bench_engine" --one "$3" "$4" "$5" 2>/dev/null |
    awk '/^RESULT/ { printf "%.1f %.0f", $6, $9; found = 1 } END { if (!found) printf "failed -" }'
}

printf '%-8s %-9s %6s | %-17s | %-17s | %-17s\n' pass dtype tokens "debian 1.13" "pypi (default)" "pypi, fused SDPA"
printf '%-8s %-9s %6s | %-17s | %-17s | %-17s\n' "" "" "" "tok/s  peak MiB" "tok/s  peak MiB" "tok/s  peak MiB"
for dtype in ${GATEAU_BENCH_DTYPES:-float32 bfloat16}; do
  for mode in ${GATEAU_BENCH_PASSES:-forward span}; do
    for n in $lengths; do
      [ "$mode" = span ] && [ "$n" -lt 8192 ] && continue
      read -r a am <<<"$(one "$deb" - "$dtype" "$n" "$mode")"
      read -r b bm <<<"$(one "$pypi" 0 "$dtype" "$n" "$mode")"
      read -r c cm <<<"$(one "$pypi" 1 "$dtype" "$n" "$mode")"
      printf '%-8s %-9s %6s | %8s %8s | %8s %8s | %8s %8s\n' "$mode" "$dtype" "$n" "$a" "$am" "$b" "$bm" "$c" "$cm"
    done
  done
done

# Scoring end to end: a random Llama pair (hidden 256, 4 layers) on 4 demo samples.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g="$deb/app/gateau"
(
  cd "$tmp"
  "$g" make-tokenizer tokenizer >/dev/null
  for m in a:10000:1024 b:500000:65536; do
    IFS=: read -r name theta pos <<<"$m"
    "$g" make-tiny-model "model-$name" --arch llama --tokenizer tokenizer --layers 4 --hidden 256 --heads 8 \
      --kv-heads 2 --intermediate 688 --seed 7 --rope-theta "$theta" --max-pos "$pos" >/dev/null
  done
  echo '{"model_a": "model-a", "model_b": "model-b", "stretch_a": 4, "segment_len": 128, "max_tokens": 65536}' >run.json
)
for b in "$deb" "$pypi"; do
  line=$(cd "$tmp" && nice "$b/app/gateau" bench scoring --config run.json --samples 4 2>&1 |
    grep '^batched' || echo "failed")
  printf 'bench scoring %-12s %s\n' "$(basename "$b"):" "$line"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
