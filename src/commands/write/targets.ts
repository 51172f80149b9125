/**
 * Finds the records a write statement (update/delete/findAndModify) targets, inside the caller's
 * write transaction: all matches, or the first one for single-document writes. Rows are collected
 * before anything is modified, so a write never revisits a record it changed. With the statement's
 * `OpControl` the scan stops with 50 / 11601 past maxTimeMS or after killOp (the caller's write
 * transaction then rolls back).
 *
 * With a `budget` the scan is the statement's first, synchronous attempt: past that many examined
 * documents/keys (or matches) it throws `TargetScanTooLong` before anything was written, and the
 * statement runs again as a yielding write (`yielding_write.ts`).
 */
import type { CollectionEntry, ReadTxn } from "../../storage/api.ts";
import type { CompiledQuery } from "../../executor/compiled_query.ts";
import { idKeyOf } from "../../executor/index_keys.ts";
import { Row } from "../../executor/rows.ts";
import { newOrScanState, orScanHits } from "../../executor/or_scan.ts";
import { ixScanHits, newIxScanState } from "../../executor/ixscan.ts";
import { GeoNearCursor } from "../../executor/geo_near.ts";
import { recordPlanAccess } from "../../executor/index_usage.ts";
import type { OpControl } from "../../observability/op_control.ts";

/** What a synchronous target scan may examine, and match, before the statement yields instead. */
export interface TargetBudget {
  readonly examined: number;
  readonly matched: number;
}

/**
 * The first attempt's budget: about a millisecond of scanning, and few enough writes that the one
 * transaction stays short (docs/concurrency.md).
 */
export const FAST_BUDGET: TargetBudget = { examined: 1024, matched: 128 };

/** Thrown by a budgeted `findTargets` that would run too long for one synchronous step. */
export class TargetScanTooLong extends Error {
  constructor() {
    super("target scan over budget");
  }
}

export function findTargets(
  txn: ReadTxn,
  coll: CollectionEntry,
  q: CompiledQuery,
  multi: boolean,
  ctl?: OpControl,
  budget?: TargetBudget,
  /** Receives what the scan examined (index keys, documents), added to what it holds. */
  figures?: { keysExamined: number; docsExamined: number },
): Row[] {
  const out: Row[] = [];
  // maxTimeMS / killOp inside the write transaction: no yield here, but past the deadline the
  // statement fails (50) and its transaction rolls back
  let examined = 0;
  let rows: Row[] = [];
  const tick = () => {
    if (ctl?.due()) ctl.check();
    if (budget && (++examined > budget.examined || rows.length > budget.matched)) {
      throw new TargetScanTooLong();
    }
  };
  const a = q.access;
  recordPlanAccess(coll, a);
  if (a.kind === "idLookup") {
    // The filter is the `_id` point itself (IDHACK: `{_id: v}` or `{_id: {$eq: v}}`, v a point value,
    // planned only under the `_id` index's collation): the index key found is equal to v exactly when
    // the filter would match (one key per value, 1 = 1.0 = Long(1), strings as the collation's
    // keys), so the record is not decoded and matched again, as mongod's IDHACK does not.
    const hit = txn.getByUnique(coll, "_id_", idKeyOf(coll, a.id));
    if (hit !== null) {
      out.push(new Row(hit.rid, hit.bytes));
      if (figures) addExamined(figures, 1, 1);
    }
    return out;
  }
  rows = [];
  if (a.kind === "geoNear") {
    const stats = { keysExamined: 0, docsExamined: 0 };
    for (const hit of new GeoNearCursor(a).hits(txn, coll, q.match, stats)) {
      tick();
      rows.push(hit.row);
      if (!multi && !q.sort) break;
    }
    if (figures) addExamined(figures, stats.keysExamined, stats.docsExamined);
    return sortAndCut(rows, q, multi);
  }
  if (a.kind === "ixScan" || a.kind === "or") {
    const stats = { keysExamined: 0 };
    let docs = 0;
    try {
      // (an OR hands out each record id once: executor/or_scan.ts)
      const hits = a.kind === "or"
        ? orScanHits(txn, coll, a, newOrScanState(), stats)
        : ixScanHits(txn, coll, a, newIxScanState(), stats);
      for (const hit of hits) {
        tick();
        const bytes = txn.get(coll, hit.rid);
        if (!bytes) continue;
        docs++;
        const row = new Row(hit.rid, bytes);
        if (q.match && !q.match(row.view(q.readFields))) continue;
        rows.push(row);
        // (a SORT_MERGE OR's hits come branch by branch here: they are sorted below, by `mergeBy`)
        if (!multi && !q.sort && !q.mergeBy) break;
      }
    } finally {
      if (figures) addExamined(figures, stats.keysExamined, docs);
    }
    return sortAndCut(rows, q, multi);
  }
  // records the storage engine's matcher fails come `rejected` (CompiledQuery.prefilter)
  const it = txn.scan(
    coll,
    q.prefilter ? { reverse: a.reverse, prefilter: q.prefilter } : { reverse: a.reverse },
  );
  let docs = 0;
  try {
    for (const rec of it) {
      tick();
      docs++;
      if (rec.rejected) continue;
      const row = new Row(rec.rid, rec.bytes);
      if (q.match && !q.match(row.view(q.readFields))) continue;
      rows.push(row);
      if (!multi && !q.sort) break;
    }
  } finally {
    it.return?.();
    if (figures) addExamined(figures, 0, docs);
  }
  return sortAndCut(rows, q, multi);
}

function addExamined(e: { keysExamined: number; docsExamined: number }, keys: number, docs: number): void {
  e.keysExamined += keys;
  e.docsExamined += docs;
}

function sortAndCut(rows: Row[], q: CompiledQuery, multi: boolean): Row[] {
  const cmp = q.sort ?? q.mergeBy;
  if (cmp && rows.length > 1) {
    rows.sort((x, y) => cmp(x.view(q.readFields), y.view(q.readFields)));
  }
  return multi ? rows : rows.slice(0, 1);
}
