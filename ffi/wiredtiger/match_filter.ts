/**
 * A simple filter (a conjunction of `ScalarMatchTerm`s) packed for the shim's C matcher
 * (shim/wt_match.h), which the `$group` fold (group.ts) and the filtered record scans (cursor.ts) take.
 */
import type { ScalarMatchTerm } from "../../src/bson/scalar_match_term.ts";

import { shim } from "./load.ts";

const enc = new TextEncoder();

/** wt_match.h's operators */
const MATCH_OPS = { in: 1, lt: 2, lte: 3, gt: 4, gte: 5, exists: 6, notExists: 7, nin: 8 } as const;
/** wt_match.h classes */
const CLASS = { null: 5, double: 10, long: 10, string: 15, objectId: 35, bool: 40, date: 45 } as const;

/**
 * `terms` packed as wt_match.h's sct_filter_parse reads them (their count is `terms.length`): for the
 * `$group` fold's filter (sct_group_set_filter) and the record scans' (sct_rec_scan_match).
 */
export function packMatchFilter(terms: readonly ScalarMatchTerm[]): Uint8Array {
  const parts: number[] = [];
  const u32 = (n: number) => parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  const bytes = (b: Uint8Array) => {
    for (const x of b) parts.push(x);
  };
  const i64 = (v: bigint) => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v, true);
    bytes(b);
  };
  for (const t of terms) {
    parts.push(MATCH_OPS[t.op], t.path.length);
    for (const p of t.path) {
      const b = enc.encode(p);
      u32(b.length);
      bytes(b);
    }
    u32(t.values.length);
    for (const v of t.values) {
      parts.push(CLASS[v.t]);
      switch (v.t) {
        case "null":
          break;
        case "bool":
          parts.push(v.v ? 1 : 0);
          break;
        case "long":
          parts.push(1);
          i64(v.v);
          break;
        case "double": {
          parts.push(0);
          const b = new Uint8Array(8);
          new DataView(b.buffer).setFloat64(0, v.v, true);
          bytes(b);
          break;
        }
        case "string": {
          const b = enc.encode(v.v);
          u32(b.length);
          bytes(b);
          break;
        }
        case "objectId":
          bytes(v.v);
          break;
        case "date":
          i64(v.v);
          break;
      }
    }
  }
  return Uint8Array.from(parts);
}

/**
 * The shim's C matcher on one stored document (`sct_filter_match_packed`, for tests): 1 passes, 0 fails,
 * -1 cannot tell (the JS matcher decides), -2 the document cannot be walked, -3 a malformed filter.
 */
export function matchStoredDocument(terms: readonly ScalarMatchTerm[], doc: Uint8Array): number {
  const f = packMatchFilter(terms);
  return shim().sct_filter_match_packed(
    f,
    f.length,
    terms.length,
    doc as Uint8Array<ArrayBuffer>,
    BigInt(doc.length),
  );
}
