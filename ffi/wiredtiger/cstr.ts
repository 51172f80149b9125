/** NUL-terminated string buffers for the shim's `const char*` parameters (memoised: configs repeat). */

const enc = new TextEncoder();
const memo = new Map<string, Uint8Array>();

/** `s` as UTF-8 plus a trailing NUL; `undefined` → null (no config). Throws on embedded NUL. */
export function cstr(s: string | undefined): Uint8Array | null {
  if (s === undefined) return null;
  let b = memo.get(s);
  if (b === undefined) {
    if (s.includes("\0")) throw new TypeError("string contains a NUL character");
    b = enc.encode(s + "\0");
    if (memo.size < 1024) memo.set(s, b);
  }
  return b;
}
