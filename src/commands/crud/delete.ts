/**
 * delete: removes the documents each statement ({q, limit: 0 | 1, hint, collation}) matches, one
 * storage transaction per statement, or yielding batches when it is long (`applyDelete`). Replies `{n, writeErrors?}`.
 */
import { recordPlan } from "../shared/read_figures.ts";
import { refuseOnView } from "../shared/views.ts";
import { BATCH_FIELDS, commitSync, nullAsMissing, statementList } from "../write/write_batch.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { collectionName } from "../params/names.ts";
import {
  doc,
  indexHint,
  int,
  optional,
  type Parsed,
  parseShape,
  type Reader,
  required,
} from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";
import { findCollection, refuseUserWrite } from "../shared/namespace.ts";
import { WriteErrors } from "../write/write_result.ts";
import { retryOnConflict } from "../write/conflict_retry.ts";
import { compileQueryWithLet } from "../shared/query_let.ts";
import { compileIdPoint } from "../shared/compile_query.ts";
import {
  jsFreeTargets,
  type JsRounds,
  jsRoundsFor,
  statementCallsJs,
  statementJsParts,
  writeInRounds,
} from "../write/js_rounds.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import { type JsParts, jsQueryParts } from "../shared/where.ts";
import { FAST_BUDGET, findTargets } from "../write/targets.ts";
import { retryYielding, writeTargetsYielding } from "../write/yielding_write.ts";
import {
  addKeysSince,
  keysMark,
  newWriteFigures,
  recordDeleteFigures,
  resetFigures,
  statementEnd,
  statementStart,
  type WriteFigures,
} from "../write/write_figures.ts";
import type { CollectionEntry, WriteTxn } from "../../storage/api.ts";
import { storedKeys } from "../write/entry_keys.ts";
import type { Row } from "../../executor/rows.ts";
import { refuseCappedInTransaction } from "../write/capped_in_transaction.ts";
import { refuseTimeseriesInTransaction } from "../shared/timeseries.ts";

export interface DeleteStatement {
  readonly q: Doc;
  readonly multi: boolean;
  readonly sort?: Doc | undefined;
  readonly hint?: unknown;
  readonly collation?: Doc | undefined;
  /** The command's `let` variables. */
  readonly variables?: Doc | undefined;
}

/** What a delete statement removed: how many documents, and a single-document one's (findAndModify returns it). */
export interface DeleteOutcome {
  n: number;
  first?: Doc;
}

/**
 * Deletes the targets of one statement: in one storage transaction when they are found quickly
 * (FAST_BUDGET, or an `_id` lookup), else in yielding batches (write/yielding_write.ts).
 */
export async function applyDelete(
  ctx: RequestContext,
  collName: string,
  st: DeleteStatement,
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
  predict?: (o: DeleteOutcome) => void,
): Promise<DeleteOutcome> {
  const js = jsGiven ?? (statementCallsJs(st.q, undefined, st.variables) ? jsQueryParts(ctx) : undefined);
  refuseUserWrite(ctx.db, collName);
  const coll = findCollection(ctx, collName);
  refuseCappedInTransaction(ctx, coll, "remove");
  refuseTimeseriesInTransaction(ctx, coll, "delete");
  // a single-document delete by a scalar `_id` alone: its collection's IDHACK shape, not compiled
  // and planned again (as update's)
  const q = (!js && !st.multi && coll !== undefined && st.sort === undefined && st.hint === undefined &&
    st.collation === undefined && st.variables === undefined && compileIdPoint(st.q, coll)) ||
    compileQueryWithLet(
      js
        ? { filter: st.q, sort: st.sort, hint: st.hint, collation: st.collation, ...js }
        : { filter: st.q, sort: st.sort, hint: st.hint, collation: st.collation },
      coll,
      st.variables,
      // (a sort's plans raced on the data: sort_trial_plan.ts)
      { noTableScan: ctx.tableScans.refused, trial: { storage: ctx.storage } },
    );
  if (coll !== undefined) recordPlan(ctx, coll, q.access);
  const fig = newWriteFigures(); // (the profiler's figures: write/write_figures.ts)
  if (!coll) {
    refuseOnView(ctx.storage, ctx.db, collName);
    return recordDeleteFigures(ctx, fig, { n: 0 });
  }
  const removeRow = (txn: WriteTxn, row: Row, out: DeleteOutcome, entry: CollectionEntry) => {
    // the keys from the fields the indexes read (a partial decode), the stored bytes for a pre-image
    txn.remove(entry, row.rid, storedKeys(entry, row), row.bytes);
    if (out.n++ === 0 && !st.multi) out.first = row.doc; // (findAndModify's, a single delete)
  };
  // `$where`/`$expr` calls the prefetch did not answer: awaited (write/js_rounds.ts)
  const rounds = js && jsRoundsFor(js, st.q);
  try {
    return recordDeleteFigures(
      ctx,
      fig,
      await deleteIn(ctx, coll, st, q, sync, removeRow, rounds, js, predict, fig),
    );
  } finally {
    rounds?.close();
  }
}

