/**
 * match_native.ts — a leading `$match` the storage engine evaluates inside its `$group` fold (issue
 * 18, ffi/wiredtiger/shim/wt_match.c): `nativeMatchPlan` says whether a filter is a conjunction the
 * engine decides exactly as the JS matcher (engine/query/value_tests.ts) does, and turns it into
 * terms. Pure.
 *
 * Folded: `{path: <scalar>}`, `{path: {$eq | $ne | $gt | $gte | $lt | $lte: <scalar>, $in | $nin:
 * [<scalar>, …], $exists: <bool | number>}}` and `$and` of such filters, with top-level or dotted paths
 * (numeric components included) and scalars that are numbers (int, long, double; NaN included),
 * strings, booleans, null, ObjectIds and dates. Anything else (`$or`, regexes, documents, arrays,
 * decimals, …) leaves the pipeline to JS. The engine walks paths through arrays as the JS matcher does
 * (wt_match.c); a record holding a value of another type on the path is handed to the JS matcher one
 * at a time.
 */
import { isDocument, kindOf } from "../../bson/values.ts";
import { isOperatorDocument } from "../query/field_ops.ts";
import { toBig, toDouble } from "../expression/numeric.ts";
import type { ScalarMatchOp, ScalarMatchTerm, ScalarOperand } from "../../bson/scalar_match_term.ts";

/** One operand (C class in wt_match.h). */
export type NativeMatchValue = ScalarOperand;

export type NativeMatchOp = ScalarMatchOp;

/** One condition on one path; the filter is their conjunction. */
export type NativeMatchTerm = ScalarMatchTerm;

/** Most terms and path components the engine takes (wt_match.h). */
const MAX_TERMS = 32;
const MAX_PARTS = 8;

const CMP: Readonly<Record<string, NativeMatchOp>> = { $lt: "lt", $lte: "lte", $gt: "gt", $gte: "gte" };

function scalar(x: unknown): NativeMatchValue | undefined {
  switch (kindOf(x)) {
    case "null":
      return { t: "null" };
    case "bool":
      return typeof x === "boolean" ? { t: "bool", v: x } : undefined;
    case "int":
    case "double":
      return { t: "double", v: toDouble(x) };
    case "long":
      return { t: "long", v: toBig(x) };
    case "string":
      // a lone surrogate would not survive UTF-8 encoding
      return typeof x === "string" && x.isWellFormed() ? { t: "string", v: x } : undefined;
    case "objectId": {
      const id = (x as { id?: unknown }).id;
      return id instanceof Uint8Array && id.length === 12
        ? { t: "objectId", v: Uint8Array.from(id) }
        : undefined;
    }
    case "date": {
      const ms = (x as Date).getTime();
      return Number.isFinite(ms) ? { t: "date", v: BigInt(ms) } : undefined;
    }
    default:
      return undefined;
  }
}

function pathOf(key: string): string[] | undefined {
  const parts = key.split(".");
  if (parts.length > MAX_PARTS) return undefined;
  for (const p of parts) {
    if (p === "" || p[0] === "$" || p.includes("\0")) return undefined;
  }
  return parts;
}

function addTerms(filter: unknown, out: NativeMatchTerm[]): boolean {
  if (!isDocument(filter) || Array.isArray(filter)) return false;
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    if (key === "$and") {
      if (!Array.isArray(value) || value.length === 0) return false;
      for (const f of value) if (!addTerms(f, out)) return false;
      continue;
    }
    const path = pathOf(key);
    if (path === undefined) return false;
    if (!isOperatorDocument(value)) {
      const v = scalar(value);
      if (v === undefined) return false;
      out.push({ path, op: "in", values: [v] });
      continue;
    }
    for (const [op, arg] of Object.entries(value)) {
      if (op === "$eq" || op === "$ne" || CMP[op] !== undefined) {
        const v = scalar(arg);
        if (v === undefined) return false;
        out.push({ path, op: op === "$eq" ? "in" : op === "$ne" ? "nin" : CMP[op]!, values: [v] });
      } else if (op === "$in" || op === "$nin") {
        if (!Array.isArray(arg)) return false;
        const values: NativeMatchValue[] = [];
        for (const x of arg) {
          const v = scalar(x);
          if (v === undefined) return false;
          values.push(v);
        }
        out.push({ path, op: op === "$in" ? "in" : "nin", values });
      } else if (op === "$exists") {
        if (typeof arg !== "boolean" && typeof arg !== "number") return false;
        out.push({ path, op: arg === false || arg === 0 ? "notExists" : "exists", values: [] });
      } else return false;
    }
  }
  return out.length <= MAX_TERMS;
}

/**
 * The terms of a filter the engine evaluates exactly (an empty list for `{}`), or undefined. Only for
 * the simple collation (the caller checks): strings compare by their bytes.
 */
export function nativeMatchPlan(filter: unknown): NativeMatchTerm[] | undefined {
  const out: NativeMatchTerm[] = [];
  return addTerms(filter, out) ? out : undefined;
}
