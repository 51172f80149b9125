/**
 * update: applies each statement of `updates` ({q, u, upsert, multi, arrayFilters, hint, sort}), each
 * in its own storage transaction, or in yielding batches when it is long (`applyUpdate`). Replies with mongod's `n`, `nModified`, `upserted` and `writeErrors`.
 * `_id` may not change (66 ImmutableField); an upsert seeds the new document from the filter's
 * equality fields and takes `_id` from there or generates one.
 */
import { enterInterruptible, leaveInterruptible } from "../../observability/interrupt.ts";
import { recordPlan } from "../shared/read_figures.ts";
import { effectiveCollation } from "../shared/default_collation.ts";
import { commitSync } from "../write/write_batch.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { ObjectId } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { parseUpdate, type UpdateParams, type UpdateStatement } from "./update_params.ts";
export {
  parseUpdate,
  updateModification,
  type UpdateParams,
  type UpdateStatement,
  updateStatement,
  withOplogDiff,
} from "./update_params.ts";
import { type GroupSteps, NOT_GROUPED, runGroup } from "./update_group.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";
import { ensureCollection, findCollection, refuseUserWrite } from "../shared/namespace.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { WriteErrors } from "../write/write_result.ts";
import { retryOnConflict, retryOnConflictNow } from "../write/conflict_retry.ts";
import { compileQueryWithLet } from "../shared/query_let.ts";
import { compileIdPoint } from "../shared/compile_query.ts";
import { type JsParts, jsQueryParts } from "../shared/where.ts";
import {
  jsFreeTargets,
  type JsRounds,
  jsRoundsFor,
  statementCallsJs,
  statementJsParts,
  writeInRounds,
} from "../write/js_rounds.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import { FAST_BUDGET, findTargets } from "../write/targets.ts";
import { retryYielding, writeTargetsYielding } from "../write/yielding_write.ts";
import {
  addKeysSince,
  keysMark,
  newWriteFigures,
  recordUpdateFigures,
  resetFigures,
  statementEnd,
  type StatementMark,
  statementStart,
  type WriteFigures,
} from "../write/write_figures.ts";
import type { Row } from "../../executor/rows.ts";
import { LIMITS } from "../../limits.ts";
import { checkStoredDepth, serializeStorable } from "../shared/stored_depth.ts";
import { isStackOverflow } from "../../errors/to_reply.ts";
import { idKeyOf, indexKeysOf } from "../../executor/index_keys.ts";
import { indexesReading } from "../../executor/index_reads.ts";
import { changedKeys, storedKeys } from "../write/entry_keys.ts";
import {
  compileMatchPosition,
  compilePartialFilter,
  compileUpdate,
  type Updater,
  upsertSeed,
} from "../../engine/mod.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { validateIdValue } from "../write/validate_doc.ts";
import type { CollectionEntry, WriteTxn } from "../../storage/api.ts";
import { validateDocument, validates } from "../write/doc_validation.ts";
import { refuseOnView } from "../shared/views.ts";
import { refuseCappedInTransaction } from "../write/capped_in_transaction.ts";
import { checkTimeseriesUpdate, refuseTimeseriesInTransaction, timeseriesOf } from "../shared/timeseries.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };
/** The fields the immutable-_id check decodes from the stored document. */
const ID_ONLY: ReadonlySet<string> = new Set(["_id"]);

/** The collection's only index is `_id_` (its old key needs just the old `_id`). */
function onlyIdIndex(coll: CollectionEntry): boolean {
  return coll.indexes.length === 1 && coll.indexes[0]!.name === "_id_";
}

export interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** The matched row (its `doc` is the document before) and the document after (for findAndModify). */
  beforeRow?: Row;
  after?: Doc | undefined;
  /** The document after as stored bytes, when `after` is not decoded (see `afterOf`). */
  afterBytes?: Uint8Array | undefined;
  /** The bytes of the documents the statement stored (a group's budget: update_group.ts). */
  written?: number;
}

