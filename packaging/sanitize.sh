#!/usr/bin/env bash
# The suites under the sanitizers, each kind in its own build tree (issue 15; docs/testing.md):
#   bash packaging/sanitize.sh asan       # ASan + UBSan: parsers, store, scoring -> build-asan/
#   bash packaging/sanitize.sh tsan       # TSan: the task runner (all: + jobs)  -> build-tsan/
#   bash packaging/sanitize.sh asan all   # every suite, GUI included (not measured)
#   SANITIZE_SUITES="test_scorers test_selection" bash packaging/sanitize.sh asan
#                                         # only these suites (and their targets), no replays
# `packaging/setup.sh test` (hence CI) runs asan and tsan unless GATEAU_SANITIZERS=0.
# Only the suites' own targets are built: a sanitized build of the whole tree (GUI, app,
# benches) would double CI's time, and those suites are what the fuzz-like inputs reach.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: sanitize.sh asan|tsan [all]}
scope=${2:-ci}
JOBS=${JOBS:-$(nproc)}
# The suites that parse files, store and score, and the fuzz corpora's replays; `gateau`
# itself because test_checkpoint, test_families and test_runs run the CLI. test_jobs runs
# under TSan only: under both it alone cost ~5 of CI's 12 sanitizer minutes (docs/testing.md).
# test_scorers and test_selection: the scorer registry's plug-ins and the selection rules
# read score arrays and index by rank, where an off-by-one is a silent wrong answer.
asan_suites='test_datasets test_minhash test_near_duplicates test_agreement test_store test_import test_tokenizer test_offsets test_checkpoint test_families test_sample_scorer test_runs test_run_checks test_scorers test_selection'
# The parts with threads of their own: the GUI's task runner in CI; the scoring job's workers
# (test_jobs) only with `all`: under TSan it took 570 s of ctest's 600 s limit on a loaded VM.
tsan_suites='test_task_runner'
case "$kind" in
  asan) flag=-DGATEAU_SANITIZE=ON; suites=$asan_suites
        replays=$(cd tests/fuzz && ls fuzz_*.cpp | sed 's/^/replay_/; s/\.cpp$//')
        targets="$suites $replays gateau"
        regex="^($(tr ' ' '|' <<<"$suites")|fuzz_corpus_.*)\$" ;;
  tsan) flag=-DGATEAU_TSAN=ON; suites=$tsan_suites; targets="$suites"
        regex="^($(tr ' ' '|' <<<"$suites"))\$" ;;
  *) echo "sanitize.sh: asan or tsan, not '$kind'" >&2; exit 2 ;;
esac
if [ -n "${SANITIZE_SUITES:-}" ]; then  # a subset, to check a suite without the whole list
  suites=$SANITIZE_SUITES; targets="$suites"
  if [ "$kind" = asan ]; then targets="$targets gateau"; fi  # several suites run the CLI
  regex="^($(tr ' ' '|' <<<"$suites"))\$"
fi
case "$scope" in
  ci) ;;
  all) targets=all; regex=. ;;
  *) echo "sanitize.sh: the scope is 'all' or nothing, not '$scope'" >&2; exit 2 ;;
esac
dir=${GATEAU_BUILD_DIR:-build}-$kind
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# -O1 -g1: line tables are all a sanitizer report needs, and full debug info of the LibTorch
# headers is most of a test's compile and link time; -O1 keeps the suites fast enough.
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DGATEAU_TORCH=debian "$flag" ${GATEAU_SHARED_DIR:+-DGATEAU_SHARED_DIR="$GATEAU_SHARED_DIR"} >/dev/null
started=$SECONDS
# shellcheck disable=SC2086  # word splitting of the target list is intended
cmake --build "$dir" -j "$JOBS" --target $targets
built=$SECONDS
# LibTorch and Qt are not instrumented: leaks inside them are theirs, and TSan cannot see their
# locks, so their own threads are suppressed (packaging/tsan.supp) while ours are not.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="suppressions=$PWD/packaging/tsan.supp:halt_on_error=1:second_deadlock_stack=1:die_after_fork=0"
echo "== $kind: running $regex in $dir"
QT_QPA_PLATFORM=offscreen ctest --test-dir "$dir" --output-on-failure -j "$JOBS" -R "$regex"
# CI's log carries what the sanitizer trees cost (docs/testing.md quotes it).
echo "== $kind: build $((built - started)) s, tests $((SECONDS - built)) s ($JOBS jobs)"
