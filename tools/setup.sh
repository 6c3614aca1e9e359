#!/usr/bin/env bash
# Everything `make demo` and `make test` need on a fresh Debian 12 machine; idempotent and quick when done.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
SYSTEM_PYTHON=${SYSTEM_PYTHON:-python3}

# Build tools, C++ test/bench libraries, and CPython's build dependencies (ssl and zlib are
# needed for pip, ffi for ctypes). Only missing packages trigger apt, so a warm run is instant.
APT_PACKAGES=(
  build-essential pkg-config cmake ninja-build libgtest-dev libbenchmark-dev
  libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev libsqlite3-dev
  libreadline-dev libncurses-dev uuid-dev xz-utils curl
  clang libclang-rt-14-dev  # libFuzzer + sanitizer runtimes for `make fuzz` and the audit fuzz smoke test
  chromium  # headless, opens the HTML report in tests/test_report_html.py
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The free-threaded interpreter everything runs on (built once into the cache, ~5 min).
FT_PYTHON=$("$SYSTEM_PYTHON" tools/bootstrap.py --print-path 3.14t)

# The project's virtual environment belongs to that interpreter; recreate it if it does not.
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import sys; assert sys.prefix != sys.base_prefix and sys._base_executable.startswith('${FT_PYTHON%/bin/*}')" 2>/dev/null; then
  rm -rf "$VENV"
  "$FT_PYTHON" -m venv "$VENV"
fi

# Build and test tools from PyPI; a stamp skips pip when the requirement list is unchanged.
REQS=tools/requirements-dev.txt
STAMP="$VENV/.ftkit-requirements.sha256"
want=$(sha256sum "$REQS" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQS"
  echo "$want" > "$STAMP"
fi
