/**
 * The first batch of a find answered from a cursor source that is not a plain collection query (the
 * oplog, a time-series buckets namespace): read up to `batchSize` documents (or everything with
 * `singleBatch`), keep the cursor open when more may come, and encode the `firstBatch` reply.
 */
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import type { BatchSource } from "../../executor/batch_source.ts";
import { BATCH_BYTES, FIRST_BATCH_DOCS } from "../../limits.ts";
import type { RequestContext } from "../context.ts";
import type { Reply } from "../spec.ts";
import { ensureCursorRoom } from "./cursor_room.ts";
import { sessionOf } from "./session_of.ts";

export async function firstBatchReply(
  ctx: RequestContext,
  ns: string,
  source: BatchSource,
  p: { readonly batchSize?: number | undefined; readonly singleBatch?: boolean | undefined },
): Promise<Reply> {
  const singleBatch = p.singleBatch === true;
  const maxDocs = p.batchSize ?? FIRST_BATCH_DOCS;
  const first = maxDocs === 0 && !singleBatch
    ? { docs: [], done: false }
    : await source.nextBatch(singleBatch ? Infinity : maxDocs, BATCH_BYTES, ctx.control);
  let id = 0n;
  if (!first.done && !singleBatch) {
    ensureCursorRoom(ctx, source);
    const entry = ctx.cursors.open(ns, source, p.batchSize ?? 0, ctx.client.connectionId, sessionOf(ctx));
    entry.nReturned = first.docs.length;
    id = entry.id;
  } else source.close();
  return encodeCursorReply({ id, ns, batchKey: "firstBatch", docs: first.docs });
}

/** Drains `source` and counts its documents (count on such a namespace). */
export async function countAll(ctx: RequestContext, source: BatchSource): Promise<number> {
  let n = 0;
  try {
    for (;;) {
      // ctx.control: maxTimeMS + cooperative yielding (docs/concurrency.md)
      const { docs, done } = await source.nextBatch(10_000, Infinity, ctx.control);
      n += docs.length;
      if (done) return n;
    }
  } finally {
    source.close();
  }
}
