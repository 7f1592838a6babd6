# Shared by install_chromium.sh and install_engines.sh (sourced, not run): how to become root for apt-get, and how
# to install a pinned package of requirements-dev.txt into .venv.

# Sets the array `sudo` to the prefix that runs apt-get as root, or exits naming what to run by hand.
# Usage: need_root SCRIPT_NAME "what is missing"
need_root() {
  if ! command -v apt-get >/dev/null; then
    echo "$1: no apt-get here; install $2 (Debian names) by hand" >&2
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n env DEBIAN_FRONTEND=noninteractive)
  else
    echo "$1: $2 missing and installing it needs root;" >&2
    echo "  run as root (or with password-less sudo): apt-get update && apt-get install -y $2" >&2
    exit 1
  fi
}

# Installs requirements-dev.txt's pin of a package into .venv unless its module imports already.
# Usage: pip_pin SCRIPT_NAME MODULE PACKAGE
pip_pin() {
  local python=.venv/bin/python
  if [ ! -x "$python" ]; then
    echo "$1: $python is missing; run make venv-dev first" >&2
    exit 1
  fi
  if ! "$python" -c "import $2" 2>/dev/null; then
    local pin
    pin=$(grep -E "^$3==" requirements-dev.txt)
    echo "$1: installing $pin into .venv"
    "$python" -m pip install -q --disable-pip-version-check "$pin"
  fi
}
