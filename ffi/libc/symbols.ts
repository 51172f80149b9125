/**
 * The one dlopen symbol table for the C library (glibc's `libc.so.6`, Linux) and its loader: the
 * systemd notification socket calls (sd_notify.ts) and glibc's allocator controls (malloc.ts).
 * glibc-only symbols are `optional` (null elsewhere, e.g. musl), so opening never fails on them.
 */

const USIZE = "usize" as const;

export const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  /** glibc: returns free heap memory to the system; on an FFI thread (it locks each arena in turn). */
  malloc_trim: { parameters: [USIZE], result: "i32", nonblocking: true, optional: true },
  /** glibc: sets an allocator parameter (M_ARENA_MAX, M_MMAP_THRESHOLD …); returns 1 on success. */
  mallopt: { parameters: ["i32", "i32"], result: "i32", optional: true },
  /** glibc ≥ 2.33: `struct mallinfo2`, ten `size_t` fields (arena … fordblks, keepcost). */
  mallinfo2: {
    parameters: [],
    result: { struct: [USIZE, USIZE, USIZE, USIZE, USIZE, USIZE, USIZE, USIZE, USIZE, USIZE] },
    optional: true,
  },
} as const;

export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>;

let lib: Libc | undefined;

/** The C library, opened once (throws when it cannot be: not Linux, no libc.so.6). */
export function libc(): Libc {
  lib ??= Deno.dlopen("libc.so.6", SYMBOLS);
  return lib;
}
