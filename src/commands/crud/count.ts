/** count: number of documents matching `query`, after `skip`, capped by `limit`. */
import { CommandError } from "../../errors/command_error.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName, optDoc, optInt } from "../params/readers.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { findCollection } from "../shared/namespace.ts";
import { QuerySource } from "../../executor/query.ts";
import { OpControl } from "../../observability/op_control.ts";
import { legacyExplainShape } from "../shared/legacy_explain.ts";

async function run(ctx: CommandContext, body: Doc): Promise<Doc> {
  const ctl = OpControl.fromBody(body); // maxTimeMS + cooperative yielding (docs/concurrency.md)
  const name = collectionName("count", body);
  const query = optDoc("count", body, "query");
  const skip = optInt("count", body, "skip") ?? 0;
  const rawLimit = optInt("count", body, "limit") ?? 0;
  if (skip < 0) throw new CommandError(51024, `BSON field 'skip' value must be >= 0, actual value '${skip}'`);
  const limit = Math.abs(rawLimit);
  const coll = findCollection(ctx, name);
  if (!coll) return { n: 0, ok: 1 };
  if (!query || Object.keys(query).length === 0) {
    const total = ctx.storage.read((txn) => txn.count(coll));
    const n = Math.max(0, total - skip);
    return { n: limit > 0 ? Math.min(n, limit) : n, ok: 1 };
  }
  const collation = optDoc("count", body, "collation");
  const q = compileQuery({ filter: query, skip, limit, hint: body["hint"], collation }, coll);
  const source = new QuerySource(ctx.storage, coll, q);
  let n = 0;
  try {
    for (;;) {
      const { docs, done } = await source.nextBatch(10_000, Infinity, ctl);
      n += docs.length;
      if (done) break;
    }
  } finally {
    source.close();
  }
  return { n, ok: 1 };
}

export const count: LegacyCommandSpec = {
  explain: legacyExplainShape,
  name: "count",
  help: "counts matching documents: {count: <coll>, query, skip, limit}",
  auth: "find",
  fields: {
    query: "optional",
    skip: "optional",
    limit: "optional",
    hint: "optional",
    collation: "optional",
    rawData: "ignored",
    fields: "ignored",
  },
  run,
};
