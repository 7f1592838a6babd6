#!/usr/bin/env bash
# Make the browser tests runnable: Debian's Chromium at /usr/bin/chromium and the playwright package in .venv.
# Idempotent and non-interactive (CI has no stdin). `playwright install` cannot download here, so we use apt.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

source tools/setup_lib.sh

if [ ! -x /usr/bin/chromium ]; then
  need_root install_chromium chromium
  echo "install_chromium: installing Debian's chromium package"
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q chromium
fi
pip_pin install_chromium playwright.sync_api playwright
echo "install_chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium) and $(.venv/bin/python -m pip show playwright 2>/dev/null | grep ^Version | sed 's/Version: /playwright /')"
