#!/usr/bin/env bash
# Make the other-engine tests (tests/browser/test_engines.py) runnable: Firefox ESR, WebKitGTK's MiniBrowser and
# WebKitWebDriver, and Xvfb from apt; puppeteer-core in tests/engines/node_modules (npm ci) and selenium in .venv.
# Idempotent and non-interactive (CI has no stdin). A package apt cannot install is named in .cache/engines-missing,
# and the test of that engine skips saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
MINIBROWSER=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
missing=.cache/engines-missing

packages=()
[ -x /usr/bin/firefox-esr ] || packages+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] && [ -x "$MINIBROWSER" ] || packages+=(webkit2gtk-driver)
[ -x /usr/bin/Xvfb ] || packages+=(xvfb)
mkdir -p .cache
rm -f "$missing"
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n env DEBIAN_FRONTEND=noninteractive)
  else
    echo "install_engines: ${packages[*]} missing and installing them needs root;" >&2
    echo "  run as root (or with password-less sudo): apt-get update && apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "install_engines: no apt-get here; install ${packages[*]} (Debian names) by hand" >&2
    exit 1
  fi
  echo "install_engines: installing Debian's ${packages[*]}"
  "${sudo[@]}" apt-get update -q || echo "install_engines: apt-get update failed" >&2
  for package in "${packages[@]}"; do
    if ! log=$("${sudo[@]}" apt-get install -y -q "$package" 2>&1); then
      reason=$(grep -m1 '^E:' <<<"$log" || echo "apt-get install failed")
      echo "install_engines: could not install $package ($reason); its test will skip" >&2
      echo "$package: $reason" >>"$missing"
    fi
  done
fi

if [ ! tests/engines/node_modules/.package-lock.json -nt tests/engines/package-lock.json ]; then
  echo "install_engines: npm ci in tests/engines (puppeteer-core)"
  (cd tests/engines && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

python=.venv/bin/python
if [ ! -x "$python" ]; then
  echo "install_engines: $python is missing; run make venv-dev first" >&2
  exit 1
fi
if ! "$python" -c "import selenium" 2>/dev/null; then
  pin=$(grep -E '^selenium==' requirements-dev.txt)
  echo "install_engines: installing $pin into .venv"
  "$python" -m pip install -q --disable-pip-version-check "$pin"
fi
echo "install_engines: $(/usr/bin/firefox-esr --version 2>/dev/null || echo 'no firefox-esr'), WebKitGTK" \
  "$(dpkg-query -W -f '${Version}' webkit2gtk-driver 2>/dev/null || echo missing)," \
  "puppeteer-core $(node -p 'require("./tests/engines/node_modules/puppeteer-core/package.json").version')"
