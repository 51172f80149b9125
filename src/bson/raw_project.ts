/**
 * raw_project.ts — a find's plain top-level projection (`{a: 1, b: 1}`, `{pad: 0}`, `_id` in or out)
 * applied to the stored BSON bytes: the kept elements are copied as they are, nothing is decoded or
 * encoded (decoding a 1 KB document to keep one field cost ~3× returning it whole). The answer is
 * mongod's: an inclusion puts `_id` first, then the kept fields in stored order; an exclusion keeps
 * stored order.
 */
import { valueByteLength } from "./value_length.ts";

/** A plain top-level projection: names without dots or operators, `_id` decided apart. */
export interface TopLevelProjection {
  /** Inclusion (keep `names`) or exclusion (drop them). */
  readonly include: boolean;
  /** The field names, `_id` not among them. */
  readonly names: readonly string[];
  /** Whether `_id` is kept. */
  readonly keepId: boolean;
}

const encoder = new TextEncoder();

/**
 * The function projecting stored bytes by `p`; it answers undefined for a document it leaves to the
 * decoding path (a repeated `_id`, a repeated kept name, bytes it cannot walk).
 */
export function rawProjector(p: TopLevelProjection): (bytes: Uint8Array) => Uint8Array | undefined {
  const names = p.names.map((n) => encoder.encode(n));
  return (bytes) => projectTopLevel(bytes, p.include, names, p.keepId);
}

function int32At(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Index of the name bytes[from, to) in `names`, or -1. */
function nameIndex(b: Uint8Array, from: number, to: number, names: readonly Uint8Array[]): number {
  const len = to - from;
  outer: for (let n = 0; n < names.length; n++) {
    const name = names[n]!;
    if (name.length !== len) continue;
    for (let k = 0; k < len; k++) if (name[k] !== b[from + k]) continue outer;
    return n;
  }
  return -1;
}

function projectTopLevel(
  b: Uint8Array,
  include: boolean,
  names: readonly Uint8Array[],
  keepId: boolean,
): Uint8Array | undefined {
  if (b.length < 5) return undefined;
  const end = int32At(b, 0) - 1; // the terminating zero
  if (end < 4 || end >= b.length) return undefined;
  const ranges: number[] = []; // kept [start, end) pairs, stored order, `_id` apart
  let idStart = -1;
  let idEnd = -1;
  let size = 5;
  let seen = 0; // inclusion: the kept names met so far (a bit each, at most 31 names)
  if (include && names.length > 31) return undefined;
  for (let i = 4; i < end;) {
    const t = b[i]!;
    const nameStart = i + 1;
    let k = nameStart;
    while (k < end && b[k] !== 0) k++;
    const v = k + 1;
    const vlen = valueByteLength(t, b, v);
    if (vlen < 0 || v + vlen > end) return undefined;
    const next = v + vlen;
    if (
      k - nameStart === 3 && b[nameStart] === 0x5f && b[nameStart + 1] === 0x69 && b[nameStart + 2] === 0x64
    ) {
      if (idStart >= 0) return undefined;
      idStart = i;
      idEnd = next;
      if (keepId && !include) {
        ranges.push(i, next);
        size += next - i;
      }
    } else {
      const n = nameIndex(b, nameStart, k, names);
      if ((n >= 0) === include) {
        if (include) {
          if (seen & (1 << n)) return undefined;
          seen |= 1 << n;
        }
        ranges.push(i, next);
        size += next - i;
      }
    }
    i = next;
  }
  const withId = include && keepId && idStart >= 0;
  if (withId) size += idEnd - idStart;
  const out = new Uint8Array(size);
  out[0] = size & 0xff;
  out[1] = (size >>> 8) & 0xff;
  out[2] = (size >>> 16) & 0xff;
  out[3] = (size >>> 24) & 0xff;
  let o = 4;
  if (withId) {
    out.set(b.subarray(idStart, idEnd), o);
    o += idEnd - idStart;
  }
  for (let r = 0; r < ranges.length; r += 2) {
    out.set(b.subarray(ranges[r]!, ranges[r + 1]!), o);
    o += ranges[r + 1]! - ranges[r]!;
  }
  return out; // out[size - 1] is the terminating zero already
}