/** The write of `applyDelete` once everything is compiled. */
async function deleteIn(
  ctx: RequestContext,
  coll: CollectionEntry,
  st: DeleteStatement,
  q: CompiledQuery,
  sync: boolean,
  removeRow: (txn: WriteTxn, row: Row, out: DeleteOutcome, entry: CollectionEntry) => void,
  rounds: JsRounds | undefined,
  js: JsParts | undefined,
  predict: ((o: DeleteOutcome) => void) | undefined,
  fig: WriteFigures,
): Promise<DeleteOutcome> {
  const byId = q.access.kind === "idLookup";
  if (byId || !ctx.transaction) {
    try {
      const out = await writeInRounds(ctx, rounds, (txn) => {
        const out: DeleteOutcome = { n: 0 };
        resetFigures(fig);
        const mark = keysMark(txn);
        const targets = findTargets(txn, coll, q, st.multi, ctx.control, byId ? undefined : FAST_BUDGET, fig);
        for (const row of targets) removeRow(txn, row, out, coll);
        addKeysSince(fig, txn, mark);
        predict?.(out);
        return out;
      }, { sync });
      // later deletes by _id there may be answered by the I/O thread (point_reads.ts)
      if (byId && out.n === 1 && !ctx.transaction) {
        ctx.pointReads?.offerDelete(`${coll.db}.${coll.name}`, coll, ctx.client);
      }
      return out;
    } catch (e) {
      if (!retryYielding(e, st.multi, ctx)) throw e;
    }
    rounds?.committed();
  }
  const outcome: DeleteOutcome = { n: 0 };
  resetFigures(fig);
  await writeTargetsYielding(
    ctx,
    coll,
    q,
    st.multi,
    sync,
    () => {
      const b: DeleteOutcome = { n: 0 };
      return {
        write: (txn, row, entry) => removeRow(txn, row, b, entry),
        committed: () => {
          if (outcome.n === 0 && b.first) outcome.first = b.first;
          outcome.n += b.n;
        },
      };
    },
    !ctx.transaction,
    rounds && { rounds, targets: jsFreeTargets(coll, st, js!) },
    fig,
  );
  return outcome;
}

/** The fields of one `deletes` entry (mongod's DeleteOpEntry). */
const STATEMENT_FIELDS = {
  q: required(nullAsMissing(doc)),
  limit: required(nullAsMissing(int)),
  collation: optional(doc),
  hint: optional(indexHint),
} as const;

/** Reads one delete statement (path `delete.deletes`); `limit` must be 0 (all) or 1. */
export const deleteStatement: Reader<DeleteStatement> = (v, path) => {
  const s = parseShape(path, doc(v, path), STATEMENT_FIELDS);
  if (s.limit !== 0 && s.limit !== 1) {
    throw new CommandError(
      "FailedToParse",
      `The limit field in delete objects must be 0 or 1. Got ${s.limit}`,
    );
  }
  return { q: s.q, multi: s.limit === 0, hint: s.hint, collation: s.collation };
};

const FIELDS = {
  deletes: required(statementList(deleteStatement)),
  ...BATCH_FIELDS,
} as const;

export type DeleteParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseDelete(body: Doc): DeleteParams {
  return {
    ...parseShape("delete", body, FIELDS, { skip: "delete", alsoAccept: GENERIC_FIELDS }),
    collection: collectionName("delete", body),
  };
}

async function run(ctx: RequestContext<DeleteParams>): Promise<Doc> {
  const { collection: name, deletes: statements, ordered = true, let: variables } = ctx.params;
  const sync = commitSync(ctx);
  const errors = new WriteErrors();
  let n = 0;
  let predicted: Doc | undefined;
  for (let i = 0; i < statements.length; i++) {
    // a long batch gives the other clients their turns (docs/concurrency.md)
    if (i > 0 && ctx.control.due()) await ctx.control.yieldNow();
    ctx.counters.opcounters.delete++;
    const mark = statementStart(ctx); // (the profiler's, when the database profiles)
    try {
      const st = statements[i]!;
      const coll = findCollection(ctx, name);
      const js = await statementJsParts(
        ctx,
        coll,
        { filter: st.q, collation: st.collation },
        variables,
        st.multi ? undefined : 1,
      );
      // a retryable delete's reply is known inside its last statement's transaction: recorded there
      const slot = ctx.retryReply;
      const before = n;
      const predict = slot && i === statements.length - 1
        ? (o: DeleteOutcome) =>
          slot.replyOnCommit(
            predicted = errors.size > 0
              ? { n: before + o.n, ok: 1, writeErrors: [...errors.list] }
              : { n: before + o.n, ok: 1 },
          )
        : undefined;
      n += (await retryOnConflict(ctx, () => applyDelete(ctx, name, { ...st, variables }, sync, js, predict)))
        .n;
      statementEnd(ctx, mark, i);
    } catch (e) {
      statementEnd(ctx, mark, i, e);
      errors.add(i, e, (m) => ctx.log.error(m));
      if (ordered || ctx.transaction) break;
    }
  }
  // (the reply recorded with the last transaction, when that committed: the same object)
  if (predicted !== undefined && ctx.retryReply?.committed === predicted) return predicted;
  return errors.into({ n, ok: 1 });
}

/** Explain plans the first statement, as mongod explains a single-statement delete. */
function explain(p: DeleteParams): ExplainShape {
  const st = p.deletes[0]!;
  return {
    coll: p.collection,
    parts: {
      filter: st.q,
      hint: st.hint,
      limit: st.multi ? 0 : 1,
      collation: st.collation,
      variables: p.let,
    },
    wrap: "DELETE",
  };
}

export const del = defineCommand<DeleteParams>({
  name: "delete",
  help: "deletes documents: {delete: <coll>, deletes: [{q, limit: 0|1}], ordered}",
  auth: "remove",
  parse: parseDelete,
  run,
  explain,
});
