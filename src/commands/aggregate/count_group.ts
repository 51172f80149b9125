/**
 * The pipeline drivers send for countDocuments — `[$match, $skip?, $limit?, {$group: {_id: <constant>,
 * n: {$sum: 1}}}]` — and the same with a closing `{$count: "n"}` (mongod's `$group` of `_id: null` and
 * a `$project` of the count alone) recognised so that its one output document is made from a count
 * (commands/shared/count_matches.ts: index entries alone when the bounds answer the filter) instead of
 * reading and grouping every matching document. The group is the one `$group` would make: `_id` first,
 * each `{$sum: 1}` field the count (an int while it fits, else a long), and no group at all when
 * nothing matches; `$count`'s document holds its field alone.
 */
import { Long } from "bson";
import type { Doc } from "../spec.ts";
import { isPlainDoc } from "../../bson/type_name.ts";

export interface CountGroup {
  readonly id: unknown;
  readonly fields: readonly string[];
  /** A `$count` stage's document: its field alone, no `_id`. */
  readonly noId?: true;
}

/**
 * The stage's `_id` and count fields when it is such a `$group` or a `$count` (its spec already
 * validated by the pipeline's compile), else undefined.
 */
export function countGroupOf(stage: unknown): CountGroup | undefined {
  if (!isPlainDoc(stage)) return undefined;
  const counted = (stage as Doc)["$count"];
  if (typeof counted === "string" && Object.keys(stage as Doc).length === 1) {
    return { id: null, fields: [counted], noId: true };
  }
  const spec = (stage as Doc)["$group"];
  if (!isPlainDoc(spec) || Object.keys(stage as Doc).length !== 1) return undefined;
  const entries = Object.entries(spec as Doc);
  if (entries.length < 2 || entries[0]![0] !== "_id") return undefined;
  const id = entries[0]![1];
  // a constant key: not a field path, an expression or a variable
  if (
    !(id === null || typeof id === "number" || typeof id === "boolean" ||
      (typeof id === "string" && !id.startsWith("$")))
  ) {
    return undefined;
  }
  const fields: string[] = [];
  for (const [name, acc] of entries.slice(1)) {
    if (!isPlainDoc(acc)) return undefined;
    const ops = Object.entries(acc as Doc);
    if (ops.length !== 1 || ops[0]![0] !== "$sum" || ops[0]![1] !== 1) return undefined;
    fields.push(name);
  }
  return { id, fields };
}

/** The groups `$group` makes of `n` documents. */
export function countGroupOutput(g: CountGroup, n: number): Doc[] {
  if (n === 0) return [];
  const value = n <= 0x7fffffff ? n : Long.fromNumber(n);
  const doc: Doc = g.noId ? {} : { _id: g.id };
  for (const f of g.fields) doc[f] = value;
  return [doc];
}
