/**
 * distinct: the distinct values of `key` over the documents matching `query`, as mongod: arrays at
 * the end of the path are unwound one level (nested arrays stay values), missing fields contribute
 * nothing, values come back in BSON order (under the collation, which also decides equality; the
 * first value met of an equal group is kept), and a result over 16 MiB fails with 17217.
 */
import { BSON } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { compareValues } from "../../bson/compare.ts";
import { QuerySource } from "../../executor/query.ts";
import { OpControl } from "../../observability/op_control.ts";
import { makeStringComparator, splitPath, visitPathValues } from "../../engine/mod.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName, optDoc, typeName } from "../params/readers.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { findCollection } from "../shared/namespace.ts";
import { LIMITS } from "../../limits.ts";
import { legacyExplainShape } from "../shared/legacy_explain.ts";

/** The values `path` contributes from one document (distinct's unwinding rules). */
export function distinctValues(doc: Doc, parts: readonly string[], out: unknown[]): void {
  visitPathValues(doc, parts, (v, isElem) => {
    if (v === undefined) return false;
    if (Array.isArray(v) && !isElem) return false;
    out.push(v);
    return false;
  });
}

async function run(ctx: CommandContext, body: Doc): Promise<Doc> {
  const ctl = OpControl.fromBody(body); // maxTimeMS + cooperative yielding (docs/concurrency.md)
  const name = collectionName("distinct", body);
  const key = body["key"];
  if (key === undefined) {
    throw new CommandError(40414, "BSON field 'distinct.key' is missing but a required field");
  }
  if (typeof key !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'distinct.key' is the wrong type '${typeName(key)}', expected type 'string'`,
    );
  }
  const query = optDoc("distinct", body, "query");
  const collation = optDoc("distinct", body, "collation");
  const coll = findCollection(ctx, name);
  const q = compileQuery({ filter: query, hint: body["hint"], collation }, coll);
  const strCmp = makeStringComparator(collation);
  if (!coll) return { values: [], ok: 1 };
  const parts = splitPath(key);
  const found: unknown[] = [];
  const source = new QuerySource(ctx.storage, coll, q);
  try {
    for (;;) {
      const { docs, done } = await source.nextDocsAsync(10_000, ctl);
      for (const d of docs) distinctValues(d, parts, found);
      if (done) break;
    }
  } finally {
    source.close();
  }
  const sorted = found.map((v, i) => ({ v, i })).sort((a, b) => compareValues(a.v, b.v, strCmp) || a.i - b.i);
  const values: unknown[] = [];
  let bytes = 0;
  for (const { v } of sorted) {
    if (values.length > 0 && compareValues(values[values.length - 1], v, strCmp) === 0) continue;
    values.push(v);
    bytes += BSON.calculateObjectSize({ v }) - 5;
    if (bytes > LIMITS.maxBsonObjectSize) throw new CommandError(17217, "distinct too big, 16mb cap");
  }
  return { values, ok: 1 };
}

export const distinct: LegacyCommandSpec = {
  explain: legacyExplainShape,
  name: "distinct",
  help: "distinct values of a field: {distinct: <coll>, key, query, collation, hint}",
  auth: "find",
  fields: {
    key: "optional",
    query: "optional",
    collation: "optional",
    hint: "optional",
    rawData: "ignored",
    mirrored: "ignored",
    sampleId: "ignored",
  },
  run,
};
