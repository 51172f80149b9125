/**
 * upsert_seed.ts — `upsertSeed(filter)`: the document an upsert starts from, built from the filter's
 * equality conditions (`{a: 1}`, `{a: {$eq: 1}}`, `{"b.c": 2}`, and those inside top-level `$and`),
 * including `_id`, and an `$or` of one clause. Regexes, operator conditions other than `$eq`, and other
 * `$or`s and `$nor` contribute nothing.
 * Two equalities on the same or overlapping paths → 54 NotSingleValueField, as mongod.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import { cloneDeep, resolveForWrite, writeAt } from "../path/mutate.ts";
import { splitPath } from "../path/field_path.ts";
import { isOperatorDocument } from "../query/field_ops.ts";
import { isRegexValue } from "../query/regex.ts";
import type { Document } from "./types.ts";

function collect(filter: Document, out: [string, unknown][]): void {
  for (const [k, v] of Object.entries(filter)) {
    // (an $or of one clause is that clause: mongod normalizes it before taking the equalities)
    if ((k === "$and" || (k === "$or" && Array.isArray(v) && v.length === 1)) && Array.isArray(v)) {
      for (const sub of v) if (isDocument(sub)) collect(sub, out);
      continue;
    }
    if (k.startsWith("$")) continue;
    if (isRegexValue(v)) continue;
    if (isOperatorDocument(v)) {
      if ("$eq" in v && !isRegexValue(v["$eq"])) out.push([k, v["$eq"]]);
      continue;
    }
    out.push([k, v]);
  }
}

/** `filter` is `{_id: v}` with `v` an equality (`collect` takes it as it is: no regex, no operators). */
function idEqualityOnly(filter: Document): boolean {
  let n = 0;
  for (const k in filter) if (Object.hasOwn(filter, k) && (k !== "_id" || ++n > 1)) return false;
  if (n !== 1) return false;
  const v = filter["_id"];
  return !isRegexValue(v) && !isOperatorDocument(v);
}

export function upsertSeed(filter: Document | null | undefined): Document {
  const doc: Document = {};
  if (!filter) return doc;
  // the commonest upsert filter, `{_id: <value>}`: the document the general path below makes of it
  const only = idEqualityOnly(filter);
  if (only) return { _id: cloneDeep(filter["_id"]) };
  const pairs: [string, unknown][] = [];
  collect(filter, pairs);
  const paths = pairs.map(([p]) => p);
  for (const p of paths) {
    for (const q of paths) {
      if (p !== q && q.startsWith(p + ".")) {
        throw new CommandError(
          "NotSingleValueField",
          `cannot infer query fields to set, path '${p}' is matched twice`,
        );
      }
    }
  }
  const seen = new Set<string>();
  for (const [path, value] of pairs) {
    if (seen.has(path)) {
      throw new CommandError(
        "NotSingleValueField",
        `cannot infer query fields to set, path '${path}' is matched twice`,
      );
    }
    seen.add(path);
    writeAt(resolveForWrite(doc, splitPath(path), true)!, cloneDeep(value));
  }
  if (Object.hasOwn(doc, "_id")) {
    const { _id, ...rest } = doc;
    return { _id, ...rest };
  }
  return doc;
}
