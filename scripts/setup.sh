#!/usr/bin/env bash
# Installs everything SecantusDB needs on a fresh Debian machine, then (optionally) starts the server or
# runs the whole test suite.
#
#   bash scripts/setup.sh          install only
#   bash scripts/setup.sh start    install, then serve on the defaults (127.0.0.1:27017, ./secantus-data)
#   bash scripts/setup.sh test     install (plus test clients), then run every test; last line "N passed, M failed"
#
# Idempotent: each step checks before it installs. Needs root (or sudo) for apt-get / npm -g.
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION="2.9.6"
MONGOSH_VERSION="2.12.0"
MODE="${1:-install}"

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

say() { echo "[setup] $*" >&2; }

need_apt=()
[ -e /usr/include/wiredtiger.h ] || need_apt+=(libwiredtiger-dev)
ldconfig -p 2>/dev/null | grep -q 'libwiredtiger.so.0' || need_apt+=(libwiredtiger0)
command -v gcc >/dev/null || need_apt+=(gcc libc6-dev)
command -v npm >/dev/null || need_apt+=(nodejs npm)
if [ "$MODE" = "test" ] && ! /usr/bin/python3 -c "import pymongo" >/dev/null 2>&1; then
  need_apt+=(python3-pymongo) # second-language client for tests/integration/pymongo_test.ts
fi
if [ "$MODE" = "test" ] && [ ! -x /usr/bin/chromium ]; then
  need_apt+=(chromium) # the admin dashboard's browser test (tests/integration/admin_browser_test.ts)
fi
if [ "$MODE" = "test" ] && ! /usr/bin/python3 -c "import pytest" >/dev/null 2>&1; then
  need_apt+=(python3-pytest) # the pytest plugin's scenario (tests/integration/packages_test.ts)
fi
if [ "$MODE" = "test" ] && ! /usr/bin/python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
  need_apt+=(python3-venv) # a venv to pip install packages/python into
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v deno >/dev/null || ! deno --version 2>/dev/null | grep -q "deno ${DENO_VERSION}"; then
  say "npm install -g deno@${DENO_VERSION}"
  $SUDO npm install -g --no-fund --no-audit "deno@${DENO_VERSION}" >/dev/null 2>&1
fi

if [ "$MODE" = "test" ] && ! command -v mongosh >/dev/null; then
  say "npm install -g mongosh@${MONGOSH_VERSION} (test client)"
  $SUDO npm install -g --no-fund --no-audit "mongosh@${MONGOSH_VERSION}" >/dev/null 2>&1
fi

say "deno install (npm dependencies)"
deno install --quiet >/dev/null 2>&1 || deno install
say "building the WiredTiger shim"
bash scripts/build_shim.sh
# `deno task start` runs this bundle while it matches the sources, else the sources (scripts/start.ts)
say "building the start bundle"
deno run -A scripts/build_start.ts || say "no start bundle: deno task start runs the sources"

case "$MODE" in
  start) exec deno run -A main.ts ;;
  test) exec bash scripts/test_all.sh ;;
  install) say "done" ;;
  *) echo "usage: bash scripts/setup.sh [start|test]" >&2; exit 2 ;;
esac
