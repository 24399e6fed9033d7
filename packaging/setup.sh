#!/usr/bin/env bash
# One-command set-up for a fresh Debian 12 machine.
#   packaging/setup.sh demo   install, build, create the demo project and open it
#                             (with no display: print its summary instead)
#   packaging/setup.sh test   install, build and run every test, then every test again under
#                             ASan + UBSan and the threaded ones under TSan (packaging/sanitize.sh;
#                             GATEAU_SANITIZERS=0 skips those)
#   packaging/setup.sh build  install and build only
#
# GATEAU_TORCH=debian|pypi picks the LibTorch: Debian's libtorch-dev (1.13, CPU) or the pinned
# PyPI wheel's (2.x, CUDA; packaging/torch-venv.sh installs it into a venv of its own). Unset:
# pypi where `nvidia-smi -L` lists a GPU, else debian. `test` tests both: the pypi one in a plain
# build where the CUDA toolkit's nvcc is there (its CMake files need it at configure time), the
# debian one in the sanitizer trees, which run every suite (and in a plain build without nvcc).
# The debian build lands in ${GATEAU_BUILD_DIR:-build}, the pypi one in the same name + -pypi.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"
case "$mode" in demo|test|build) ;; *) echo "usage: $0 demo|test|build" >&2; exit 2 ;; esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
BASE_DIR="${GATEAU_BUILD_DIR:-build}"
JOBS="$(nproc)"

# No pipe into grep -q: under pipefail an early exit of the reader fails the pipeline.
has_gpu() { local gpus; command -v nvidia-smi >/dev/null && gpus="$(nvidia-smi -L 2>/dev/null)" && grep -q '^GPU' <<<"$gpus"; }
if [ -n "${GATEAU_TORCH:-}" ]; then
  torches="$GATEAU_TORCH"
  case "$torches" in debian|pypi) ;; *) echo "GATEAU_TORCH must be debian or pypi, not '$torches'" >&2; exit 2 ;; esac
elif has_gpu; then
  torches="pypi"
else
  torches="debian"
fi
have_nvcc() { command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; }
# CI and `test`: the pypi LibTorch in a plain build unless one was asked for; the debian one is
# what the sanitizer trees build (a plain debian build's suites would repeat theirs at -O2).
if [ "$mode" = test ] && [ -z "${GATEAU_TORCH:-}" ]; then
  if have_nvcc; then
    torches="pypi"
    # Without the sanitizer trees the debian LibTorch needs a plain build of its own.
    if [ "${GATEAU_SANITIZERS:-1}" = 0 ]; then torches="debian pypi"; fi
  else echo "== no nvcc (CUDA toolkit): testing the debian build only; GATEAU_TORCH=pypi insists" >&2; fi
fi
build_dir() { if [ "$1" = pypi ]; then echo "$BASE_DIR-pypi"; else echo "$BASE_DIR"; fi; }

install_packages() {
  mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' packaging/apt-packages.txt)
  # Skip apt entirely when everything is there already (re-runs, CI on a warm machine).
  # Counted from a captured string, not `dpkg-query | grep -q`: grep -q stops reading at its
  # first match, and under pipefail the writer's SIGPIPE would make the test read "all there".
  local status installed
  status="$(dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null || true)"
  installed="$(grep -c '^install ok installed$' <<<"$status" || true)"
  if [ "$installed" -ne "${#pkgs[@]}" ]; then
    echo "== installing ${#pkgs[@]} Debian packages"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
}

build() {  # build TORCH DIR
  local venv=()
  if [ "$1" = pypi ]; then
    have_nvcc || {
      echo "GATEAU_TORCH=pypi: the wheel's CMake files need the CUDA toolkit's nvcc (CUDA >= 12.6);" \
           "install NVIDIA's cuda-toolkit package (see README)" >&2; exit 1; }
    command -v nvcc >/dev/null || export PATH="/usr/local/cuda/bin:$PATH"  # NVIDIA's packages put it there
    local v
    v="$(bash packaging/torch-venv.sh)"
    venv=(-DGATEAU_VENV="$v")
  fi
  echo "== configuring and building in $2 (LibTorch: $1)"
  # Paths relative to the checkout and no CWD in the hash: clones and worktrees share one cache.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
  cmake -S . -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGATEAU_TORCH="$1" "${venv[@]}" >/dev/null
  cmake --build "$2" -j "$JOBS"
}

run_tests() {  # run_tests DIR
  # Direct dependencies only: Debian's libtorch itself pulls Qt5 in transitively.
  needed="$(readelf -d "$1/app/gateau" | grep NEEDED)"
  if grep -qi 'libQt' <<<"$needed"; then echo "the CLI must not link Qt" >&2; exit 1; fi
  echo "== running the tests in $1"
  QT_QPA_PLATFORM=offscreen ctest --test-dir "$1" --output-on-failure -j "$JOBS"
}

install_packages
for t in $torches; do build "$t" "$(build_dir "$t")"; done
BUILD_DIR="$(build_dir "${torches##* }")"  # demo: the last one built

case "$mode" in
test)
  echo "== checking that core, db and the CLI configure without Qt"
  cmake -S . -B "$BASE_DIR-noqt" -G Ninja -DGATEAU_BUILD_GUI=OFF -DGATEAU_BUILD_TESTS=OFF >/dev/null
  for t in $torches; do run_tests "$(build_dir "$t")"; done
  # Every suite under ASan + UBSan and the threaded ones under TSan, each in a tree of its own
  # (docs/testing.md has their cost). GATEAU_SANITIZERS=0 skips them on a local run; CI always
  # runs them.
  if [ "${GATEAU_SANITIZERS:-1}" != 0 ]; then
    for kind in asan tsan; do JOBS="$JOBS" bash packaging/sanitize.sh "$kind"; done
  fi
  ;;
demo)
  demo_dir="$BUILD_DIR/demo"
  echo "== making and scoring the demo project in $demo_dir (a few minutes on 2 cores)"
  bash packaging/make-demo-project.sh "$(realpath "$BUILD_DIR")/app/gateau" "$demo_dir"
  # The script ends with the project's summary.
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec "$BUILD_DIR/app/gateau-workbench" "$demo_dir/demo.gateau"
  else
    echo "== no display: open the project later with $BUILD_DIR/app/gateau-workbench $demo_dir/demo.gateau"
  fi
  ;;
esac
