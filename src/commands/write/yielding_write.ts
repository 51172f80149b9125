/**
 * Yielding writes: how an update/delete/findAndModify statement runs when its targets take more
 * than one short synchronous step to find (a multi-document write, or a single-document one whose
 * scan is long). Run in one storage transaction, such a statement held the event loop for its whole
 * scan and all its writes (docs/concurrency.md). Like mongod, which yields a multi-document write
 * and writes each document in its own unit of work, it runs in two steps:
 *
 * 1. Targets: the statement's query runs as a yielding scan (`QuerySource.nextRowsAsync`, one
 *    storage read per slice), keeping only the record ids of the matches (8 bytes each). The target
 *    set is fixed before anything is written, so no document is written twice (an update that moves
 *    a document ahead of an index scan does not meet it again).
 * 2. Writes: the targets are written in batches, one storage write transaction per batch (a time
 *    slice, at most WRITE_BATCH documents), yielding between batches. Each target is read again in
 *    its batch's transaction and the filter checked again: a document deleted, or changed so that
 *    it no longer matches, since step 1 is skipped, as mongod does after a yield. A batch that hits
 *    a write conflict is retried alone; the batches before it stay committed.
 *
 * So, as on mongod, a multi-document write that fails part way (a duplicate key, maxTimeMS, killOp,
 * a dropped collection) leaves its earlier batches written. Inside a multi-document transaction the
 * batches are statements on the session's storage transaction: nothing is visible or durable before
 * the commit, and any error fails the transaction. A single-document write whose target no longer
 * matches when its batch runs looks for a target again.
 */
import type { CollectionEntry, RecordId, WriteTxn } from "../../storage/api.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import { QuerySource } from "../../executor/query.ts";
import { sameUuid } from "../../executor/same_uuid.ts";
import { Row } from "../../executor/rows.ts";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { isWriteConflict, retryOnConflict } from "./conflict_retry.ts";
import { TargetScanTooLong } from "./targets.ts";
import { type JsRounds, writeInRounds } from "./js_rounds.ts";
import { JS_DEFERRED } from "../../engine/expression/types.ts";
import type { Doc } from "../reply.ts";
import { addKeysSince, keysMark, newWriteFigures, type WriteFigures } from "./write_figures.ts";

/** Matching rows taken per scan call (only their record ids are kept). */
const SCAN_ROWS = 4096;
/** At most this many targets per write transaction (fewer when the time slice ends first). */
export const WRITE_BATCH = 1000;

/** One batch of writes: `write` per target, `committed` once its transaction committed. */
export interface TargetBatch {
  /**
   * Writes one target (read again, and matched again, in the batch's transaction); `coll` is the
   * collection as the catalog has it now (indexes built or dropped while the write yielded).
   */
  write(txn: WriteTxn, row: Row, coll: CollectionEntry): void;
  /** The batch's transaction committed: its results count. */
  committed(): void;
}

/** Record ids in scan order, 8 bytes each. */
export class RecordIds {
  static readonly CHUNK = 8192;
  readonly #chunks: BigInt64Array[] = [];
  length = 0;

  push(rid: RecordId): void {
    const at = this.length % RecordIds.CHUNK;
    if (at === 0) this.#chunks.push(new BigInt64Array(RecordIds.CHUNK));
    this.#chunks[this.#chunks.length - 1]![at] = rid;
    this.length++;
  }

  at(i: number): RecordId {
    return this.#chunks[Math.floor(i / RecordIds.CHUNK)]![i % RecordIds.CHUNK]!;
  }
}

/**
 * Runs a statement's writes as described above; `newBatch` is called for each write transaction
 * (again when a batch is retried). Returns how many targets were written.
 */
export async function writeTargetsYielding(
  ctx: RequestContext,
  coll: CollectionEntry,
  q: CompiledQuery,
  multi: boolean,
  sync: boolean,
  newBatch: () => TargetBatch,
  /** The statement's index use was already counted ($indexStats) by a first attempt. */
  counted = false,
  /** The statement's server-side JavaScript, run awaited between attempts (js_rounds.ts). */
  js?: { readonly rounds: JsRounds; readonly targets?: CompiledQuery | undefined },
  /** Receives what the target scans examined and the index entries committed batches wrote. */
  figures?: WriteFigures,
): Promise<number> {
  let written = 0;
  // A multi write whose filter calls JavaScript collects its targets with the filter without those
  // conditions (a superset, found without running any): each batch matches its targets again with
  // the whole filter, its calls awaited.
  const targets = multi && js?.targets ? js.targets : q;
  const rounds = js?.rounds;
  for (let attempt = 0;; attempt++) {
    if (attempt > 0) await ctx.control.yieldNow();
    const ids = await collectTargets(ctx, coll, targets, multi, counted || attempt > 0, figures);
    let at = 0;
    while (at < ids.length) {
      if (at > 0) await ctx.control.yieldNow();
      let failedAt = -1;
      let batch;
      try {
        if (rounds) await prefetchBatch(ctx, coll, rounds, ids, at);
        batch = await writeBatch(
          ctx,
          coll,
          q,
          ids,
          at,
          ids.length,
          sync,
          newBatch,
          (i) => (failedAt = i),
          rounds,
          figures,
        );
      } catch (e) {
        // As on mongod (one unit of work per document), the documents before the failing one stay
        // written: the batch runs again up to it (outside a transaction, which fails as a whole).
        if (ctx.transaction || failedAt <= at || isWriteConflict(e)) throw e;
        for (let p = at; p < failedAt;) {
          const done = await writeBatch(
            ctx,
            coll,
            q,
            ids,
            p,
            failedAt,
            sync,
            newBatch,
            () => {},
            rounds,
            figures,
          );
          written += done.hits;
          p = done.end;
        }
        throw e;
      }
      written += batch.hits;
      at = batch.end;
    }
    // A single-document write whose target went away in between looks again.
    if (multi || written > 0 || ids.length === 0) return written;
  }
}

