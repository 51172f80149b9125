#!/usr/bin/env bash
# Builds the single executable dist/secantusdb with the WiredTiger shim embedded (--include).
# deno compile needs Deno's `denort` runtime: set DENORT_BIN to a local denort where the download
# host is unreachable (as on our build machines).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build_shim.sh
mkdir -p dist
# --v8-flags: V8's young generation at 2 x 8 MiB instead of up to 2 x 32 (docs/robustness.md, memory), starting
# at 2 x 4 MiB: no scavenge before the first ping (docs/performance.md, cold start)
deno compile -A --v8-flags=--max-semi-space-size=8,--min-semi-space-size=4 --output dist/secantusdb \
  --include ffi/wiredtiger/shim/libsecantus_wt.so \
  main.ts
echo "built dist/secantusdb"
