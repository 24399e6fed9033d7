#!/usr/bin/env bash
# The suites under the sanitizers, each kind in its own build tree (issue 15; docs/testing.md):
#   bash packaging/sanitize.sh asan       # ASan + UBSan: every suite and the fuzz corpora -> build-asan/
#   bash packaging/sanitize.sh tsan       # TSan: the suites with threads of their own    -> build-tsan/
#   bash packaging/sanitize.sh tsan all   # TSan: every suite
#   SANITIZE_SUITES="test_scorers test_selection" bash packaging/sanitize.sh asan
#                                         # only these suites (and the CLI), no replays
# `packaging/setup.sh test` (hence CI) runs asan and tsan unless GATEAU_SANITIZERS=0.
# Only what the chosen suites run is built (for every suite the `gateau_tests` target: no
# benches, no workbench binary).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: sanitize.sh asan|tsan [all]}
scope=${2:-}
JOBS=${JOBS:-$(nproc)}
# The suites whose own code starts threads: the GUI's task runner and what runs on it (the
# scoring job's controller, the import controller and the main window's loaders, the ranking
# session and the plots' preparation), and the scoring job's worker threads (test_jobs).
tsan_suites='test_task_runner test_jobs test_scoring_ui test_gui_thread test_browser test_inspector test_plots test_main_window'
case "$kind" in
  asan) flag=-DGATEAU_SANITIZE=ON; targets=gateau_tests; regex=. ;;
  tsan) flag=-DGATEAU_TSAN=ON; targets="$tsan_suites gateau"  # test_jobs runs the CLI
        regex="^($(tr ' ' '|' <<<"$tsan_suites"))\$" ;;
  *) echo "sanitize.sh: asan or tsan, not '$kind'" >&2; exit 2 ;;
esac
case "$scope" in
  "") ;;
  all) targets=gateau_tests; regex=. ;;
  *) echo "sanitize.sh: the scope is 'all' or nothing, not '$scope'" >&2; exit 2 ;;
esac
if [ -n "${SANITIZE_SUITES:-}" ]; then  # a subset, to check a suite without the whole list
  targets="$SANITIZE_SUITES gateau"  # several suites run the CLI
  regex="^($(tr ' ' '|' <<<"$SANITIZE_SUITES"))\$"
fi
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
# test_chaos's random kills: 3 per command here, 8 in the plain build. More kills reach no
# more code, and each costs a sanitized process start.
export GATEAU_CHAOS_ROUNDS=${GATEAU_CHAOS_ROUNDS:-3}
echo "== $kind: running $regex in $dir"
QT_QPA_PLATFORM=offscreen ctest --test-dir "$dir" --output-on-failure -j "$JOBS" -R "$regex"
# CI's log carries what the sanitizer trees cost (docs/testing.md quotes it).
echo "== $kind: build $((built - started)) s, tests $((SECONDS - built)) s ($JOBS jobs)"
