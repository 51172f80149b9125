/**
 * array_cursor.ts — a cursor over results a command already holds (listCollections, listIndexes,
 * bulkWrite's per-operation results): `ArraySource` hands them out in batches within the count and
 * byte limits, encoding documents lazily, and `arrayCursorReply` answers with the first batch and,
 * when more remain, a registered cursor for getMore — so no reply is ever built past the 16 MiB
 * limit, however many results there are (issue 15 item 9).
 */
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import type { BatchSource } from "../../cursors/registry.ts";
import type { Batch } from "../../executor/batch_source.ts";
import { BATCH_BYTES, BATCH_ELEMENT_OVERHEAD } from "../../limits.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import { ensureCursorRoom } from "./cursor_room.ts";
import { sessionOf } from "./session_of.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";

export class ArraySource implements BatchSource {
  #next = 0;
  #items: (Doc | Uint8Array)[];

  constructor(items: (Doc | Uint8Array)[]) {
    this.#items = items;
  }

  nextBatch(maxDocs: number, maxBytes: number): Promise<Batch> {
    const docs: Uint8Array[] = [];
    let bytes = 0;
    while (this.#next < this.#items.length && docs.length < maxDocs) {
      const item = this.#items[this.#next]!;
      const b = item instanceof Uint8Array ? item : serializeDocument(item);
      const size = b.length + BATCH_ELEMENT_OVERHEAD;
      if (docs.length > 0 && bytes + size > maxBytes) break;
      docs.push(b);
      bytes += size;
      this.#next++;
    }
    return Promise.resolve({ docs, done: this.#next >= this.#items.length });
  }

  close(): void {
    this.#items = [];
    this.#next = 0;
  }
}

/**
 * The cursor reply for `items`: the first batch (`batchSize` documents at most — all that fit when
 * undefined — and at most `BATCH_BYTES`), then a cursor for the rest. `extra` fields go beside
 * `cursor` (bulkWrite's counts).
 */
export async function arrayCursorReply(
  ctx: RequestContext,
  ns: string,
  items: (Doc | Uint8Array)[],
  batchSize: number | undefined,
  extra?: Doc,
): Promise<Uint8Array> {
  const source = new ArraySource(items);
  const first = await source.nextBatch(batchSize ?? Infinity, BATCH_BYTES);
  let id = 0n;
  if (!first.done) {
    ensureCursorRoom(ctx, source);
    const entry = ctx.cursors.open(ns, source, batchSize ?? 0, ctx.client.connectionId, sessionOf(ctx));
    ctx.transaction?.cursors.add(entry.id);
    entry.nReturned = first.docs.length;
    id = entry.id;
  } else {
    source.close();
  }
  return encodeCursorReply({ id, ns, batchKey: "firstBatch", docs: first.docs, ...(extra ? { extra } : {}) });
}
