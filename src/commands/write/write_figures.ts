/**
 * The figures the profiler and the slow-query line show of a write statement (mongod's OpDebug for
 * update, delete and findAndModify): what its target scan examined, and the index entries its storage
 * writes added and removed (the transaction's own counts, `WriteTxn.keysInserted`). A statement keeps
 * them per attempt (`WriteFigures`) and adds them to the request's `opStats` once it succeeded.
 *
 * When the database profiles, an update or delete command also keeps each statement's own figures,
 * time and error (`statementStart` / `statementEnd`): mongod profiles every statement as an
 * operation of its own. Nothing of that is made when it does not.
 */
import type { RequestContext } from "../context.ts";
import type { WriteTxn } from "../../storage/api.ts";
import type { OpStats } from "../../observability/op_stats.ts";

/** One attempt's figures: its target scan's, and its index writes'. */
export interface WriteFigures {
  keysExamined: number;
  docsExamined: number;
  keysInserted: number;
  keysDeleted: number;
}

export function newWriteFigures(): WriteFigures {
  return { keysExamined: 0, docsExamined: 0, keysInserted: 0, keysDeleted: 0 };
}

/** A new attempt of the statement: nothing counted yet. */
export function resetFigures(f: WriteFigures): void {
  f.keysExamined = 0;
  f.docsExamined = 0;
  f.keysInserted = 0;
  f.keysDeleted = 0;
}

/** `txn`'s index write counts now (`keysSince` later gives what was written in between). */
export interface KeysMark {
  readonly inserted: number;
  readonly deleted: number;
}

export function keysMark(txn: WriteTxn): KeysMark {
  return { inserted: txn.keysInserted, deleted: txn.keysDeleted };
}

/** Adds to `f` the index entries `txn` added and removed since `mark`. */
export function addKeysSince(f: WriteFigures, txn: WriteTxn, mark: KeysMark): void {
  f.keysInserted += txn.keysInserted - mark.inserted;
  f.keysDeleted += txn.keysDeleted - mark.deleted;
}

type Figure =
  | "keysExamined"
  | "docsExamined"
  | "nMatched"
  | "nModified"
  | "nUpserted"
  | "ndeleted"
  | "ninserted"
  | "keysInserted"
  | "keysDeleted";

/** Adds `n` to figure `k` of the request's stats, and of its current statement's when one is kept. */
export function addFigure(ctx: RequestContext<unknown>, k: Figure, n: number): void {
  const s = ctx.opStats;
  s[k] = (s[k] ?? 0) + n;
  const own = s.statement;
  if (own !== undefined) own[k] = (own[k] ?? 0) + n;
}

/**
 * A succeeded update statement (or findAndModify's update): mongod's nMatched, nModified, nUpserted
 * (0 or 1), its examined figures, and keysInserted / keysDeleted when it wrote a document.
 */
export function recordUpdateFigures<O extends UpdateCounts>(
  ctx: RequestContext<unknown>,
  f: WriteFigures,
  o: O,
): O {
  const upserted = o.upsertedId !== undefined;
  addFigure(ctx, "keysExamined", f.keysExamined);
  addFigure(ctx, "docsExamined", f.docsExamined);
  addFigure(ctx, "nMatched", upserted ? 0 : o.matched);
  addFigure(ctx, "nModified", upserted ? 0 : o.modified);
  addFigure(ctx, "nUpserted", upserted ? 1 : 0);
  if (upserted || o.modified > 0) {
    addFigure(ctx, "keysInserted", f.keysInserted);
    addFigure(ctx, "keysDeleted", f.keysDeleted);
  }
  return o;
}

interface UpdateCounts {
  readonly matched: number;
  readonly modified: number;
  readonly upsertedId?: unknown;
}

/** A succeeded delete statement (or findAndModify's remove): ndeleted, examined, keysDeleted. */
export function recordDeleteFigures<O extends { readonly n: number }>(
  ctx: RequestContext<unknown>,
  f: WriteFigures,
  o: O,
): O {
  const n = o.n;
  addFigure(ctx, "keysExamined", f.keysExamined);
  addFigure(ctx, "docsExamined", f.docsExamined);
  addFigure(ctx, "ndeleted", n);
  if (n > 0) addFigure(ctx, "keysDeleted", f.keysDeleted);
  return o;
}

/** Where a kept statement started. */
export interface StatementMark {
  readonly started: number;
  readonly yields: number;
  readonly own: OpStats;
}

/**
 * Before statement `i` of an update or delete command: a mark when the database profiles (its
 * statements are kept), else undefined (nothing else done).
 */
export function statementStart(ctx: RequestContext<unknown>): StatementMark | undefined {
  if (!ctx.profiler.profiles(ctx.db)) return undefined;
  const own: OpStats = {};
  ctx.opStats.statement = own;
  delete ctx.opStats.planSummary; // (the statement's own plan, once it has one)
  return { started: performance.now(), yields: ctx.control.yields, own };
}

/** After the statement `mark` started (index `index`, failed with `error` if given): kept. */
export function statementEnd(
  ctx: RequestContext<unknown>,
  mark: StatementMark | undefined,
  index: number,
  error?: unknown,
): void {
  if (mark === undefined) return;
  const s = ctx.opStats;
  s.statement = undefined;
  if (s.planSummary !== undefined) mark.own.planSummary = s.planSummary;
  (s.statements ??= []).push({
    index,
    micros: Math.round((performance.now() - mark.started) * 1000),
    stats: mark.own,
    numYield: ctx.control.yields - mark.yields,
    ...(error !== undefined ? { error } : {}),
  });
}
