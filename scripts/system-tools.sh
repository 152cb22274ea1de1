#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing, once: `chromium` at
# /usr/bin/chromium for the browser suite (playwright-core downloads no browser of its own) and
# `python3-venv` for the virtualenv of scripts/python-tools.sh. A quick no-op when all are present.
# Runs apt-get as root, or through `sudo -n`; otherwise exits 1 naming the command to run.
#   scripts/system-tools.sh chromium python3-venv
set -euo pipefail

present() {
  case "$1" in
    chromium) [ -x /usr/bin/chromium ] ;;
    python3) command -v python3 >/dev/null 2>&1 ;;
    python3-venv) command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1 ;;
    *) echo "system-tools: unknown package '$1' (known: chromium, python3, python3-venv)" >&2; exit 2 ;;
  esac
}

missing_now() {
  missing=()
  for package in "$@"; do present "$package" || missing+=("$package"); done
}
missing_now "$@"
[ ${#missing[@]} -eq 0 ] && exit 0

command_to_run="apt-get update && apt-get install -y ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-tools: missing ${missing[*]} and this machine has no apt-get; install them with its package manager (on Debian: $command_to_run)" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "system-tools: missing ${missing[*]}; the tests cannot install them without root. Run: sudo sh -c '$command_to_run'" >&2
  exit 1
fi

# npm test (scripts/test.sh) installs Chromium and python3-venv (for the venv) side by side: one
# apt-get at a time, each looking again once it has the lock (the other may have installed its package).
exec 8>"${TMPDIR:-/tmp}/arbfleet-system-tools.lock"
flock 8
missing_now "$@"
[ ${#missing[@]} -eq 0 ] && exit 0
echo "system-tools: installing from Debian (once): ${missing[*]}" >&2
# Another apt-get (or a second suite calling this script) may hold the dpkg lock: wait for it.
apt=(${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -qq)
"${apt[@]}" update >/dev/null
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
for package in "${missing[@]}"; do
  present "$package" || { echo "system-tools: installed $package but it is still missing" >&2; exit 1; }
done
