#!/usr/bin/env bash
# Make the other-engine tests (tests/browser/test_engines.py) runnable: Firefox ESR, WebKitGTK's MiniBrowser and
# WebKitWebDriver, and Xvfb from apt; puppeteer-core in tests/engines/node_modules (npm ci) and selenium in .venv.
# Idempotent and non-interactive (CI has no stdin). A package apt cannot install is named in .cache/engines-missing,
# and the test of that engine skips saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
source tools/setup_lib.sh
MINIBROWSER=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
missing=.cache/engines-missing

packages=()
[ -x /usr/bin/firefox-esr ] || packages+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] && [ -x "$MINIBROWSER" ] || packages+=(webkit2gtk-driver)
[ -x /usr/bin/Xvfb ] || packages+=(xvfb)
mkdir -p .cache
rm -f "$missing"
if [ ${#packages[@]} -gt 0 ]; then
  need_root install_engines "${packages[*]}"
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

pip_pin install_engines selenium selenium
echo "install_engines: $(/usr/bin/firefox-esr --version 2>/dev/null || echo 'no firefox-esr'), WebKitGTK" \
  "$(dpkg-query -W -f '${Version}' webkit2gtk-driver 2>/dev/null || echo missing)," \
  "puppeteer-core $(node -p 'require("./tests/engines/node_modules/puppeteer-core/package.json").version')"
