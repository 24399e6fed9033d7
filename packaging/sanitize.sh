#!/usr/bin/env bash
# The suite under the sanitizers, each in its own build tree (issue 15; docs/testing.md):
#   bash packaging/sanitize.sh asan   # ASan + UBSan, every suite          -> build-asan/
#   bash packaging/sanitize.sh tsan   # TSan, the threaded suites only     -> build-tsan/
# CI runs both after the plain builds (.ci/run does not yet: a sanitized build of the whole
# tree costs about as much again as the debian build, see docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: sanitize.sh asan|tsan}
JOBS=${JOBS:-$(nproc)}
case "$kind" in
  asan) flag=-DGATEAU_SANITIZE=ON; suites='.' ;;
  # The parts with threads of their own: jobs, controllers, the task runner, several processes.
  tsan) flag=-DGATEAU_TSAN=ON; suites='test_task_runner|test_jobs|test_scoring_ui|test_concurrency|test_browser|test_main_window' ;;
  *) echo "sanitize.sh: asan or tsan, not '$kind'" >&2; exit 2 ;;
esac
dir=${GATEAU_BUILD_DIR:-build}-$kind
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGATEAU_TORCH=debian "$flag" >/dev/null
cmake --build "$dir" -j "$JOBS"
# LibTorch and Qt are not instrumented: leaks inside them are theirs, and TSan cannot see their
# locks, so their own threads are suppressed (packaging/tsan.supp) while ours are not.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="suppressions=$PWD/packaging/tsan.supp:halt_on_error=1:second_deadlock_stack=1"
QT_QPA_PLATFORM=offscreen ctest --test-dir "$dir" --output-on-failure -j "$JOBS" -R "$suites"
