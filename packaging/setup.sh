#!/usr/bin/env bash
# One-command set-up for a fresh Debian 12 machine.
#   packaging/setup.sh demo   install, build, create the demo project and open it
#                             (with no display: print its summary instead)
#   packaging/setup.sh test   install, build and run every test
#   packaging/setup.sh build  install and build only
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"
case "$mode" in demo|test|build) ;; *) echo "usage: $0 demo|test|build" >&2; exit 2 ;; esac

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
BUILD_DIR="${GATEAU_BUILD_DIR:-build}"
JOBS="$(nproc)"

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

build() {
  echo "== configuring and building in $BUILD_DIR"
  # Paths relative to the checkout and no CWD in the hash: clones and worktrees share one cache.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

install_packages
build

case "$mode" in
test)
  echo "== checking that core, db and the CLI configure without Qt"
  cmake -S . -B "$BUILD_DIR-noqt" -G Ninja -DGATEAU_BUILD_GUI=OFF -DGATEAU_BUILD_TESTS=OFF >/dev/null
  # Direct dependencies only: Debian's libtorch itself pulls Qt5 in transitively.
  needed="$(readelf -d "$BUILD_DIR/app/gateau" | grep NEEDED)"
  if grep -qi 'libQt' <<<"$needed"; then echo "the CLI must not link Qt" >&2; exit 1; fi
  echo "== running the tests"
  export QT_QPA_PLATFORM=offscreen
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
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
