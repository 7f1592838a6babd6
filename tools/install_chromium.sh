#!/usr/bin/env bash
# Make the browser tests runnable: Debian's Chromium at /usr/bin/chromium and the playwright package in .venv.
# Idempotent and non-interactive (CI has no stdin). `playwright install` cannot download here, so we use apt.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n env DEBIAN_FRONTEND=noninteractive)
  else
    echo "install_chromium: /usr/bin/chromium is missing and installing it needs root;" >&2
    echo "  run as root (or with password-less sudo): apt-get update && apt-get install -y chromium" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "install_chromium: no apt-get here; install Chromium so that /usr/bin/chromium exists" >&2
    exit 1
  fi
  echo "install_chromium: installing Debian's chromium package"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q chromium
fi

python=.venv/bin/python
if [ ! -x "$python" ]; then
  echo "install_chromium: $python is missing; run make venv-dev first" >&2
  exit 1
fi
if ! "$python" -c "import playwright.sync_api" 2>/dev/null; then
  pin=$(grep -E '^playwright==' requirements-dev.txt)
  echo "install_chromium: installing $pin into .venv"
  "$python" -m pip install -q --disable-pip-version-check "$pin"
fi
echo "install_chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) and $("$python" -m pip show playwright 2>/dev/null | grep ^Version | sed 's/Version: /playwright /')"
