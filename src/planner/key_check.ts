/**
 * key_check.ts — PURE. The key check of an index scan: mongod's index bounds on the fields of a compound
 * key past those its intervals are built from (key_bounds.ts stops at the first field that is not a
 * point, or that an interval product cannot take). An ESR index `{status: 1, priority: -1, runAt: 1}`
 * scanned for `{status: "queued", runAt: {$lte: t}}` in priority order has every priority in its
 * intervals, but the runAt test still lies in each key: the storage engine skips an entry whose value
 * is outside the field's intervals (ffi/wiredtiger/shim/wt_key_check.c) instead of reading its record for
 * the filter to reject. The bounds stay a superset of the matches (key_bounds.ts's contract), so the
 * check never drops a key of a matching document; the fetched records are still matched against the
 * whole filter.
 *
 * Packed for the shim, little-endian: u16 key field count K and K bytes (0, or 0xff for a descending
 * field), u16 checked field count, then per checked field in key order: u16 field index, u16 interval
 * count, per interval: u8 flags (1 lower end, 2 it is strict, 4 upper end, 8 it is strict), u16 length
 * + the lower end's bytes, u16 length + the upper end's bytes — ends in the key's own byte order.
 */

/** One interval of a checked field in key byte order: a value v passes when lo ≤ v ≤ hi (strict: <). */
export interface CheckInterval {
  readonly lo?: Uint8Array | undefined;
  readonly loStrict: boolean;
  readonly hi?: Uint8Array | undefined;
  readonly hiStrict: boolean;
}

/** A field of the key to check: its position and the intervals its value must lie in (any of them). */
export interface CheckedField {
  readonly field: number;
  readonly intervals: readonly CheckInterval[];
}

/** Intervals of one field past which the check is not made (each key would test them one by one). */
export const CHECK_INTERVALS_MAX = 64;

/** Longest interval end the packing takes (a u16 length). */
const END_MAX = 0xffff;

/** The packed check of `fields` for a key of these directions, or undefined when there is none to make. */
export function packKeyCheck(
  dirs: readonly (1 | -1)[],
  fields: readonly CheckedField[],
): Uint8Array | undefined {
  const usable = fields.filter((f) =>
    f.intervals.length > 0 && f.intervals.length <= CHECK_INTERVALS_MAX &&
    f.intervals.every((iv) => (iv.lo?.length ?? 0) <= END_MAX && (iv.hi?.length ?? 0) <= END_MAX)
  );
  if (usable.length === 0) return undefined;
  let size = 2 + dirs.length + 2;
  for (const f of usable) {
    size += 4;
    for (const iv of f.intervals) size += 1 + 2 + (iv.lo?.length ?? 0) + 2 + (iv.hi?.length ?? 0);
  }
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let at = 0;
  dv.setUint16(at, dirs.length, true);
  at += 2;
  for (const d of dirs) out[at++] = d === -1 ? 0xff : 0;
  dv.setUint16(at, usable.length, true);
  at += 2;
  for (const f of usable) {
    dv.setUint16(at, f.field, true);
    dv.setUint16(at + 2, f.intervals.length, true);
    at += 4;
    for (const iv of f.intervals) {
      out[at++] = (iv.lo ? 1 : 0) | (iv.lo && iv.loStrict ? 2 : 0) | (iv.hi ? 4 : 0) |
        (iv.hi && iv.hiStrict ? 8 : 0);
      for (const end of [iv.lo, iv.hi]) {
        const bytes = end ?? new Uint8Array(0);
        dv.setUint16(at, bytes.length, true);
        out.set(bytes, at + 2);
        at += 2 + bytes.length;
      }
    }
  }
  return out;
}

/**
 * Does a field value's key bytes `v` pass a checked field's intervals? The JS mirror of the shim's test
 * (for tests and explain-only callers): byte order, as the key compares.
 */
export function passesIntervals(v: Uint8Array, intervals: readonly CheckInterval[]): boolean {
  return intervals.some((iv) => {
    if (iv.lo) {
      const c = cmp(v, iv.lo);
      if (c < 0 || (c === 0 && iv.loStrict)) return false;
    }
    if (iv.hi) {
      const c = cmp(v, iv.hi);
      if (c > 0 || (c === 0 && iv.hiStrict)) return false;
    }
    return true;
  });
}

function cmp(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
