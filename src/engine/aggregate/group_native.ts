/**
 * group_native.ts — a pipeline's first `$group` folded by the storage engine inside its scan (issue
 * 18; storage/api.ts `ReadTxn.groupScan`, ffi/wiredtiger/shim/wt_group.c), for the shapes whose
 * result the engine computes exactly as `groupDocuments` would:
 *
 *   `{$group: {_id: "$f" | null, <out>: {$sum: "$x" | <number>} | {$avg: "$x" | <number>} | {$count: {}}
 *                                  | {$min | $max | $first | $last: "$x"}, …}}`
 *
 * with top-level field paths only, int/long/double constants and the simple collation (a leading
 * `$match` the engine can evaluate is match_native.ts).
 * `nativeGroupPlan` says whether a stage has that shape (and what to ask the engine for);
 * `nativeGroupDocs` turns the engine's groups (first-seen `_id` bytes, raw sums, the kept values of
 * `$min`/`$max`/`$first`/`$last`) into the documents `$group` would output — `_id` and kept values
 * decoded by the scan's own decoder, sums typed by `NumericSum`, so both paths share one definition
 * of the results. Pure.
 */
import { decodeFields } from "../../bson/partial_decode.ts";
import { makeStringComparator } from "../collation/collation.ts";
import { isObj } from "../expression/compile.ts";
import { numKind, toBig, toDouble } from "../expression/numeric.ts";
import { NumericSum } from "../expression/numeric_sum.ts";
import { accumulatorCost, GROUP_OVERHEAD } from "./group_cost.ts";
import type { Document } from "./types.ts";

/** What an accumulator keeps of a field: a running sum, or one of its values. */
export type NativeAccOp = "sum" | "min" | "max" | "first" | "last";

/** One accumulator's input: a top-level field (summed unless `op` says otherwise) or a numeric constant (BSON type, value). */
export type NativeGroupInput =
  | { readonly field: string; readonly op?: NativeAccOp }
  | { readonly type: 0x10 | 0x12 | 0x01; readonly value: number | bigint };

export interface NativeGroupPlan {
  /** The key's top-level field, or null for `_id: null`. */
  readonly key: string | null;
  /** What each accumulator sums, in output order. */
  readonly inputs: readonly NativeGroupInput[];
  /** Output field names and whether each is a mean (`$avg`) rather than a sum (or a kept value). */
  readonly outputs: readonly { readonly field: string; readonly avg: boolean }[];
  /** Heap bytes `$group` would count per group besides its key (group_cost.ts). */
  readonly perGroup: number;
}

/** Sums the engine folded (storage/api.ts `GroupSumParts`). */
export interface NativeSumParts {
  readonly intTotal: bigint;
  readonly dbl: number;
  readonly comp: number;
  readonly count: number;
  readonly kind: 0 | 1 | 2;
}

/** A value the engine kept (`$min`/`$max`/`$first`/`$last`): its BSON type and bytes. */
export interface NativeKeptValue {
  readonly type: number;
  readonly bytes: Uint8Array;
}

/** One engine group (storage/api.ts `GroupTableRow`). */
export interface NativeGroupRow {
  readonly idType: number;
  readonly idBytes: Uint8Array;
  /** Per accumulator: the sum's parts, or the kept value. */
  readonly sums: readonly (NativeSumParts | NativeKeptValue)[];
}

const VALUE_OPS: Readonly<Record<string, NativeAccOp>> = {
  $min: "min",
  $max: "max",
  $first: "first",
  $last: "last",
};

/** Most accumulators, and distinct fields besides the key, the engine folds (wt_group.c). */
const MAX_ACCS = 16;
const MAX_FIELDS = 16;

/** A `"$name"` path of one top-level field, or undefined. */
function topLevelField(v: unknown): string | undefined {
  if (typeof v !== "string" || v.length < 2 || v[0] !== "$" || v[1] === "$") return undefined;
  const name = v.slice(1);
  return name.includes(".") || name.includes("\0") ? undefined : name;
}

