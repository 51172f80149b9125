/**
 * text_plan.ts — PURE. The access path of a `$text` query over its collection's text index, as
 * mongod's TEXT_OR reads it: one scan of the index entries of each query term (`[term]` on `_fts`,
 * any score), the record ids gathered and deduplicated, the documents fetched and then matched and
 * scored by the `$text` predicate (TEXT_MATCH). Used only when the index holds term entries (the
 * caller checks its catalog marker, keys/text_keys.ts `TEXT_TERM_KEYS`) and has no prefix fields
 * (mongod would need equality on them).
 */
import type { IndexInfo, IxScanPath } from "./plan.ts";
import { buildBounds, type ValueInterval } from "./bounds.ts";
import { encodeValue } from "../keys/key_string.ts";

/** The TEXT_OR scan of `terms` (sorted, unique) over text index `ix`, or undefined when unusable. */
export function textScanPath(
  ix: IndexInfo,
  terms: readonly string[],
  parsed?: Record<string, unknown>,
): IxScanPath | undefined {
  const fields = Object.keys(ix.key);
  if (fields[0] !== "_fts") return undefined;
  const points: ValueInterval[] = terms.map((t) => {
    const end = { bytes: encodeValue(t), incl: true, display: JSON.stringify(t) };
    return { lo: end, hi: end, point: true };
  });
  const dirs = fields.map(() => 1 as const);
  const b = buildBounds(fields, dirs, [points, ...fields.slice(1).map(() => undefined)]);
  return {
    kind: "ixScan",
    indexName: ix.name,
    keyPattern: ix.key,
    unique: false,
    multikey: true,
    sparse: false,
    partial: false,
    intervals: terms.length === 0 ? [] : b.intervals,
    reverse: false,
    indexBounds: {},
    providesSort: false,
    dedup: true,
    score: 0,
    text: { terms, ...(parsed ? { parsed } : {}) },
  };
}
