#!/usr/bin/env bash
# Builds the SecantusDB WiredTiger shim (ffi/wiredtiger/shim/libsecantus_wt.so) from wt_shim.c and
# wt_preinit.c, wt_project.c, wt_group.c and wt_match.c, and the wire server's frame I/O thread (io_loop.c,
# io_conn.c, io_loop.h).
# Idempotent: does nothing when the library is newer than its source and this script.
# Needs gcc and libwiredtiger-dev (WiredTiger 3.2.1 headers); `deno task shim` runs it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/ffi/wiredtiger/shim"
src="$dir/wt_shim.c"
src2="$dir/wt_preinit.c"
src3="$dir/wt_project.c"
src4="$dir/wt_group.c"
src5="$dir/io_loop.c"
src6="$dir/io_conn.c"
src7="$dir/wt_match.c"
out="$dir/libsecantus_wt.so"
self="${BASH_SOURCE[0]}"

if [[ -f "$out" && "$out" -nt "$src" && "$out" -nt "$src2" && "$out" -nt "$src3" && "$out" -nt "$src4" && "$out" -nt "$src5" && "$out" -nt "$src6" && "$out" -nt "$src7" && "$out" -nt "$dir/io_loop.h" && "$out" -nt "$dir/wt_project.h" && "$out" -nt "$dir/wt_match.h" && "$out" -nt "$self" && "${1:-}" != "--force" ]]; then
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
gcc -O2 -shared -fPIC -Wall -Wextra -Wno-unused-parameter -o "$tmp" "$src" "$src2" "$src3" "$src4" "$src5" "$src6" "$src7" -lwiredtiger -lpthread
mv -f "$tmp" "$out"
echo "build_shim: built $out" >&2