/** The document after the update of a single-document statement (undefined when none). */
export function afterOf(o: UpdateOutcome): Doc | undefined {
  return o.after ?? (o.afterBytes && decodeDocument(o.afterBytes));
}

function encodeChecked(doc: Doc): Uint8Array {
  const bytes = serializeStorable(doc, "update");
  if (bytes.length > LIMITS.maxBsonObjectSize) {
    throw new CommandError(
      "BSONObjectTooLarge",
      `Resulting document after update is larger than ${LIMITS.maxBsonObjectSize}`,
    );
  }
  return bytes;
}

/**
 * Runs one update statement; shared with findAndModify and bulkWrite. A statement whose targets
 * are found within FAST_BUDGET (and any `_id` lookup) runs in one storage transaction; a longer one
 * yields between batches (write/yielding_write.ts). Synchronous (no promise) when it needs no
 * JavaScript round and its one transaction did it.
 */
export function applyUpdate(
  ctx: RequestContext,
  collName: string,
  st: UpdateStatement,
  sync: boolean,
  /**
   * `$where`/`$function` support, `$where` prefetched (`prefetchedJsParts`); absent: built here (inline
   * calls) when the statement names JavaScript at all (`statementCallsJs`), else none.
   */
  jsGiven?: JsParts,
  /**
   * Called inside the statement's one storage transaction with its outcome, before it commits (a
   * retryable write's reply recorded with that transaction: `ReplySlot.replyOnCommit`); not called
   * when the statement runs in yielding batches.
   */
  predict?: (o: UpdateOutcome) => void,
  /**
   * The transaction of a group of statements (update_group.ts) to write in, instead of one of the
   * statement's own; a statement that needs its own (or to create the collection) throws NOT_GROUPED.
   */
  shared?: WriteTxn,
): UpdateOutcome | Promise<UpdateOutcome> {
  const js = jsGiven ?? (statementCallsJs(st.q, st.u, st.variables) ? jsQueryParts(ctx) : undefined);
  refuseUserWrite(ctx.db, collName);
  let existing = findCollection(ctx, collName);
  if (shared && (!existing || js)) throw NOT_GROUPED;
  if (!existing) refuseOnView(ctx.storage, ctx.db, collName);
  // an upsert with a hint creates the collection first and plans on it (mongod): a hint other than
  // its `_id` index is then refused, where another update of a missing collection matches nothing
  if (!existing && st.upsert && st.hint !== undefined && st.hint !== null) {
    existing = ensureCollection(ctx, collName);
  }
  refuseCappedInTransaction(ctx, existing, "write");
  refuseTimeseriesInTransaction(ctx, existing, "update");
  const ts = timeseriesOf(existing);
  if (ts) checkTimeseriesUpdate(ts, st);
  const validation = { bypass: st.bypassDocumentValidation, warn: (m: string) => ctx.log.warn(m) };
  // a single-document update by a scalar `_id` alone: its collection's IDHACK shape, not compiled and
  // planned again (its target is found by the key alone: findTargets matches nothing; a multi
  // statement keeps the compiled filter for the yielding path)
  const q = (!js && !st.multi && existing !== undefined && st.sort === undefined && st.hint === undefined &&
    st.collation === undefined && st.variables === undefined && compileIdPoint(st.q, existing)) ||
    compileQueryWithLet(
      js
        ? { filter: st.q, sort: st.sort, hint: st.hint, collation: st.collation, ...js }
        : { filter: st.q, sort: st.sort, hint: st.hint, collation: st.collation },
      existing,
      st.variables,
      // (a sort's plans raced on the data: sort_trial_plan.ts)
      { noTableScan: ctx.tableScans.refused, trial: { storage: ctx.storage } },
    );
  if (existing !== undefined) recordPlan(ctx, existing, q.access);
  const collation = effectiveCollation(st.collation, existing);
  const updater = compileUpdate(st.u, {
    arrayFilters: st.arrayFilters,
    collation,
    variables: st.variables,
    js: js?.js,
  });
  const position = updater.needsMatchedIndex
    ? compileMatchPosition(st.q, collation ? { collation } : {})
    : undefined;
  if (st.multi && updater.kind === "replacement") {
    throw new CommandError("FailedToParse", "multi update is not supported for replacement-style update");
  }
  const coll: CollectionEntry | undefined = existing ??
    (st.upsert ? ensureCollection(ctx, collName) : undefined);
  const fig = newWriteFigures(); // (the profiler's figures: write/write_figures.ts)
  if (!coll) return recordUpdateFigures(ctx, fig, { matched: 0, modified: 0 });
  const now = new Date();
  // `$function` in the pipeline, `$where`/`$expr` the prefetch did not answer: awaited (js_rounds.ts)
  const rounds = js && jsRoundsFor(js, st.q, st.u);
  const r = rounds
    ? updateInRounds(ctx, coll, st, q, updater, position, now, sync, validation, rounds, js, predict, fig)
    : updateIn(
      ctx,
      coll,
      st,
      q,
      updater,
      position,
      now,
      sync,
      validation,
      undefined,
      js,
      predict,
      fig,
      shared,
    );
  return r instanceof Promise
    ? r.then((o) => recordUpdateFigures(ctx, fig, o))
    : recordUpdateFigures(ctx, fig, r);
}

