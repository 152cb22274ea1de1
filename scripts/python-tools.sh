#!/usr/bin/env bash
# Installs the project's Python tools (moto's server, the AWS API emulator the tests run against,
# cfn-lint, and pytest, jsonschema, wheel and mypy for the Python client's suite, clients/python/tests,
# which also builds the package offline and type-checks it) into a project-local virtualenv, .venv/
# (ignored by git), once per pinned set.
# `python3 -m venv` needs Debian's python3-venv: scripts/system-tools.sh installs it when missing.
# Suites may call this at the same time: a lock on .venv/ makes the second wait for the first.
# Prints the venv's bin directory.
set -euo pipefail
cd "$(dirname "$0")/.."
PINS="moto[server,dynamodb]==5.2.5 cfn-lint==1.58.0 pytest==9.2.0 jsonschema==4.26.0 wheel==0.48.0 mypy==2.4.1"
venv=.venv
marker="$venv/.arbfleet-pins"
installed() { [ -x "$venv/bin/moto_server" ] && [ "$(cat "$marker" 2>/dev/null)" = "$PINS" ]; }
if ! installed; then
  mkdir -p "$venv"
  exec 9>"$venv/.arbfleet-lock"
  flock 9
  if ! installed; then
    bash scripts/system-tools.sh python3 python3-venv
    echo "python-tools: installing $PINS into $venv (once)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check $PINS >&2
    echo "$PINS" > "$marker"
  fi
fi
echo "$PWD/$venv/bin"
