/**
 * `find` with `tailable` (+ `awaitData`) on a capped collection: a cursor that follows the collection
 * in insertion (record-id) order and stays open when it runs dry; an awaitData getMore waits for the
 * next commit to a capped collection up to its maxTimeMS. If eviction removed the record the cursor
 * last returned, the next getMore fails with 136 CappedPositionLost, as mongod's. On a collection with no
 * records the cursor is not kept (id 0), as mongod's. `skip` passes over the
 * first matching records; `limit` closes the cursor once that many were returned.
 */
import { decodeDocument } from "../../bson/decode.ts";
import { encodeCursorReply } from "../../bson/raw_reply.ts";
import { CommandError } from "../../errors/command_error.ts";
import { compileFilter, compileProjection, type Projection } from "../../engine/mod.ts";
import type { CollectionEntry, RecordId, StorageEngine } from "../../storage/api.ts";
import type { Batch, BatchOptions, BatchSource } from "../../executor/batch_source.ts";
import type { CappedCollections } from "../../executor/capped.ts";
import type { OpControl } from "../../observability/op_control.ts";
import type { RequestContext } from "../context.ts";
import type { Reply } from "../spec.ts";
import { sessionOf } from "../shared/session_of.ts";
import { ensureCursorRoom } from "../shared/cursor_room.ts";
import { textIndexOf } from "../shared/compile_query.ts";
import { hasNear } from "../../planner/geo_plan.ts";
import { BATCH_BYTES, FIRST_BATCH_DOCS } from "../../limits.ts";
import type { OplogFindParams } from "./find_oplog.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";

const READ_CHUNK = 500;

class TailableSource implements BatchSource {
  #last: RecordId | undefined;
  readonly #abort = new AbortController();
  /** Matching records still to pass over (find's skip), and still to return (its limit; 0 = no limit). */
  #skip: number;
  #left: number;

  constructor(
    private readonly storage: StorageEngine,
    private readonly capped: CappedCollections,
    private readonly coll: CollectionEntry,
    private readonly matches: (d: Record<string, unknown>) => boolean,
    private readonly projection: Projection | undefined,
    readonly awaitData: boolean,
    skip: number,
    limit: number,
  ) {
    this.#skip = skip;
    this.#left = limit > 0 ? limit : Infinity;
  }

  #read(maxDocs: number, maxBytes: number, out: Uint8Array[]): number {
    let bytes = 0;
    return this.storage.read((txn) => {
      if (this.#last !== undefined && txn.get(this.coll, this.#last) === null) {
        throw new CommandError(
          "CappedPositionLost",
          `CollectionScan died due to position in capped collection being deleted. Last seen record id: RecordId(${this.#last})`,
        );
      }
      let seen = 0;
      for (const rec of txn.scan(this.coll, this.#last !== undefined ? { after: this.#last } : {})) {
        seen++;
        const d = decodeDocument(rec.bytes);
        if (this.matches(d)) {
          if (this.#skip > 0) this.#skip--;
          else {
            const b = this.projection ? serializeDocument(this.projection.apply(d)) : rec.bytes;
            out.push(b);
            bytes += b.length;
            this.#left--;
          }
        }
        // The position moves past every record examined (matching or not), as a collection scan's.
        this.#last = rec.rid;
        if (out.length >= maxDocs || bytes >= maxBytes || seen >= READ_CHUNK || this.#left <= 0) break;
      }
      return seen;
    });
  }

  async nextBatch(maxDocs: number, maxBytes: number, ctl: OpControl, opts?: BatchOptions): Promise<Batch> {
    const deadline = Date.now() + (opts?.awaitMs ?? 0);
    const docs: Uint8Array[] = [];
    for (;;) {
      if (this.#left <= 0) break;
      const seen = this.#read(maxDocs, maxBytes, docs);
      if (docs.length >= maxDocs || seen > 0 && docs.length > 0 || this.#left <= 0) break;
      if (seen > 0) continue; // examined records but none matched: read on
      if (!this.awaitData) break;
      const wait = deadline - Date.now();
      if (wait <= 0) break;
      await this.capped.waitForInsert(wait, AbortSignal.any([this.#abort.signal, ctl.signal])); // (killOp, hang-up)
      ctl.check();
    }
    // (the limit reached: the cursor is exhausted, as mongod closes it)
    return { docs, done: this.#left <= 0 };
  }

  close(): void {
    this.#abort.abort();
  }
}

export async function findTailable(
  ctx: RequestContext<OplogFindParams>,
  coll: CollectionEntry,
): Promise<Reply> {
  const p = ctx.params;
  const ns = `${ctx.db}.${coll.name}`;
  const sort = p.sort ?? {};
  const keys = Object.keys(sort);
  if (keys.length > 0 && !(keys.length === 1 && keys[0] === "$natural" && Number(sort["$natural"]) === 1)) {
    throw new CommandError("BadValue", "cannot use tailable option with a sort other than {$natural: 1}");
  }
  const filter = p.filter ?? {};
  const textIndex = textIndexOf(coll);
  const matcher = compileFilter(filter, {
    ...(p.collation ? { collation: p.collation } : {}),
    ...(textIndex ? { textIndex } : {}),
  });
  // mongod's query validation (CanonicalQuery::isValid), after the filter parsed
  if (matcher.text) throw new CommandError("BadValue", "text and tailable cursor not allowed in same query");
  if (hasNear(filter)) {
    throw new CommandError("BadValue", "Tailable cursors and geo $near cannot be used together");
  }
  const source = new TailableSource(
    ctx.storage,
    ctx.capped,
    coll,
    (d) => matcher.matches(d),
    p.projection ? compileProjection(p.projection) : undefined,
    p.awaitData === true,
    p.skip ?? 0,
    p.limit === undefined ? 0 : Math.abs(p.limit),
  );
  const maxDocs = p.batchSize ?? FIRST_BATCH_DOCS;
  const first = maxDocs === 0
    ? { docs: [], done: false }
    : await source.nextBatch(maxDocs, BATCH_BYTES, ctx.control);
  // mongod keeps no tailable cursor on a collection without records (SERVER-13955): nothing to
  // remember a position in, so a client's wait on an empty capped collection ends at once
  if (first.done || ctx.storage.read((txn) => txn.count(coll)) === 0) {
    source.close();
    return encodeCursorReply({ id: 0n, ns, batchKey: "firstBatch", docs: first.docs });
  }
  ensureCursorRoom(ctx, source);
  const entry = ctx.cursors.open(ns, source, p.batchSize ?? 0, ctx.client.connectionId, sessionOf(ctx));
  if (p.noCursorTimeout === true) entry.noTimeout = true;
  entry.nReturned = first.docs.length;
  return encodeCursorReply({ id: entry.id, ns, batchKey: "firstBatch", docs: first.docs });
}
