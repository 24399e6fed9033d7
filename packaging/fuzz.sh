#!/bin/bash
# Long fuzz runs of the parsers (docs/testing.md "Fuzzing"): a slim libFuzzer build of only
# the sources the six targets need (no Qt, no LibTorch engine, so it builds in minutes where
# the CMake GATEAU_FUZZ tree instruments all of gateau_core), then RUNS executions per target.
#
#   packaging/fuzz.sh [TARGET ...]     default: all six targets, one after the other
#
#   FUZZ_RUNS=10000000      executions per target
#   FUZZ_SANITIZERS=asan    asan: ASan + UBSan (the default); ubsan: UBSan only, 3-5x the
#                           executions per second for the JSON-heavy targets
#   FUZZ_DIR=build-fuzz-slim  the build and the runs' outputs: DIR/new/TARGET (inputs found),
#                           DIR/crashes/TARGET/ (what failed), DIR/logs/TARGET.log
#   FUZZ_NICE=19            the runs' niceness
#
# Each target starts from its kept corpus (tests/fuzz/corpus/TARGET) and what earlier runs in
# FUZZ_DIR found. Prints one summary line per target; exits 1 when any target found a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
S=$PWD
command -v clang++ >/dev/null || { echo "fuzz.sh: needs clang++ (apt-get install clang)" >&2; exit 2; }
all="fuzz_dataset_records fuzz_safetensors fuzz_config_json fuzz_tokenizer_json fuzz_sp_model fuzz_run_json"
targets=${*:-$all}
runs=${FUZZ_RUNS:-10000000}
dir=${FUZZ_DIR:-build-fuzz-slim}
case ${FUZZ_SANITIZERS:-asan} in
  asan) san=address,undefined ;;
  ubsan) san=undefined ;;
  *) echo "fuzz.sh: FUZZ_SANITIZERS is asan or ubsan, not '$FUZZ_SANITIZERS'" >&2; exit 2 ;;
esac
obj=$dir/obj-${FUZZ_SANITIZERS:-asan}
mkdir -p "$obj/parsers" "$obj/scorers" "$dir/logs"
flags="-std=c++17 -g -O1 -fsanitize=fuzzer-no-link,$san -fno-sanitize-recover=undefined -fno-omit-frame-pointer -I$S"
# The parsers and what they call. The scorer registry (RUN.json's keys) includes the engine's
# headers, hence LibTorch's include path for those files and its libraries for fuzz_run_json.
parsers="core/util/*.cpp core/tokenizer/*.cpp core/datasets/conversation.cpp core/datasets/record_parser.cpp
  core/datasets/record_stream.cpp core/model/config.cpp core/model/config_json.cpp core/model/safetensors.cpp
  core/model/dtype.cpp core/model/arch.cpp core/model/tensor_names.cpp core/model/checkpoint.cpp
  core/model/hf_cache.cpp core/model/tokenizer_probe.cpp core/scoring/run_config.cpp core/scoring/formulas.cpp
  core/scoring/prompt.cpp"
scorers="core/scoring/scorers/*.cpp"
cxx="clang++"
command -v ccache >/dev/null && cxx="ccache clang++"
torch_inc=$(find /usr/include -maxdepth 4 -path '*torch/csrc/api/include' -type d -print -quit 2>/dev/null)
compile() {  # SOURCES OUT EXTRA_FLAGS: each source to OUT/path_with_underscores.o, when older
  local out=$2 extra=$3 f o
  # shellcheck disable=SC2086  # globs and word lists are intended
  for f in $1; do
    o=$out/$(echo "$f" | tr / _).o
    [ "$o" -nt "$f" ] || echo "$f $o"
  done | xargs -r -P "$(nproc)" -n 2 sh -c "nice $cxx $flags $extra -c \"\$0\" -o \"\$1\""
}
compile "$parsers" "$obj/parsers" ""
compile "$scorers" "$obj/scorers" "${torch_inc:+-isystem $torch_inc}"
# Archives, so a target links only the objects it calls (the registry only into fuzz_run_json).
rm -f "$obj/libparsers.a" "$obj/libscorers.a"
ar rcs "$obj/libparsers.a" "$obj"/parsers/*.o
ar rcs "$obj/libscorers.a" "$obj"/scorers/*.o
libs="-lsimdjson -lcrypto -lpcre2-8 -lutf8proc -lspdlog -lfmt -lz -lpthread"
failed=0
for t in $targets; do
  [ -f "tests/fuzz/$t.cpp" ] || { echo "fuzz.sh: no target $t (one of: $all)" >&2; exit 2; }
  extra=""
  # shellcheck disable=SC2086
  [ "$t" = fuzz_run_json ] && extra="$obj/libscorers.a $obj/libparsers.a -ltorch -ltorch_cpu -lc10"
  # shellcheck disable=SC2086
  clang++ $flags -fsanitize=fuzzer "tests/fuzz/$t.cpp" "$obj/libparsers.a" $extra $libs \
    -o "$dir/$t-${FUZZ_SANITIZERS:-asan}"
  mkdir -p "$dir/new/$t" "$dir/crashes/$t"
  start=$SECONDS
  rc=0
  nice -n "${FUZZ_NICE:-19}" "$dir/$t-${FUZZ_SANITIZERS:-asan}" -runs="$runs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/crashes/$t/" "$dir/new/$t" "tests/fuzz/corpus/$t" \
    >"$dir/logs/$t.log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/logs/$t.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/logs/$t.log")
  echo "$t (${FUZZ_SANITIZERS:-asan}): rc $rc, ${execs:-?} executions in $((SECONDS - start)) s, ${rate:-?} execs/s, found: $(find "$dir/crashes/$t" -type f | wc -l)"
  [ "$rc" -eq 0 ] || failed=1
done
exit "$failed"
