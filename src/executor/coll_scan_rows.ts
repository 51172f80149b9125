/**
 * The collection-scan rows of a query (`QuerySource`, query.ts): records in natural order, resuming
 * after the last record id read, whole or through the storage engine's field projection
 * (`ReadTxn.scanFields`). This module owns the choice of those fields (the consumer's fields ∪ the
 * filter's, or only the filter's while matches are rare: whole documents are then read for the
 * matches alone), the skip that reads only the filter's fields of the skipped matches, and the
 * record/match counts that decide it.
 */
import { type CollectionEntry, type ReadTxn, SCAN_FIELDS_MAX, type ScanOptions } from "../storage/api.ts";
import type { CompiledQuery, ExecStats } from "./compiled_query.ts";
import { Row } from "./rows.ts";

/** Field set of a scan whose consumer reads no field and that has no filter. */
export const EMPTY_FIELDS: ReadonlySet<string> = new Set();
/** Records a collection scan examines before the match rate decides for or against projecting. */
const PROJECT_TRIAL = 512;
/** A projected scan that needs whole documents stays projected while under 1 in this many match. */
const PROJECT_MATCH_ODDS = 16;

/** What the scan asks of the query pulling its rows (its budget, skip and filter). */
export interface CollScanPull {
  /** Spends one unit of the pull's budget; false when it is spent (stop before examining more). */
  spend(): boolean;
  /** The filter on one row (false: not a match). */
  matches(row: Row): boolean;
  /** Documents the pull may still examine. */
  budget(): number;
  /** Matches still to skip. */
  skipLeft(): number;
  /** The pull copies what it keeps of a row: whole records are read transient. */
  transient(): boolean;
}

/** A collection scan's position and counts, kept across pulls. */
export class CollScanRows {
  /** The scan has read its last record. */
  ended = false;
  /** The last record examined (the next scan resumes after it). */
  lastRid: bigint | undefined;
  /** Records matched so far (both scan kinds): the projection's odds. */
  #matched = 0;
  /** The `need` the projected field set was made for, and that set (the filter's fields ∪ need). */
  #projNeed: ReadonlySet<string> | null | undefined;
  #projFields: ReadonlySet<string> | null = null;

  constructor(
    private readonly coll: CollectionEntry,
    private readonly q: CompiledQuery,
    private readonly stats: ExecStats,
  ) {}

  /** Was the projected field set last made for `need` (a row held over was projected for it)? */
  projectedFor(need: ReadonlySet<string> | null): boolean {
    return need === this.#projNeed;
  }

  /**
   * The scan's matching rows from where it stopped (`ended` once it reaches the end; it stops early when
   * the pull's budget is spent, or when its consumer stops taking rows).
   */
  *rows(
    txn: ReadTxn,
    reverse: boolean,
    need: ReadonlySet<string> | null,
    pull: CollScanPull,
  ): Generator<Row> {
    // the pull's budget is how many records it may examine (the engine reads ahead that many)
    const budget = pull.budget();
    const expect = Number.isFinite(budget) ? Math.max(1, budget) : undefined;
    // records the engine's own matcher fails come `rejected` (examined, never matched here)
    const prefilter = this.q.prefilter;
    const opts: { -readonly [K in keyof ScanOptions]: ScanOptions[K] } = {
      reverse,
      expect,
      ...(this.lastRid === undefined ? {} : { after: this.lastRid }),
      ...(prefilter ? { prefilter } : {}),
    };
    // The skipped matches are never read: only the filter's fields of each record come out (none
    // without a filter); whole records again from the first match kept (`emit` counts the skip).
    const skipFields = pull.skipLeft() > 0 && need === null ? this.projection(EMPTY_FIELDS) : null;
    if (skipFields !== null) {
      for (const row of this.#projectedScan(txn, skipFields, EMPTY_FIELDS, opts, pull)) {
        yield row;
        if (pull.skipLeft() === 0) break;
      }
      if (this.ended || pull.skipLeft() > 0 || pull.budget() <= 0) return;
      opts.after = this.lastRid!;
    }
    const fields = this.projection(need);
    if (fields !== null) {
      yield* this.#projectedScan(txn, fields, need, opts, pull);
      return;
    }
    const transient = pull.transient();
    const it = txn.scan(this.coll, transient ? { ...opts, transient } : opts);
    try {
      for (const rec of it) {
        if (!pull.spend()) return;
        this.lastRid = rec.rid;
        this.stats.docsExamined++;
        if (rec.rejected) continue;
        const row = transient ? Row.transient(rec.rid, rec.bytes) : new Row(rec.rid, rec.bytes);
        if (!pull.matches(row)) continue;
        this.#matched++;
        yield row;
      }
      this.ended = true;
    } finally {
      it.return?.();
    }
  }

  /**
   * The top-level fields a collection scan reads through the storage engine's projection, or null to
   * read whole records: when the consumer reads only `need` (then the filter's fields ∪ `need`), or
   * when it reads whole documents but the filter reads a few fields and rejects most records (whole
   * documents are then fetched for the matches only; a filter that keeps more than 1 in
   * PROJECT_MATCH_ODDS records, or one the engine prefilters, scans whole records instead).
   */
  projection(need: ReadonlySet<string> | null): ReadonlySet<string> | null {
    const q = this.q;
    // (a filter calling JavaScript may hold a row over for its next round: rows stay whole)
    if (q.sort || q.rowMeta || q.jsRounds) return null;
    const filterFields = q.match ? q.readFields ?? null : EMPTY_FIELDS;
    if (filterFields === null) return null;
    if (need === null) {
      // with a prefilter the engine copies out only the records it cannot reject: whole ones then cost
      // less than a projection and a search per match
      if (!q.match || q.prefilter) return null;
      const examined = this.stats.docsExamined;
      if (examined >= PROJECT_TRIAL && this.#matched * PROJECT_MATCH_ODDS > examined) return null;
    }
    if (this.#projNeed !== need) {
      this.#projNeed = need;
      const all = new Set(filterFields);
      if (need) { for (const f of need) all.add(f); }
      this.#projFields = all.size <= SCAN_FIELDS_MAX ? all : null;
    }
    return this.#projFields;
  }

  /** The collection scan through the storage engine's field projection (see `projection`). */
  *#projectedScan(
    txn: ReadTxn,
    fields: ReadonlySet<string>,
    need: ReadonlySet<string> | null,
    opts: ScanOptions,
    pull: CollScanPull,
  ): Generator<Row> {
    const it = txn.scanFields(this.coll, fields, opts);
    try {
      for (const rec of it) {
        if (!pull.spend()) return;
        this.lastRid = rec.rid;
        this.stats.docsExamined++;
        if (rec.rejected) continue;
        const row = Row.projected(rec, fields);
        if (!pull.matches(row)) continue;
        this.#matched++;
        if (need === null) {
          const bytes = txn.get(this.coll, rec.rid);
          if (bytes === null) continue; // cannot happen in one snapshot
          row.fill(bytes);
        }
        yield row;
      }
      this.ended = true;
    } finally {
      it.return?.();
    }
  }
}
