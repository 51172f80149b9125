/**
 * find: runs a query and returns the first batch (101 documents by default, at most 16 MiB) in a
 * cursor reply assembled from the stored BSON bytes; leftovers stay in the cursor registry for
 * getMore. A missing collection is an empty result, as on mongod.
 */
import { CommandError } from "../../errors/command_error.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import { QuerySource } from "../../executor/query.ts";
import { OpControl } from "../../observability/op_control.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec, Reply } from "../spec.ts";
import { collectionName, optBool, optDoc, optInt } from "../params/readers.ts";
import { compileQueryWithLet } from "../shared/query_let.ts";
import { findCollection } from "../shared/namespace.ts";
import { BATCH_BYTES, FIRST_BATCH_DOCS } from "../../limits.ts";

async function run(ctx: CommandContext, body: Doc): Promise<Reply> {
  const ctl = OpControl.fromBody(body); // maxTimeMS + cooperative yielding (docs/concurrency.md)
  const name = collectionName("find", body);
  const ns = `${ctx.db}.${name}`;
  const filter = optDoc("find", body, "filter");
  const sort = optDoc("find", body, "sort");
  const projection = optDoc("find", body, "projection");
  const skip = optInt("find", body, "skip");
  let limit = optInt("find", body, "limit");
  const batchSize = optInt("find", body, "batchSize");
  let singleBatch = optBool("find", body, "singleBatch") ?? false;
  if (skip !== undefined && skip < 0) {
    throw new CommandError(51024, "BSON field 'skip' value must be >= 0, actual value '" + skip + "'");
  }
  if (limit !== undefined && limit < 0) {
    throw new CommandError(51024, "BSON field 'limit' value must be >= 0, actual value '" + limit + "'");
  }
  if (batchSize !== undefined && batchSize < 0) {
    throw new CommandError(
      51024,
      "BSON field 'batchSize' value must be >= 0, actual value '" + batchSize + "'",
    );
  }
  if (body["tailable"] === true) {
    throw new CommandError("NotImplemented", "tailable cursors are not supported yet");
  }
  const coll = findCollection(ctx, name);
  const collation = optDoc("find", body, "collation");
  const q = compileQueryWithLet(
    { filter, sort, projection, hint: body["hint"], skip, limit, collation },
    coll,
    optDoc("find", body, "let"),
  );

  if (!coll) return encodeCursorReply({ id: 0n, ns, batchKey: "firstBatch", docs: [] });
  if (limit === 0) limit = undefined;
  if (limit !== undefined && batchSize !== undefined && batchSize >= limit) singleBatch = true;

  const source = new QuerySource(ctx.storage, coll, q);
  const maxDocs = batchSize === undefined ? FIRST_BATCH_DOCS : batchSize;
  const { docs, done } = maxDocs === 0 && !singleBatch
    ? { docs: [], done: false }
    : await source.nextBatch(singleBatch ? Infinity : maxDocs, BATCH_BYTES, ctl);
  let id = 0n;
  if (!done && !singleBatch) {
    const entry = ctx.cursors.open(ns, source, batchSize ?? 0, ctx.client.connectionId);
    entry.nReturned = docs.length;
    entry.leftoverMaxTimeMs = ctl.remainingMs();
    id = entry.id;
  } else {
    source.close();
  }
  return encodeCursorReply({ id, ns, batchKey: "firstBatch", docs });
}

export const find: LegacyCommandSpec = {
  name: "find",
  help: "queries a collection: {find: <coll>, filter, sort, projection, skip, limit, batchSize}",
  auth: "find",
  fields: {
    filter: "optional",
    sort: "optional",
    projection: "optional",
    hint: "optional",
    skip: "optional",
    limit: "optional",
    batchSize: "optional",
    singleBatch: "optional",
    let: "optional",
    collation: "optional",
    rawData: "ignored",
    allowDiskUse: "ignored",
    max: "ignored",
    min: "ignored",
    returnKey: "ignored",
    showRecordId: "ignored",
    tailable: "optional",
    oplogReplay: "ignored",
    noCursorTimeout: "ignored",
    awaitData: "ignored",
    allowPartialResults: "ignored",
    readOnce: "ignored",
    term: "ignored",
  },
  run,
};