/**
 * After the one-transaction attempt threw `e`: run the statement as a yielding write? Yes when its
 * scan was over budget; and for a multi-document write outside a transaction that failed on some
 * document, so that — as on mongod, and as a yielding one does — the documents before it are written.
 */
export function retryYielding(e: unknown, multi: boolean, ctx: RequestContext): boolean {
  if (e instanceof TargetScanTooLong) return true;
  return multi && !ctx.transaction && !isWriteConflict(e) && e instanceof CommandError &&
    e.codeName !== "MaxTimeMSExpired" && !ctx.control.killed;
}

/**
 * Writes the targets from `start` (up to `stop`, fewer when the batch is full or its time slice
 * ends) in one storage write transaction, retried alone on a write conflict. `failing(i)` learns
 * which target a failed batch was writing.
 */
async function writeBatch(
  ctx: RequestContext,
  coll: CollectionEntry,
  q: CompiledQuery,
  ids: RecordIds,
  start: number,
  stop: number,
  sync: boolean,
  newBatch: () => TargetBatch,
  failing: (i: number) => void,
  rounds?: JsRounds,
  figures?: WriteFigures,
): Promise<{ end: number; hits: number }> {
  let end = start;
  let hits = 0;
  let batch: TargetBatch | undefined;
  let keys: WriteFigures | undefined;
  await retryOnConflict(ctx, () =>
    writeInRounds(ctx, rounds, (txn) => {
      const current = stillThere(ctx, coll);
      const mark = figures && keysMark(txn);
      const b = (batch = newBatch());
      hits = 0;
      let i = start;
      try {
        for (; i < stop; i++) {
          if (i > start && (i - start >= WRITE_BATCH || ctx.control.dueNow())) break;
          const rid = ids.at(i);
          const bytes = txn.get(coll, rid);
          if (!bytes) continue;
          const row = new Row(rid, bytes);
          if (q.match && !q.match(row.view(q.readFields))) continue;
          b.write(txn, row, current);
          hits++;
        }
      } catch (e) {
        // a JavaScript call without an answer: the targets before it are written, the rest wait
        if (e !== JS_DEFERRED || i === start) {
          if (e !== JS_DEFERRED) failing(i);
          throw e;
        }
      }
      end = i;
      if (mark) addKeysSince(keys = newWriteFigures(), txn, mark);
    }, { sync }));
  batch!.committed();
  if (figures && keys) {
    figures.keysInserted += keys.keysInserted;
    figures.keysDeleted += keys.keysDeleted;
  }
  rounds?.committed();
  return { end, hits };
}

/** Targets one batch may write, read ahead. */
const PREFETCH_TARGETS = 256;

/**
 * Before a batch: the `$where` / `$expr` results of its next targets as they are now, evaluated on
 * the batch lane (the batch then meets few calls without an answer).
 */
async function prefetchBatch(
  ctx: RequestContext,
  coll: CollectionEntry,
  rounds: JsRounds,
  ids: RecordIds,
  start: number,
): Promise<void> {
  const docs = ctx.storage.read((txn) => {
    const out: Doc[] = [];
    for (let i = start; i < ids.length && i < start + PREFETCH_TARGETS; i++) {
      const bytes = txn.get(coll, ids.at(i));
      if (bytes) out.push(new Row(ids.at(i), bytes).doc);
    }
    return out;
  });
  await rounds.prefetch(docs);
}

/** Step 1: the record ids the statement targets (all matches, or the first one). */
async function collectTargets(
  ctx: RequestContext,
  coll: CollectionEntry,
  q: CompiledQuery,
  multi: boolean,
  counted: boolean,
  figures: WriteFigures | undefined,
): Promise<RecordIds> {
  // rowMeta: a sort that spills keeps the record ids
  const source = new QuerySource(
    ctx.storage,
    coll,
    { ...q, skip: 0, limit: multi ? 0 : 1, project: null, rowMeta: true },
    { countAccess: !counted },
  );
  const ids = new RecordIds();
  try {
    for (;;) {
      const { rows, done } = await source.nextRowsAsync(SCAN_ROWS, ctx.control);
      for (const r of rows) ids.push(r.rid);
      if (done) return ids;
    }
  } finally {
    source.close();
    if (figures) {
      figures.keysExamined += source.stats.keysExamined;
      figures.docsExamined += source.stats.docsExamined;
    }
  }
}

/** A collection dropped (or dropped and created again) while the write yielded ends it, as on mongod. */
function stillThere(ctx: RequestContext, coll: CollectionEntry): CollectionEntry {
  const now = ctx.storage.catalog.getCollection(coll.db, coll.name);
  if (!now || !sameUuid(now.uuid, coll.uuid)) {
    throw new CommandError(
      "QueryPlanKilled",
      `collection dropped during the write: ${coll.db}.${coll.name}`,
    );
  }
  return now;
}
