#!/usr/bin/env bash
# Installs the project's Python tools (moto's server, the AWS API emulator the tests run against,
# and cfn-lint) into a project-local virtualenv, .venv/ (ignored by git), once per pinned set.
# Prints the venv's bin directory.
set -euo pipefail
cd "$(dirname "$0")/.."
PINS="moto[server,dynamodb]==5.2.5 cfn-lint==1.58.0"
venv=.venv
marker="$venv/.arbfleet-pins"
if [ ! -x "$venv/bin/moto_server" ] || [ "$(cat "$marker" 2>/dev/null)" != "$PINS" ]; then
  echo "python-tools: installing $PINS into $venv (once)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check $PINS >&2
  echo "$PINS" > "$marker"
fi
echo "$PWD/$venv/bin"
