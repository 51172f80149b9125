/**
 * text_or.ts — TEXT_OR, the index half of a `$text` query (planner/text_plan.ts): the entries of each
 * query term are read, their record ids gathered and deduplicated, and the records then fetched in
 * record-id order.
 *
 * Index-scored (`CompiledQuery.textScored`: the filter is the `$text` alone, without negations,
 * phrases or case / diacritic sensitivity): each entry holds its document's score for its term
 * (keys/text_keys.ts), so a document's score is the sum of its entries' — mongod's TEXT_OR computes
 * it so — and every gathered document matches. The fetched rows carry the score (`Row.textScore`)
 * and are not matched or scored again from the document (tokenising and stemming each one was most
 * of such a query's cost). With `top` (a sort by the score alone with a limit), only the `top` best
 * scored records are fetched, ties to the lower record id: the order the blocking sort keeps ties in
 * (stable over input in record-id order), so the sort answers as if it had read every match. A
 * consumer that reads no field of them (a count) gets them unread.
 */
import type { CollectionEntry, ProjectedRecord, ReadTxn, RecordId } from "../storage/api.ts";
import type { IxScanPath } from "../planner/plan.ts";
import { textEntryScore } from "../keys/key_decode.ts";
import { ixScanHits, type IxScanState, type IxScanStats } from "./ixscan.ts";
import { Row } from "./rows.ts";

export interface TextOrState {
  /** The gathered record ids in fetch order, once every term's entries are read. */
  rids: RecordId[] | undefined;
  /** The next of them to fetch. */
  at: number;
  /** Index-scored: each record's score so far. */
  scores: Map<RecordId, number> | undefined;
}

export function newTextOrState(): TextOrState {
  return { rids: undefined, at: 0, scores: undefined };
}

const NO_FIELDS: ReadonlySet<string> = new Set();
const EMPTY_DOC = new Uint8Array([5, 0, 0, 0, 0]);
const EMPTY_VIEW = new DataView(EMPTY_DOC.buffer);

/** A record the consumer reads no field of, as an empty projection (its size unknown: 0). */
function unreadRecord(rid: RecordId): ProjectedRecord {
  return { rid, size: 0, buf: EMPTY_DOC, view: EMPTY_VIEW, at: 0, len: EMPTY_DOC.length, bytes: EMPTY_DOC };
}

const byRid = (x: RecordId, y: RecordId): number => (x < y ? -1 : x > y ? 1 : 0);

/**
 * The rows of a TEXT_OR scan, resumable: `spend()` false stops it (the budget of one pull; call again
 * with the same state to go on). `scored`: index-scored (see above), `top` the records to fetch.
 * `matches` filters each fetched row (the whole filter when not index-scored).
 */
export function* textOrRows(
  txn: ReadTxn,
  coll: CollectionEntry,
  a: IxScanPath,
  ix: IxScanState,
  st: TextOrState,
  stats: IxScanStats & { docsExamined: number },
  scored: { readonly top: number | undefined } | undefined,
  spend: () => boolean,
  matches: (row: Row) => boolean,
  /** Index-scored, the consumer reads no field (a count): the records are not read. */
  unread = false,
): Generator<Row> {
  if (st.rids === undefined) {
    if (scored) {
      const scores = (st.scores ??= new Map());
      // every entry counts (a document under two query terms has two): no dedup here
      const path: IxScanPath = a.dedup ? { ...a, dedup: false } : a;
      for (const hit of ixScanHits(txn, coll, path, ix, stats)) {
        const score = textEntryScore(hit.key);
        if (score === undefined) throw new Error(`internal: a text entry of ${a.indexName} without a score`);
        scores.set(hit.rid, (scores.get(hit.rid) ?? 0) + score);
        if (!spend()) return;
      }
      st.rids = bestRids(scores, scored.top);
    } else {
      for (const _hit of ixScanHits(txn, coll, a, ix, stats)) {
        if (!spend()) return;
      }
      st.rids = [...(ix.seen ?? [])].sort(byRid);
      delete ix.seen;
    }
  }
  const rids = st.rids;
  if (unread && st.scores) {
    while (st.at < rids.length) {
      const rid = rids[st.at++]!;
      const row = Row.projected(unreadRecord(rid), NO_FIELDS);
      row.textScore = st.scores.get(rid);
      yield row;
      if (!spend()) return;
    }
    return;
  }
  while (st.at < rids.length) {
    const rid = rids[st.at++]!;
    const bytes = txn.get(coll, rid);
    if (bytes) {
      stats.docsExamined++;
      const row = new Row(rid, bytes);
      const score = st.scores?.get(rid);
      if (score !== undefined) row.textScore = score;
      if (matches(row)) yield row;
    }
    if (!spend()) return;
  }
}

/** The record ids to fetch, in record-id order: all of them, or the `top` best scored (ties: lower id). */
export function bestRids(scores: ReadonlyMap<RecordId, number>, top: number | undefined): RecordId[] {
  const rids = [...scores.keys()];
  if (top !== undefined && rids.length > top) {
    rids.sort((x, y) => scores.get(y)! - scores.get(x)! || byRid(x, y));
    rids.length = top;
  }
  return rids.sort(byRid);
}