function input(arg: unknown): NativeGroupInput | undefined {
  const field = topLevelField(arg);
  if (field !== undefined) return { field };
  switch (numKind(arg)) {
    case "int":
      return { type: 0x10, value: toDouble(arg) };
    case "long":
      return { type: 0x12, value: toBig(arg) };
    case "double":
      return { type: 0x01, value: toDouble(arg) };
    default:
      return undefined; // a decimal, an expression, a non-number constant: the JS path
  }
}

/**
 * The plan of a `$group` stage document the engine can fold, or undefined. `collation` is the
 * pipeline's effective collation (only the simple one keeps string keys byte-compared).
 */
export function nativeGroupPlan(stage: unknown, collation: unknown): NativeGroupPlan | undefined {
  if (!isObj(stage)) return undefined;
  const keys = Object.keys(stage);
  if (keys.length !== 1 || keys[0] !== "$group") return undefined;
  const spec = stage["$group"];
  if (!isObj(spec) || !Object.hasOwn(spec, "_id")) return undefined;
  if (makeStringComparator(collation) !== undefined) return undefined;
  const id = spec["_id"];
  const key = id === null ? null : topLevelField(id);
  if (key === undefined) return undefined;
  const inputs: NativeGroupInput[] = [];
  const outputs: { field: string; avg: boolean }[] = [];
  const fields = new Set<string>();
  let perGroup = GROUP_OVERHEAD;
  for (const [field, acc] of Object.entries(spec)) {
    if (field === "_id") continue;
    if (!isObj(acc)) return undefined;
    const ops = Object.keys(acc);
    if (ops.length !== 1) return undefined;
    const op = ops[0]!;
    let inp: NativeGroupInput | undefined;
    const kept = VALUE_OPS[op];
    if (op === "$count") inp = { type: 0x10, value: 1 };
    else if (op === "$sum" || op === "$avg") inp = input(acc[op]);
    else if (kept !== undefined) {
      const f = topLevelField(acc[op]);
      inp = f === undefined ? undefined : { field: f, op: kept };
    }
    if (inp === undefined) return undefined;
    if ("field" in inp && inp.field !== key) fields.add(inp.field);
    inputs.push(inp);
    outputs.push({ field, avg: op === "$avg" });
    perGroup += accumulatorCost(op);
  }
  if (inputs.length > MAX_ACCS || fields.size > MAX_FIELDS) return undefined;
  return { key, inputs, outputs, perGroup };
}

const ID_FIELD = new Set(["_id"]);

/** A value (BSON type and bytes) as the scan's decoder decodes it. */
function decodeValue(type: number, bytes: Uint8Array): unknown {
  const len = 4 + 1 + 4 + bytes.length + 1;
  const doc = new Uint8Array(len);
  const dv = new DataView(doc.buffer);
  dv.setInt32(0, len, true);
  doc[4] = type;
  doc.set([0x5f, 0x69, 0x64, 0], 5); // "_id"
  doc.set(bytes, 9);
  return decodeFields(doc, ID_FIELD)["_id"] ?? null;
}

/** The documents `$group` outputs for the engine's groups (in their order). */
export function nativeGroupDocs(plan: NativeGroupPlan, rows: readonly NativeGroupRow[]): Document[] {
  const out: Document[] = [];
  for (const row of rows) {
    const doc: Document = { _id: decodeValue(row.idType, row.idBytes) };
    for (let i = 0; i < plan.outputs.length; i++) {
      const o = plan.outputs[i]!;
      const part = row.sums[i]!;
      if ("bytes" in part) {
        doc[o.field] = decodeValue(part.type, part.bytes);
        continue;
      }
      const s = NumericSum.fromParts(part);
      doc[o.field] = o.avg ? s.average() : s.result();
    }
    out.push(doc);
  }
  return out;
}

/**
 * What `$group` would count for `groups` groups whose `_id` values take `idBytes` bytes (an estimate
 * on the generous side of group_cost.ts: a key string per group besides the value).
 */
export function nativeGroupBytes(plan: NativeGroupPlan, groups: number, idBytes: number): number {
  return groups * (plan.perGroup + 48) + 3 * idBytes;
}
