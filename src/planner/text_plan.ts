/**
 * text_plan.ts — PURE. The access path of a `$text` query over its collection's text index, as
 * mongod's TEXT_OR reads it: one scan of the index entries of each query term (`[term]` on `_fts`,
 * any score), the record ids gathered and deduplicated, the documents fetched and then matched and
 * scored by the `$text` predicate (TEXT_MATCH). Used only when the index holds term entries (the
 * caller checks its catalog marker, keys/text_keys.ts `TEXT_TERM_KEYS`).
 *
 * A compound text index with prefix fields (`{category: 1, body: "text"}`) keeps each document's
 * entries under its prefix values, so mongod needs an equality on every prefix field in the same
 * query (top level or in a top-level `$and`; `$in` and ranges do not do) and reads only that
 * prefix's entries; without one its planner fails with 291 NoQueryExecutionPlans
 * (`textPrefixValues`).
 */
import type { IndexInfo, IxScanPath } from "./plan.ts";
import { extractPredicates, hasString, pointInterval, type ValueInterval } from "./bounds.ts";
import { buildBounds } from "./key_bounds.ts";
import { encodeValue } from "../keys/key_string.ts";
import { collationIdentity } from "../keys/collation_key.ts";
import { kindOf } from "../bson/values.ts";
import { CommandError } from "../errors/command_error.ts";
import type { Document as Doc } from "../bson/document.ts";

/** The text index's prefix fields (the key fields before `_fts`). */
export function textPrefixFields(key: Doc): string[] {
  const fields = Object.keys(key);
  const at = fields.indexOf("_fts");
  return at < 0 ? [] : fields.slice(0, at);
}

/**
 * The collations a prefix equality is compared under: the query's (its own, else the collection's
 * default) and the text index's (a text index has none on mongod, which refuses to create one with
 * a collation; one created by an earlier SecantusDB may carry its collection's default). Undefined or
 * `{locale: "simple"}` = binary.
 */
export interface TextCollations {
  readonly query: unknown;
  readonly index: unknown;
}

/** Values mongod's planner compares under a collation (strings, arrays, objects). */
function collationSensitive(v: unknown): boolean {
  const k = kindOf(v);
  return k === "string" || k === "symbol" || k === "array" || k === "object";
}

/**
 * The equality value of each prefix field of the text index (in key order; `[]` without prefix), or
 * undefined when the caller must scan (an index with a collation holds raw strings, which no
 * string bound can read under it). Throws mongod's planner error 291 when a prefix field has no
 * equality, or only one the index cannot answer: a string / array / object compared under another
 * collation than the index's (QueryPlannerIXSelect's collator check).
 */
export function textPrefixValues(
  filter: Doc,
  prefix: readonly string[],
  ns: string,
  collations: TextCollations = { query: undefined, index: undefined },
): unknown[] | undefined {
  if (prefix.length === 0) return [];
  const preds = extractPredicates(filter, false);
  const same = collationIdentity(collations.query) === collationIdentity(collations.index);
  const values: unknown[] = [];
  for (const f of prefix) {
    const eq = preds.get(f)?.find((p) => p.kind === "eq" && !p.missing);
    if (eq === undefined || eq.kind !== "eq" || (!same && collationSensitive(eq.value))) {
      throw new CommandError(
        "NoQueryExecutionPlans",
        `error processing query: ns=${ns} planner returned error :: caused by :: failed to use text index ` +
          "to satisfy $text query (if text index is compound, are equality predicates given for all prefix fields?)",
      );
    }
    values.push(eq.value);
  }
  const rawStrings = collationIdentity(collations.index) !== undefined;
  return rawStrings && values.some(hasString) ? undefined : values;
}

/**
 * The TEXT_OR scan of `terms` (sorted, unique) over text index `ix` under the equality values of its
 * prefix fields (`prefixValues`, in key order), or undefined when unusable.
 */
export function textScanPath(
  ix: IndexInfo,
  terms: readonly string[],
  parsed?: Record<string, unknown>,
  prefixValues: readonly unknown[] = [],
): IxScanPath | undefined {
  const fields = Object.keys(ix.key);
  if (fields[prefixValues.length] !== "_fts") return undefined;
  const points: ValueInterval[] = terms.map((t) => {
    const end = { bytes: encodeValue(t), incl: true, display: JSON.stringify(t) };
    return { lo: end, hi: end, point: true };
  });
  const dirs = fields.map((f, i) => (i < prefixValues.length && Number(ix.key[f]) < 0 ? -1 : 1) as 1 | -1);
  const b = buildBounds(fields, dirs, [
    ...prefixValues.map((v) => [pointInterval(v)]),
    points,
    ...fields.slice(prefixValues.length + 1).map(() => undefined),
  ]);
  const indexPrefix: Record<string, unknown> = {};
  prefixValues.forEach((v, i) => indexPrefix[fields[i]!] = v);
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
    text: { terms, ...(parsed ? { parsed } : {}), ...(prefixValues.length ? { indexPrefix } : {}) },
  };
}
