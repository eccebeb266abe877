#!/usr/bin/env bash
# Installs what the hub needs on a fresh Debian machine: Python packages into .venv (pinned by
# constraints.txt) and, with --test, the Debian packages the test suite drives for real
# (PostgreSQL, chromium for browser tests, nginx as the download benchmark's anchor).
# Re-running is cheap: each step is skipped when its inputs have not changed.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi

extras="ml,postgres,s3"
(( want_test )) && extras="$extras,dev"
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)-${extras//,/_}"
if [[ ! -f "$stamp" ]]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # torch is pinned to the CPU build in constraints.txt; an unpinned torch would pull CUDA packages
  .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$extras]"
  touch "$stamp"
fi

if (( want_test )); then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v nginx >/dev/null || missing+=(nginx-light)
  if (( ${#missing[@]} )); then
    export DEBIAN_FRONTEND=noninteractive
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi
