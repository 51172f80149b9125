/**
 * getMore: the next batch of an open cursor (up to `batchSize` documents, at most 16 MiB). The
 * cursor must belong to the namespace named; an exhausted cursor is closed and reported as id 0.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec, Reply } from "../spec.ts";
import { optInt, typeName } from "../params/readers.ts";
import { BATCH_BYTES } from "../../limits.ts";
import { OpControl } from "../../observability/op_control.ts";

export function cursorIdOf(command: string, v: unknown): bigint {
  if (v instanceof Long) return v.toBigInt();
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  throw new CommandError(
    "TypeMismatch",
    `BSON field '${command}' is the wrong type '${typeName(v)}', expected type 'long'`,
  );
}

async function run(ctx: CommandContext, body: Doc): Promise<Reply> {
  const id = cursorIdOf("getMore", body["getMore"]);
  const collection = body["collection"];
  if (typeof collection !== "string") {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'getMore.collection' is the wrong type '${typeName(collection)}', expected type 'string'`,
    );
  }
  const batchSize = optInt("getMore", body, "batchSize");
  if (batchSize !== undefined && batchSize < 0) {
    throw new CommandError(51024, `BSON field 'batchSize' value must be >= 0, actual value '${batchSize}'`);
  }
  const ns = `${ctx.db}.${collection}`;
  const cursor = ctx.cursors.get(id);
  if (!cursor) throw new CommandError("CursorNotFound", `cursor id ${id} not found`);
  if (cursor.ns !== ns) {
    throw new CommandError(
      "Unauthorized",
      `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${cursor.ns}`,
    );
  }
  if (cursor.busy) throw new CommandError("CursorInUse", `cursor id ${id} is already in use`);
  cursor.busy = true;
  // The opening command's leftover maxTimeMS is this getMore's deadline (mongod); the getMore's own
  // maxTimeMS would only bound an awaitData wait, and there are no awaitData cursors yet.
  const ctl = OpControl.withTimeLeft(cursor.leftoverMaxTimeMs);
  let result;
  try {
    // Without batchSize a getMore returns as much as fits in 16 MiB (the find's batchSize does not carry over).
    const max = batchSize && batchSize > 0 ? batchSize : Infinity;
    result = await cursor.source.nextBatch(max, BATCH_BYTES, ctl);
    cursor.leftoverMaxTimeMs = ctl.remainingMs();
  } catch (e) {
    cursor.busy = false;
    ctx.cursors.kill(id);
    throw e;
  }
  cursor.busy = false;
  cursor.nReturned += result.docs.length;
  let replyId = id;
  if (result.done) {
    ctx.cursors.kill(id);
    replyId = 0n;
  }
  return encodeCursorReply({ id: replyId, ns, batchKey: "nextBatch", docs: result.docs });
}

export const getMore: LegacyCommandSpec = {
  name: "getMore",
  help: "next batch of a cursor: {getMore: <id>, collection: <coll>, batchSize}",
  auth: "find",
  fields: {
    collection: "required",
    batchSize: "optional",
    maxTimeMS: "ignored",
    term: "ignored",
    lastKnownCommittedOpTime: "ignored",
  },
  run,
};
