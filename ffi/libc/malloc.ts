/**
 * glibc's allocator, as the idle trimmer (src/observability/malloc_trim.ts) needs it: how much freed
 * memory the heap holds (`mallinfo2().fordblks`) and `malloc_trim(0)`, which gives it back to the
 * system. glibc keeps what it freed in its arenas (measured: 205 of 308 MB free after a 200 MB load,
 * RSS staying ~410 MiB). Both answer "unsupported" (undefined / false) without glibc.
 */
import { libc, SYMBOLS } from "./symbols.ts";

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

/**
 * `mallopt` on its own, for tuneMalloc at server start: Deno compiles a call trampoline per bound
 * symbol, and binding all of libc's (symbols.ts) cost 2–14 ms of the start against ~0.8 ms for this one
 * (issue 18, cold start); the rest bind when the trimmer or sd_notify first need them. Called a few
 * times once, so not even that: through `Deno.UnsafeFnPointer` at the address a `dlopen` of it as a
 * static gives (no trampoline; ~0.5 ms less).
 */
let malloptFn: ((param: number, value: number) => number) | null | undefined;
/** The library handle behind malloptFn, referenced while the process lives (never collected). */
const malloptHandles: Deno.DynamicLibrary<{ mallopt: { type: "pointer" } }>[] = [];

function glibcMallopt() {
  if (Deno.build.os !== "linux") return undefined;
  if (malloptFn === undefined) {
    try {
      const lib = Deno.dlopen("libc.so.6", { mallopt: { type: "pointer" } });
      malloptHandles.push(lib);
      const address = lib.symbols.mallopt as Deno.PointerObject<typeof SYMBOLS.mallopt> | null;
      const fn = address === null ? null : new Deno.UnsafeFnPointer(address, SYMBOLS.mallopt);
      malloptFn = fn && ((param, value) => fn.call(param, value));
    } catch {
      malloptFn = null;
    }
  }
  return malloptFn ?? undefined;
}

/** Free bytes glibc's arenas hold (not returned to the system), or undefined without glibc ≥ 2.33. */
export function mallocFreeBytes(): number | undefined {
  const info = glibc()?.mallinfo2?.();
  if (!info) return undefined;
  return Number(new BigUint64Array(info.buffer, info.byteOffset, 10)[FORDBLKS]);
}

/** glibc's heap figures (`struct mallinfo2`, bytes), as serverStatus reports them. */
export type MallocInfo = {
  /** Bytes obtained from the system for the arenas (sbrk'd main arena + mmapped thread arenas). */
  readonly arenaBytes: number;
  /** Bytes in chunks mmapped on their own (large allocations; unmapped when freed). */
  readonly mmapBytes: number;
  /** Bytes in use in the arenas. */
  readonly inUseBytes: number;
  /** Free bytes the arenas hold (resident unless trimmed). */
  readonly freeBytes: number;
  /** Free bytes at the top of the main arena (what a plain trim could return). */
  readonly topFreeBytes: number;
};

/** The whole `mallinfo2`, or undefined without glibc ≥ 2.33. */
export function mallocInfo(): MallocInfo | undefined {
  const info = glibc()?.mallinfo2?.();
  if (!info) return undefined;
  const f = new BigUint64Array(info.buffer, info.byteOffset, 10);
  const at = (i: number) => Number(f[i] ?? 0n);
  // arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost
  return { arenaBytes: at(0), mmapBytes: at(4), inUseBytes: at(7), freeBytes: at(8), topFreeBytes: at(9) };
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

/** glibc's mallopt parameters (malloc.h). */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
const M_ARENA_MAX = -8;

/** The allocator settings `tuneMalloc` applies (docs/robustness.md, memory of the 2 GB sort). */
export const MALLOC_TUNING = {
  /** Arenas for all threads but the first (glibc's default: 8 per core, each keeping its own free memory). */
  arenaMax: 2,
  /**
   * Allocations of at least this size get their own mapping, returned to the system when freed. glibc's
   * default starts at 128 KiB but rises to the size of each large block freed (up to 32 MiB), after
   * which multi-megabyte blocks (a sort's 8 MiB chunks, 5–16 MB request and reply buffers) come from
   * the arenas and stay resident as free memory there. Not lower: the 1 MiB scan batch and spill
   * buffers are allocated and freed all the time, and mapping each one (zeroed pages, faults) halved
   * a raw collection scan's throughput at 256 KiB (bench/scan_filter_bench.ts).
   */
  mmapThresholdBytes: 4 * 1024 * 1024,
  /** Free memory at the top of an arena past which it is given back (fixed: the default moves too). */
  trimThresholdBytes: 1024 * 1024,
  /**
   * The frame I/O thread's idle cushion (shim/io_loop.c io_cushion): its arena's next pages faulted in
   * before the requests answered there need them. Half the trim threshold, so a freed cushion stays in
   * the arena's top. Inserts at one connection +10–18 % (issue 18, 28th session).
   */
  ioCushionBytes: 512 * 1024,
} as const;

/** Whether `tuneMalloc` set MALLOC_TUNING's trim threshold (what keeps the I/O thread's cushion resident). */
let trimThresholdSet = false;

/**
 * The I/O thread's idle cushion in bytes: MALLOC_TUNING's once `tuneMalloc` set the trim threshold it
 * relies on, else 0 (an operator's threshold, or glibc's moving default, could give each freed cushion
 * back to the system, so every idle moment would fault it in again).
 */
export function ioCushionBytes(): number {
  return trimThresholdSet ? MALLOC_TUNING.ioCushionBytes : 0;
}

/** How the environment sets each parameter (an operator's setting wins over `tuneMalloc`'s). */
const SET_BY_ENV = [
  ["MALLOC_ARENA_MAX", "glibc.malloc.arena_max"],
  ["MALLOC_MMAP_THRESHOLD_", "glibc.malloc.mmap_threshold"],
  ["MALLOC_TRIM_THRESHOLD_", "glibc.malloc.trim_threshold"],
] as const;

/**
 * Applies MALLOC_TUNING through mallopt at server start. Threads that already have an arena keep it
 * (Deno's own start several), so the arena limit binds only threads that first allocate after it
 * (WiredTiger's); `GLIBC_TUNABLES=glibc.malloc.arena_max=2` in the environment binds them all
 * (deploy/secantusdb.service). A parameter the environment sets (its MALLOC_* variable or its
 * GLIBC_TUNABLES entry) is left alone. Does nothing without glibc; returns how many it set.
 */
export function tuneMalloc(env: (name: string) => string | undefined = (n) => Deno.env.get(n)): number {
  const mallopt = glibcMallopt();
  if (!mallopt) return 0;
  const tunables = env("GLIBC_TUNABLES") ?? "";
  const values = [
    [M_ARENA_MAX, MALLOC_TUNING.arenaMax],
    [M_MMAP_THRESHOLD, MALLOC_TUNING.mmapThresholdBytes],
    [M_TRIM_THRESHOLD, MALLOC_TUNING.trimThresholdBytes],
  ] as const;
  let set = 0;
  values.forEach(([param, value], i) => {
    const [variable, tunable] = SET_BY_ENV[i]!;
    if (env(variable) !== undefined || tunables.includes(tunable)) return;
    if (mallopt(param, value) !== 1) return;
    set++;
    if (param === M_TRIM_THRESHOLD) trimThresholdSet = true;
  });
  return set;
}
