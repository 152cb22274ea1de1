#!/usr/bin/env bash
# Installs the backtest bench's peer, nautilus_trader (pinned), into a virtualenv OUTSIDE the
# repository (default /tmp/nautilus-venv; another folder as the first argument), once, and prints
# the Python to pass to the bench:
#   npm run bench -- --backtest --peer --peer-python "$(bash scripts/peer-venv.sh)"
#   (or ARBFLEET_PEER_PYTHON=...; `--peer` alone measures the 5-minute candles only)
# A benchmark's tool, not a test's: npm test and the CI never install or run it.
# nautilus_trader's wheels need Python >= 3.11 (this machine: 3.11.7) on x86_64 or arm64 Linux/macOS.
set -euo pipefail
PIN="nautilus_trader==1.221.0"
venv="${1:-/tmp/nautilus-venv}"
python="$venv/bin/python"
if ! "$python" -c "import nautilus_trader, sys; sys.exit(nautilus_trader.__version__ != '${PIN#*==}')" 2>/dev/null; then
  echo "peer-venv: installing $PIN into $venv (once; about 700 MB)" >&2
  python3 -m venv "$venv"
  "$python" -m pip install --quiet --disable-pip-version-check "$PIN" >&2
fi
echo "$python"