async function updateInRounds(
  ctx: RequestContext,
  coll: CollectionEntry,
  st: UpdateStatement,
  q: CompiledQuery,
  updater: Updater,
  position: ((doc: Doc) => string | undefined) | undefined,
  now: Date,
  sync: boolean,
  validation: { bypass: boolean | undefined; warn: (m: string) => void },
  rounds: JsRounds,
  js: JsParts | undefined,
  predict: ((o: UpdateOutcome) => void) | undefined,
  fig: WriteFigures,
): Promise<UpdateOutcome> {
  try {
    return await updateIn(
      ctx,
      coll,
      st,
      q,
      updater,
      position,
      now,
      sync,
      validation,
      rounds,
      js,
      predict,
      fig,
    );
  } finally {
    rounds.close();
  }
}

/**
 * The write of `applyUpdate` once everything is compiled: synchronous when there are no JavaScript
 * rounds and the one transaction did it.
 */
function updateIn(
  ctx: RequestContext,
  coll: CollectionEntry,
  st: UpdateStatement,
  q: CompiledQuery,
  updater: Updater,
  position: ((doc: Doc) => string | undefined) | undefined,
  now: Date,
  sync: boolean,
  validation: { bypass: boolean | undefined; warn: (m: string) => void },
  rounds: JsRounds | undefined,
  js: JsParts | undefined,
  predict: ((o: UpdateOutcome) => void) | undefined,
  fig: WriteFigures,
  shared?: WriteTxn,
): UpdateOutcome | Promise<UpdateOutcome> {
  /** Updates one matched document, counting it in `out`. */
  const updateRow = (txn: WriteTxn, row: Row, out: UpdateOutcome, entry: CollectionEntry) => {
    if (updater.applyBytes !== undefined && position === undefined && patchRow(txn, row, out, entry)) return;
    out.matched++;
    // The document before is decoded only when something reads all of it (row.doc, lazily): the
    // _id check reads _id alone, and a collection with only the _id index needs no other old key.
    const matchedIndex = position?.(row.doc);
    // the copy the update may change: the stored bytes decoded; a pipeline's expressions run as the
    // operation's interruptible section (a long loop in one checks its deadline: observability/interrupt.ts)
    const section = updater.kind === "pipeline" ? enterInterruptible(ctx.control) : undefined;
    let applied;
    try {
      applied = updater.apply(decodeDocument(row.bytes), { isInsert: false, now, matchedIndex });
    } finally {
      if (updater.kind === "pipeline") leaveInterruptible(section);
    }
    const { doc: after, modified, diff } = applied;
    if (!st.multi) {
      out.beforeRow = row;
      out.after = after;
    }
    if (!modified) return;
    const beforeId = row.view(ID_ONLY)["_id"];
    if (!valuesEqual(beforeId, after["_id"])) {
      throw new CommandError(
        "ImmutableField",
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    }
    validateDocument(entry, after, () => row.doc, validation);
    const bytes = encodeChecked(after);
    out.written = (out.written ?? 0) + bytes.length;
    try {
      txn.update(
        entry,
        row.rid,
        bytes,
        onlyIdIndex(entry) ? new Map([["_id_", [idKeyOf(entry, beforeId)]]]) : storedKeys(entry, row),
        indexKeysOf(entry, after, keyOpts),
        // a pipeline update whose diff is not smaller than the document is logged as a replacement
        // row.bytes: read in this transaction (findTargets / the yielding batch), the oplog's pre-image
        st.oplogDiff && updater.kind === "replacement"
          ? { diff: st.oplogDiff, before: row.bytes }
          : diff
          ? { diff, before: row.bytes }
          : { replace: true, before: row.bytes },
      );
    } catch (e) {
      translateStorageError(e, entry, after);
    }
    out.modified++;
  };

  /**
   * `updateRow` by patching the stored bytes (engine/update/byte_patch.ts: only the top-level fields
   * the operators touch are decoded and encoded); false when the patch does not apply to these
   * bytes and nothing was done. The document after is decoded only when something reads it (a
   * validator, the keys of an index computed from a changed field, a duplicate-key error,
   * findAndModify's `new`); the indexes computed from other fields are left alone.
   */
  const patchRow = (txn: WriteTxn, row: Row, out: UpdateOutcome, entry: CollectionEntry): boolean => {
    let r;
    try {
      r = updater.applyBytes!(row.bytes, { isInsert: false, now });
    } catch (e) {
      if (isStackOverflow(e)) return false; // the whole path reports it as the old path did
      throw e;
    }
    if (r === undefined) return false;
    out.matched++;
    const bytes = r.bytes;
    let decoded: Doc | undefined;
    const after = () => (decoded ??= decodeDocument(bytes));
    if (!st.multi) {
      out.beforeRow = row;
      out.after = undefined;
      out.afterBytes = bytes;
    }
    if (!r.modified) return true;
    if (bytes.length > LIMITS.maxBsonObjectSize) {
      throw new CommandError(
        "BSONObjectTooLarge",
        `Resulting document after update is larger than ${LIMITS.maxBsonObjectSize}`,
      );
    }
    checkStoredDepth(bytes, "update");
    // `_id` cannot change: the engine refuses it (66) before anything is patched
    if (validates(entry, validation)) validateDocument(entry, after(), () => row.doc, validation);
    // only the indexes computed from a changed top-level field can have other entries now
    const affected = indexesReading(entry, r.fields);
    out.written = (out.written ?? 0) + bytes.length;
    // (from the fields those indexes read, decoded alone: write/entry_keys.ts)
    const { oldKeys, newKeys } = changedKeys(entry, affected, row, bytes, {
      decoded,
      whole: after,
    });
    try {
      txn.update(
        entry,
        row.rid,
        bytes,
        oldKeys,
        newKeys,
        r.diff ? (r.o ? { diff: r.diff, o: r.o, before: row.bytes } : { diff: r.diff, before: row.bytes }) : {
          replace: true,
          before: row.bytes,
        },
      );
    } catch (e) {
      translateStorageError(e, entry, after());
    }
    out.modified++;
    return true;
  };

  /** The upsert: inserts the document made from the filter's equality fields and the update. */
  const upsert = (txn: WriteTxn, out: UpdateOutcome) => {
    const seed = upsertSeed(st.q);
    // a pipeline's expressions run as the operation's interruptible section, as an update's do
    const section = updater.kind === "pipeline" ? enterInterruptible(ctx.control) : undefined;
    let doc;
    try {
      doc = updater.apply(seed, { isInsert: true, now }).doc;
    } finally {
      if (updater.kind === "pipeline") leaveInterruptible(section);
    }
    let inserted = doc;
    if (updater.kind === "replacement" && seed["_id"] !== undefined && doc["_id"] === undefined) {
      inserted = { _id: seed["_id"], ...doc };
    }
    if (inserted["_id"] === undefined) inserted = { _id: new ObjectId(), ...inserted };
    else if (Object.keys(inserted)[0] !== "_id") {
      const { _id, ...rest } = inserted;
      inserted = { _id, ...rest };
    }
    validateIdValue(inserted["_id"]);
    validateDocument(coll, inserted, undefined, validation);
    const bytes = encodeChecked(inserted);
    out.written = (out.written ?? 0) + bytes.length;
    try {
      txn.insert(coll, bytes, indexKeysOf(coll, inserted, keyOpts));
      ctx.capped.enforce(txn, coll);
    } catch (e) {
      translateStorageError(e, coll, inserted);
    }
    out.upsertedId = inserted["_id"];
    out.after = inserted;
  };

  // One storage transaction when the targets are found quickly (inside a multi-document
  // transaction only for an _id lookup: a failed write there would fail the transaction).
  const byId = q.access.kind === "idLookup";
  const oneTxn = (txn: WriteTxn) => {
    resetFigures(fig);
    const mark = keysMark(txn);
    const targets = findTargets(txn, coll, q, st.multi, ctx.control, byId ? undefined : FAST_BUDGET, fig);
    const outcome: UpdateOutcome = { matched: 0, modified: 0 };
    for (const row of targets) updateRow(txn, row, outcome, coll);
    if (targets.length === 0 && st.upsert) upsert(txn, outcome);
    addKeysSince(fig, txn, mark);
    predict?.(outcome);
    return outcome;
  };
  if (shared) {
    // (a group's statement by _id: its writes go in the group's transaction, committed with it)
    if (!byId || rounds || ctx.transaction) throw NOT_GROUPED;
    return oneTxn(shared);
  }
  if (byId || !ctx.transaction) {
    if (!rounds) {
      try {
        const out = ctx.storage.write(oneTxn, { sync });
        // later updates by _id there may be answered by the I/O thread (point_reads.ts)
        if (byId && out.modified === 1 && !ctx.transaction) {
          ctx.pointReads?.offerUpdate(`${coll.db}.${coll.name}`, coll, ctx.client);
        }
        return out;
      } catch (e) {
        if (!retryYielding(e, st.multi, ctx)) throw e;
      }
      return updateYielding(ctx, coll, st, q, sync, rounds, js, updateRow, upsert, fig);
    }
    return (async () => {
      try {
        return await writeInRounds(ctx, rounds, oneTxn, { sync });
      } catch (e) {
        if (!retryYielding(e, st.multi, ctx)) throw e;
      }
      rounds.committed();
      return await updateYielding(ctx, coll, st, q, sync, rounds, js, updateRow, upsert, fig);
    })();
  }
  return updateYielding(ctx, coll, st, q, sync, rounds, js, updateRow, upsert, fig);
}

/** The statement as a yielding write (write/yielding_write.ts), then its upsert if nothing matched. */
async function updateYielding(
  ctx: RequestContext,
  coll: CollectionEntry,
  st: UpdateStatement,
  q: CompiledQuery,
  sync: boolean,
  rounds: JsRounds | undefined,
  js: JsParts | undefined,
  updateRow: (txn: WriteTxn, row: Row, out: UpdateOutcome, entry: CollectionEntry) => void,
  upsert: (txn: WriteTxn, out: UpdateOutcome) => void,
  fig: WriteFigures,
): Promise<UpdateOutcome> {
  const outcome: UpdateOutcome = { matched: 0, modified: 0 };
  resetFigures(fig);
  await writeTargetsYielding(
    ctx,
    coll,
    q,
    st.multi,
    sync,
    () => {
      const b: UpdateOutcome = { matched: 0, modified: 0 };
      return {
        write: (txn, row, entry) => updateRow(txn, row, b, entry),
        committed: () => {
          outcome.matched += b.matched;
          outcome.modified += b.modified;
          if (b.beforeRow) outcome.beforeRow = b.beforeRow;
          if (b.after || b.afterBytes) {
            outcome.after = b.after;
            outcome.afterBytes = b.afterBytes;
          }
        },
      };
    },
    !ctx.transaction,
    rounds && { rounds, targets: jsFreeTargets(coll, st, js!) },
    fig,
  );
  if (outcome.matched === 0 && st.upsert) {
    const keys = newWriteFigures();
    await retryOnConflict(ctx, () =>
      writeInRounds(ctx, rounds, (txn) => {
        const mark = keysMark(txn);
        upsert(txn, outcome);
        resetFigures(keys);
        addKeysSince(keys, txn, mark);
      }, { sync }));
    fig.keysInserted += keys.keysInserted;
  }
  return outcome;
}

/** The reply being built over the statements. */
interface UpdateTally {
  readonly errors: WriteErrors;
  n: number;
  nModified: number;
  readonly upserted: Doc[];
  /** The reply recorded with the last statement's transaction (a retryable write: `runStatement`). */
  predicted?: Doc;
  /** Statements before this index run one per transaction (a group of them failed: update_group.ts). */
  aloneUntil: number;
  /** Whether statements may be grouped (decided once the collection exists; false once one refused). */
  grouping?: boolean | undefined;
}

/**
 * Synchronous while every statement is (no JavaScript, no conflict, one transaction each: the common
 * update by `_id` has no await between its request and its reply); from the first statement that
 * answers with a promise on, the rest run awaited.
 */
function run(ctx: RequestContext<UpdateParams>): Doc | Promise<Doc> {
  const tally: UpdateTally = { errors: new WriteErrors(), n: 0, nModified: 0, upserted: [], aloneUntil: 0 };
  return runFrom(ctx, tally, 0, commitSync(ctx));
}

function runFrom(
  ctx: RequestContext<UpdateParams>,
  tally: UpdateTally,
  from: number,
  sync: boolean,
): Doc | Promise<Doc> {
  const { updates: statements, ordered = true } = ctx.params;
  for (let i = from; i < statements.length; i++) {
    // a long batch gives the other clients their turns (docs/concurrency.md); the usual one-statement
    // update stays synchronous
    if (i > from && ctx.control.due()) return ctx.control.yieldNow().then(() => runFrom(ctx, tally, i, sync));
    if (i >= tally.aloneUntil && (tally.grouping ??= groupsStatements(ctx))) {
      // consecutive statements by _id in one transaction (update_group.ts)
      const g = runGroup(ctx, i, statements.length, sync, groupSteps(ctx, tally, sync));
      if (g.done > 0) {
        i += g.done - 1;
        continue;
      }
      if (g.stop) tally.grouping = false;
      tally.aloneUntil = i + g.alone;
    }
    ctx.counters.opcounters.update++;
    const mark = statementStart(ctx); // (the profiler's, when the database profiles)
    let r: UpdateOutcome | Promise<UpdateOutcome>;
    try {
      r = runStatement(ctx, i, sync, tally);
    } catch (e) {
      statementEnd(ctx, mark, i, e);
      tally.errors.add(i, e, (m) => ctx.log.error(m));
      if (ordered || ctx.transaction) break;
      continue;
    }
    if (r instanceof Promise) return awaitStatement(ctx, tally, i, r, sync, mark);
    statementEnd(ctx, mark, i);
    count(tally, i, r);
  }
  return replyOrPredicted(ctx, tally);
}

/** The reply; the one recorded with the last transaction when that committed (the same object). */
function replyOrPredicted(ctx: RequestContext<UpdateParams>, tally: UpdateTally): Doc {
  const predicted = tally.predicted;
  return predicted !== undefined && ctx.retryReply?.committed === predicted ? predicted : replyOf(tally);
}

/** Statement `i` answered with a promise: its outcome, then the statements after it. */
async function awaitStatement(
  ctx: RequestContext<UpdateParams>,
  tally: UpdateTally,
  i: number,
  pending: Promise<UpdateOutcome>,
  sync: boolean,
  mark: StatementMark | undefined,
): Promise<Doc> {
  try {
    const o = await pending;
    statementEnd(ctx, mark, i);
    count(tally, i, o);
  } catch (e) {
    statementEnd(ctx, mark, i, e);
    tally.errors.add(i, e, (m) => ctx.log.error(m));
    if ((ctx.params.ordered ?? true) || ctx.transaction) return replyOrPredicted(ctx, tally);
  }
  return await runFrom(ctx, tally, i + 1, sync);
}

function runStatement(
  ctx: RequestContext<UpdateParams>,
  i: number,
  sync: boolean,
  tally: UpdateTally,
  /** A group's transaction (update_group.ts): the statement is written there, synchronously. */
  shared?: WriteTxn,
): UpdateOutcome | Promise<UpdateOutcome> {
  const { collection: name, updates: statements } = ctx.params;
  const st = statements[i]!;
  let variables = ctx.params.let;
  if (st.constants !== undefined) {
    if (!Array.isArray(st.u)) {
      throw new CommandError(
        Location.UpdateConstantsNotPipeline,
        "Constant values may only be specified for pipeline updates",
      );
    }
    variables = { ...variables, ...st.constants };
  }
  // a retryable update's reply is known inside its last statement's transaction: recorded there
  const slot = ctx.retryReply;
  const predict = slot && i === statements.length - 1
    ? (o: UpdateOutcome) => slot.replyOnCommit(tally.predicted = replyWith(tally, i, o))
    : undefined;
  const bypass = ctx.params.bypassDocumentValidation;
  // (the parsed statement itself when the command has neither: no copy per statement)
  const full: UpdateStatement = variables === undefined && bypass === undefined
    ? st
    : { ...st, variables, bypassDocumentValidation: bypass };
  if (!statementCallsJs(st.q, st.u, variables)) {
    if (shared) return applyUpdate(ctx, name, full, sync, undefined, predict, shared);
    return retryOnConflictNow(ctx, () => applyUpdate(ctx, name, full, sync, undefined, predict));
  }
  if (shared) throw NOT_GROUPED;
  return statementJsParts(
    ctx,
    findCollection(ctx, name),
    { filter: st.q, update: st.u, collation: st.collation },
    variables,
    st.multi || st.sort ? undefined : 1,
  )!.then((js) => retryOnConflict(ctx, () => applyUpdate(ctx, name, full, sync, js, predict)));
}

/**
 * The command's statements may be grouped (update_group.ts): more than one, outside a multi-document
 * transaction, without `let`, on an existing collection that is neither capped nor time-series;
 * undefined while the collection does not exist (asked again at the next statement: the first upsert
 * of a sync job into a new collection creates it alone, the next ones are grouped).
 */
function groupsStatements(ctx: RequestContext<UpdateParams>): boolean | undefined {
  const p = ctx.params;
  if (p.updates.length < 2 || ctx.transaction || p.let !== undefined) return false;
  const coll = findCollection(ctx, p.collection);
  if (coll === undefined) return undefined;
  return coll.options["capped"] !== true && timeseriesOf(coll) === undefined;
}

/** A statement a group may take: one document by a plain `_id` value, an operator or replacement update. */
function groupable(st: UpdateStatement): boolean {
  if (st.multi || Array.isArray(st.u) || st.constants !== undefined || st.sort !== undefined) return false;
  if (st.hint !== undefined || st.collation !== undefined || st.arrayFilters !== undefined) return false;
  let n = 0;
  for (const k in st.q) if (k !== "_id" || ++n > 1) return false;
  const id = st.q["_id"];
  return n === 1 && (typeof id === "string" || typeof id === "number" ||
    (id instanceof ObjectId && (id as { _bsontype?: string })._bsontype === "ObjectId"));
}

/** The command's figures a failed group puts back. */
interface Saved {
  readonly n: number;
  readonly nModified: number;
  readonly upserted: number;
  readonly predicted: Doc | undefined;
  readonly opUpdates: number;
  readonly stats: Readonly<Record<string, unknown>>;
  readonly statements: number | undefined;
}

/** The command's part of a group: its statements run in the group's transaction, counted as alone. */
function groupSteps(ctx: RequestContext<UpdateParams>, tally: UpdateTally, sync: boolean): GroupSteps<Saved> {
  const statements = ctx.params.updates;
  const stats = ctx.opStats as unknown as Record<string, unknown>;
  return {
    eligible: (i) => groupable(statements[i]!),
    run(i, txn) {
      ctx.counters.opcounters.update++;
      const mark = statementStart(ctx); // (the profiler's, when the database profiles)
      const r = runStatement(ctx, i, sync, tally, txn);
      if (r instanceof Promise) throw NOT_GROUPED; // (never: a shared statement is synchronous)
      statementEnd(ctx, mark, i);
      count(tally, i, r);
      return r.written ?? 0;
    },
    save: () => ({
      n: tally.n,
      nModified: tally.nModified,
      upserted: tally.upserted.length,
      predicted: tally.predicted,
      opUpdates: ctx.counters.opcounters.update,
      stats: { ...stats },
      statements: ctx.opStats.statements?.length,
    }),
    restore(s) {
      tally.n = s.n;
      tally.nModified = s.nModified;
      tally.upserted.length = s.upserted;
      if (s.predicted === undefined) delete tally.predicted;
      else tally.predicted = s.predicted;
      ctx.counters.opcounters.update = s.opUpdates;
      for (const k of Object.keys(stats)) if (!(k in s.stats)) delete stats[k];
      Object.assign(stats, s.stats);
      if (s.statements !== undefined) ctx.opStats.statements!.length = s.statements;
    },
  };
}

function count(tally: UpdateTally, i: number, r: UpdateOutcome): void {
  if (r.upsertedId !== undefined) {
    tally.n += 1;
    tally.upserted.push({ index: i, _id: r.upsertedId });
  } else {
    tally.n += r.matched;
    tally.nModified += r.modified;
  }
}

/** The reply once statement `i` counted `r` (the tally left as it is). */
function replyWith(tally: UpdateTally, i: number, r: UpdateOutcome): Doc {
  const t: UpdateTally = {
    errors: tally.errors,
    n: tally.n,
    nModified: tally.nModified,
    upserted: [...tally.upserted],
    aloneUntil: 0,
  };
  count(t, i, r);
  const reply = replyOf(t);
  // (a copy: an error added to the tally later must not change a reply already recorded)
  if (tally.errors.size > 0) reply["writeErrors"] = [...tally.errors.list];
  return reply;
}

function replyOf(tally: UpdateTally): Doc {
  const reply: Doc = { n: tally.n, nModified: tally.nModified };
  if (tally.upserted.length > 0) reply["upserted"] = tally.upserted;
  tally.errors.into(reply);
  reply["ok"] = 1;
  return reply;
}

/** Explain plans the first statement, as mongod explains a single-statement update. */
function explain(p: UpdateParams): ExplainShape {
  const st = p.updates[0]!;
  return {
    coll: p.collection,
    parts: {
      filter: st.q,
      hint: st.hint,
      sort: st.sort,
      limit: st.multi ? 0 : 1,
      collation: st.collation,
      variables: p.let,
    },
    wrap: "UPDATE",
  };
}

export const update = defineCommand<UpdateParams>({
  name: "update",
  help: "updates documents: {update: <coll>, updates: [{q, u, upsert, multi}], ordered}",
  auth: "update",
  parse: parseUpdate,
  run,
  explain,
});
