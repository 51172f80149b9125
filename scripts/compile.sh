#!/usr/bin/env bash
# Builds the single executable dist/secantusdb with the WiredTiger shim embedded (--include).
# deno compile needs Deno's `denort` runtime: set DENORT_BIN to a local denort where the download
# host is unreachable (as on our build machines).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build_shim.sh
mkdir -p dist
deno compile -A --output dist/secantusdb \
  --include ffi/wiredtiger/shim/libsecantus_wt.so \
  main.ts
echo "built dist/secantusdb"
