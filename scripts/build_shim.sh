#!/usr/bin/env bash
# Builds the SecantusDB WiredTiger shim (ffi/wiredtiger/shim/libsecantus_wt.so) from every C source in
# that folder: the WiredTiger shim (wt_*.c: records, indexes, scans, projection, $group/$match folds,
# range truncate), the wire server's frame I/O thread (io_*.c) and `deno task start`'s file check
# (start_check.c). A new .c or .h there is picked up.
# Idempotent: does nothing when the library is newer than every source and this script.
# Needs gcc and libwiredtiger-dev (WiredTiger 3.2.1 headers); `deno task shim` runs it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/ffi/wiredtiger/shim"
out="$dir/libsecantus_wt.so"
self="${BASH_SOURCE[0]}"
shopt -s nullglob
srcs=("$dir"/*.c)
deps=("${srcs[@]}" "$dir"/*.h "$self")

fresh=1
[[ -f "$out" && "${1:-}" != "--force" ]] || fresh=0
for f in "${deps[@]}"; do
  [[ "$out" -nt "$f" ]] || fresh=0
done
if [[ $fresh == 1 ]]; then
  exit 0
fi
if ! command -v gcc >/dev/null 2>&1; then
  echo "build_shim: gcc not found (install build-essential)" >&2
  exit 1
fi
if [[ ! -f /usr/include/wiredtiger.h ]]; then
  echo "build_shim: /usr/include/wiredtiger.h not found (apt-get install libwiredtiger-dev)" >&2
  exit 1
fi
tmp="$out.tmp.$$"
gcc -O2 -shared -fPIC -Wall -Wextra -Wno-unused-parameter -o "$tmp" "${srcs[@]}" -lwiredtiger -lpthread
mv -f "$tmp" "$out"
echo "build_shim: built $out" >&2
