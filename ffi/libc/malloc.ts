/**
 * glibc's allocator, as the idle trimmer (src/observability/malloc_trim.ts) needs it: how much freed
 * memory the heap holds (`mallinfo2().fordblks`) and `malloc_trim(0)`, which gives it back to the
 * system. glibc keeps what it freed in its arenas (measured: 205 of 308 MB free after a 200 MB load,
 * RSS staying ~410 MiB). Both answer "unsupported" (undefined / false) without glibc.
 */
import { libc } from "./symbols.ts";

/** Index of `fordblks` (total free bytes in the arenas) in `struct mallinfo2`. */
const FORDBLKS = 8;

function glibc() {
  if (Deno.build.os !== "linux") return undefined;
  try {
    return libc().symbols;
  } catch {
    return undefined;
  }
}

/** Free bytes glibc's arenas hold (not returned to the system), or undefined without glibc ≥ 2.33. */
export function mallocFreeBytes(): number | undefined {
  const info = glibc()?.mallinfo2?.();
  if (!info) return undefined;
  return Number(new BigUint64Array(info.buffer, info.byteOffset, 10)[FORDBLKS]);
}

/**
 * `malloc_trim(0)` on an FFI thread (the event loop keeps running): true when memory was returned,
 * false when none was or there is no glibc.
 */
export async function mallocTrim(): Promise<boolean> {
  const trim = glibc()?.malloc_trim;
  if (!trim) return false;
  return (await trim(0n)) === 1;
}
