#!/usr/bin/env bash
# `npm test`: type-check, layering (depcheck), lint, then every vitest project; arguments go to
# `vitest run` (`npm test -- test/unit/foo.test.ts`).
#
# What the suites need from outside npm and a first run installs (Debian's Chromium through apt,
# scripts/system-tools.sh; moto and cfn-lint into .venv through pip, scripts/python-tools.sh) starts
# here in the background, beside the checks, instead of one after the other in the browser and aws
# projects' global setups before the first test: on a fresh machine the two took about 1 and 1.5 min
# and the checks about 45 s (a quick no-op once installed). The global setups still call the same
# scripts: those wait on the installs' locks and stop the run in their own words if one failed.
set -euo pipefail
cd "$(dirname "$0")/.."

log_dir=$(mktemp -d "${TMPDIR:-/tmp}/arbfleet-test-tools.XXXXXX")
started=$SECONDS
bash scripts/system-tools.sh chromium >"$log_dir/chromium.log" 2>&1 &
chromium=$!
bash scripts/python-tools.sh >"$log_dir/python.log" 2>&1 &
python=$!

# Waits for one background install; says how long it ran when it did something, and what it said when it failed.
settle() {
  local pid=$1 name=$2 status=0
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "test: installing $name failed (exit $status); its global setup tries again and stops the run if it cannot:" >&2
    cat "$log_dir/$name.log" >&2
  elif grep -q 'installing' "$log_dir/$name.log"; then
    echo "test: $name installed beside the checks ($((SECONDS - started)) s since npm test started)" >&2
  fi
}

checks=0
npm run typecheck && npm run depcheck && npm run lint || checks=$?
settle "$chromium" chromium
settle "$python" python
rm -rf "$log_dir"
[ "$checks" -eq 0 ] || exit "$checks"
exec vitest run "$@"
