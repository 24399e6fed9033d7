#!/usr/bin/env bash
# The virtual environment that holds the pinned PyPI torch wheel (packaging/torch-pypi.txt)
# for GATEAU_TORCH=pypi builds: created here, outside the checkout and never in the system
# Python; a no-op when the pinned version is already there. Only the build uses Python: the
# built programs load the wheel's libraries by their run path.
#
#   packaging/torch-venv.sh    install if needed; print the venv's path
#
# GATEAU_VENV overrides the place (default ~/.local/share/gateau/torch-venv). The venv
# outlives checkouts and CI runs, so its ~3 GB of wheels download once per machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${GATEAU_VENV:-$HOME/.local/share/gateau/torch-venv}
PIN=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$ROOT/packaging/torch-pypi.txt")

installed() {
  "$VENV/bin/python" -c 'import importlib.metadata as m; print("torch==" + m.version("torch"))' 2>/dev/null || true
}

if [ "$(installed)" != "$PIN" ]; then
  echo "== installing $PIN into $VENV (about 3 GB of wheels the first time)" >&2
  mkdir -p "$(dirname "$VENV")"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --progress-bar off -r "$ROOT/packaging/torch-pypi.txt" >&2
  [ "$(installed)" = "$PIN" ] || { echo "torch-venv: $PIN did not install into $VENV" >&2; exit 1; }
fi
echo "$VENV"
