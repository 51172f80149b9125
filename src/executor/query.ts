/**
 * Runs a compiled query (access path + filter + sort/skip/limit + projection) over storage, as a
 * cursor `BatchSource`. Each batch runs inside one storage read; a collection scan remembers the last
 * record id and resumes after it, so no storage iterator outlives a batch (like mongod yielding).
 * A sort is blocking: it reads every match (over as many storage reads as it takes), sorts, then
 * serves slices.
 *
 * Cooperative yielding (docs/concurrency.md): the async `nextBatch` / `nextDocsAsync` pull in slices
 * of at most EXAMINE_PER_PULL examined documents/keys (one storage read each) and, between slices,
 * yield through the operation's OpControl when it is due (deadline and kill checked there). No
 * storage transaction is ever held across an `await`.
 *
 * This module owns the pulls (batches, budgets, skip and limit, JavaScript rounds) and the choice of
 * rows by access path; a collection scan's reading (whole or projected records) is coll_scan_rows.ts,
 * a blocking sort's buffer query_sort.ts, and each index access its own module (ixscan.ts, or_scan.ts,
 * merge_sort_scan.ts, text_or.ts, geo_near.ts, skip_entries.ts).
 */
import { BATCH_ELEMENT_OVERHEAD } from "../limits.ts";
import {
  type CollectionEntry,
  type GroupTableSpec,
  type IndexHit,
  type ReadTxn,
  type StorageEngine,
  type StorageGroupTable,
} from "../storage/api.ts";
import type { BatchSource } from "./batch_source.ts";
import type { IxScanPath } from "../planner/plan.ts";
import type { Document as Doc } from "../bson/document.ts";
import { Row } from "./rows.ts";
import { idKeyOf } from "./index_keys.ts";
import { rowMetaOf } from "./row_meta.ts";
import { skipEntries } from "./skip_entries.ts";
import { decodeKeyValues } from "../keys/key_decode.ts";
import { ixScanHits, type IxScanState, newIxScanState } from "./ixscan.ts";
import { newOrScanState, orScanHits } from "./or_scan.ts";
import { planKilled } from "./plan_killed.ts";
import { mergeSortRows, newMergeSortState } from "./merge_sort_scan.ts";
import { GeoNearCursor } from "./geo_near.ts";
import { newTextOrState, textOrRows } from "./text_or.ts";
import { clusteredScanPath, isClustered } from "./clustered.ts";
import { recordPlanAccess } from "./index_usage.ts";
import { GroupFold } from "./group_fold.ts";
import { NEVER_YIELD, OpControl } from "../observability/op_control.ts";
import { enterInterruptible, leaveInterruptible } from "../observability/interrupt.ts";
import type { CompiledQuery, ExecStats } from "./compiled_query.ts";
import { docFromKey, projectBytes } from "./row_bytes.ts";
import type { SortedRows } from "./sorted_rows.ts";
import { QuerySortBuffer } from "./query_sort.ts";
import { type CollScanPull, CollScanRows } from "./coll_scan_rows.ts";

/** Documents/keys one storage read examines before the async pulls consider yielding. */
export const EXAMINE_PER_PULL = 1024;

/** A batch being filled over several pulls. */
interface Acc<T> {
  readonly out: T[];
  bytes: number;
}

export class QuerySource implements BatchSource {
  readonly stats: ExecStats = { docsExamined: 0, keysExamined: 0, nReturned: 0 };
  /** The collection scan's position and counts (coll_scan_rows.ts). */
  readonly #collScan: CollScanRows;
  /** What the collection scan asks of the current pull. */
  readonly #collPull: CollScanPull = {
    spend: () => this.#spend(),
    matches: (row) => this.#matches(row),
    budget: () => this.#budget,
    skipLeft: () => this.#skipLeft,
    transient: () => this.#transient,
  };
  #ix: IxScanState = newIxScanState();
  #or = newOrScanState();
  #merge = newMergeSortState();
  #near: GeoNearCursor | undefined;
  /** TEXT_OR: the gathered record ids and the next one to fetch (text_or.ts). */
  #text = newTextOrState();
  #scanDone = false;
  #sorted: SortedRows | undefined;
  #skipLeft: number;
  #returned = 0;
  #closed = false;
  #counted: boolean;

  /** `opts.countAccess: false` (explain) keeps the run out of `$indexStats` counters. */
  constructor(
    private readonly storage: StorageEngine,
    private readonly coll: CollectionEntry,
    private readonly q: CompiledQuery,
    opts: { readonly countAccess?: boolean } = {},
  ) {
    this.#skipLeft = q.skip;
    this.#collScan = new CollScanRows(coll, q, this.stats);
    this.#counted = opts.countAccess === false;
  }

  /**
   * The next batch of stored BSON (projected), up to `maxDocs` / `maxBytes`, yielding through `ctl`
   * between slices of the scan.
   */
  async nextBatch(
    maxDocs: number,
    maxBytes: number,
    ctl: OpControl = NEVER_YIELD,
  ): Promise<{ docs: Uint8Array[]; done: boolean }> {
    return await this.batchNow(maxDocs, maxBytes, ctl);
  }

  /** `nextBatch` without a promise when one pull fills it (no yield, no JavaScript awaited): a short scan. */
  batchNow(
    maxDocs: number,
    maxBytes: number,
    ctl: OpControl = NEVER_YIELD,
  ): { docs: Uint8Array[]; done: boolean } | Promise<{ docs: Uint8Array[]; done: boolean }> {
    const project = this.#projector();
    if (project && this.q.projectAwaited) {
      return this.#nextBatchAwaited(maxDocs, maxBytes, ctl, project, this.q.projectAwaited);
    }
    if (project === null && maxDocs > 0 && this.#pointRead()) return this.#pointBatch(ctl);
    const acc: Acc<Uint8Array> = { out: [], bytes: 0 };
    const raw = this.q.rowMeta ? undefined : this.q.projectRaw;
    const take = (row: Row) => (project ? raw?.(row.bytes) ?? projectBytes(row, project) : row.bytes);
    const size = (b: Uint8Array) => b.length + BATCH_ELEMENT_OVERHEAD;
    if (this.#pull(acc, maxDocs, maxBytes, take, size, EXAMINE_PER_PULL, null, ctl)) {
      return this.#batchRest(acc, maxDocs, maxBytes, ctl, take, size);
    }
    ctl.check();
    return { docs: acc.out, done: this.#isDone() };
  }

  /**
   * A find by `_id` whose record goes out as stored: IDHACK with no filter left to run (the key is the
   * filter), no sort, skip or JavaScript, not yet read. `#pointBatch` serves it without the pull's
   * generator, closures and `Row` (what `#pull` over `#rows` does for it, in one call).
   */
  #pointRead(): boolean {
    const q = this.q;
    return q.access.kind === "idLookup" && q.match === null && q.sort === null && q.skip === 0 &&
      q.jsRounds === undefined && !this.#closed && !this.#scanDone && this.#pending === undefined &&
      this.#jsRow === undefined;
  }

  #pointBatch(ctl: OpControl): { docs: Uint8Array[]; done: boolean } {
    const a = this.q.access as Extract<CompiledQuery["access"], { kind: "idLookup" }>;
    this.#checkCollection();
    this.#countAccess();
    this.#scanDone = true;
    const coll = this.coll;
    const hit = this.storage.read((txn) => txn.getByUnique(coll, "_id_", idKeyOf(coll, a.id)));
    const docs: Uint8Array[] = [];
    if (hit !== null) {
      this.stats.docsExamined++;
      docs.push(hit.bytes);
      this.#returned++;
      this.stats.nReturned++;
    }
    ctl.check();
    return { docs, done: true };
  }

  /** The pulls of a batch after its first one stopped (to yield, or for a JavaScript call). */
  async #batchRest(
    acc: Acc<Uint8Array>,
    maxDocs: number,
    maxBytes: number,
    ctl: OpControl,
    take: (row: Row) => Uint8Array,
    size: (b: Uint8Array) => number,
  ): Promise<{ docs: Uint8Array[]; done: boolean }> {
    do await this.#afterPull(ctl); while (
      this.#pull(acc, maxDocs, maxBytes, take, size, EXAMINE_PER_PULL, null, ctl)
    );
    ctl.check();
    return { docs: acc.out, done: this.#isDone() };
  }

  /** A projected row that did not fit in the last batch (`#nextBatchAwaited`). */
  #projectedNext: Uint8Array | undefined;

  /**
   * `nextBatch` for a projection calling server-side JavaScript: one row at a time is pulled and
   * projected through `awaited` (its calls run awaited), so the event loop is never held by a call.
   */
  async #nextBatchAwaited(
    maxDocs: number,
    maxBytes: number,
    ctl: OpControl,
    project: (row: Row) => Doc,
    awaited: <T>(f: () => T) => Promise<T>,
  ): Promise<{ docs: Uint8Array[]; done: boolean }> {
    const out: Uint8Array[] = [];
    let bytes = 0;
    while (out.length < maxDocs) {
      if (this.#projectedNext === undefined) {
        const acc: Acc<Row> = { out: [], bytes: 0 };
        while (this.#pull(acc, 1, Infinity, (row) => row, () => 0, EXAMINE_PER_PULL, null, ctl)) {
          await this.#afterPull(ctl);
        }
        ctl.check();
        const row = acc.out[0];
        if (!row) break;
        this.#projectedNext = await awaited(() => projectBytes(row, project));
        if (this.#closed) break;
      }
      const size = this.#projectedNext.length + BATCH_ELEMENT_OVERHEAD;
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push(this.#projectedNext);
      bytes += size;
      this.#projectedNext = undefined;
    }
    ctl.check();
    return { docs: out, done: this.#projectedNext === undefined && this.#isDone() };
  }

  /**
   * Decoded (and projected) documents, for pipelines and commands that read documents: at most
   * `maxDocs`, and at most `budget` examined documents/keys (then possibly fewer, even none, with
   * `done: false`). With `fields` (top-level names the consumer can read) only those are decoded, and
   * maybe the filter's fields too (a collection scan reads and decodes both at once): the consumer
   * must read nothing else. `maxBytes` bounds the stored size of the documents taken (at least one
   * is always taken).
   */
  nextDocs(
    maxDocs: number,
    fields?: ReadonlySet<string> | null,
    budget = Infinity,
    maxBytes = Infinity,
  ): { docs: Doc[]; done: boolean } {
    const project = this.#projector();
    const acc: Acc<Doc> = { out: [], bytes: 0 };
    let storedSize = 0;
    const take = (row: Row) => {
      storedSize = row.size;
      return project ? project(row) : row.view(fields);
    };
    // The documents handed out own their bytes (a transient row's decodes copy), so a collection
    // scan's read-ahead buffers can be freed as the scan passes them (not when a sort holds rows).
    this.#transient = !this.q.sort && !this.q.rowMeta;
    try {
      this.#pull(acc, maxDocs, maxBytes, take, () => storedSize, budget, project ? null : fields ?? null);
    } finally {
      this.#transient = false;
    }
    return { docs: acc.out, done: this.#isDone() };
  }

  /**
   * The matching documents' stored bytes, for a consumer that reads whole documents and copies what it
   * keeps (a `$sort` fed BSON): `copy(bytes, at)` gets each (valid during the call) and `at`, the sum
   * of the sizes taken before it (a document the pull then does not take is asked for again). Limits
   * as `nextDocs`; for a query without sort, projection or row metadata (whose rows are whole).
   */
  nextStored(
    maxDocs: number,
    copy: (bytes: Uint8Array, at: number) => void,
    budget = Infinity,
    maxBytes = Infinity,
  ): { sizes: number[]; done: boolean } {
    const acc: Acc<number> = { out: [], bytes: 0 };
    const take = (row: Row) => (copy(row.bytes, acc.bytes), row.bytes.length);
    this.#transient = true; // (the scan's read-ahead buffers are freed as it passes them)
    try {
      this.#pull(acc, maxDocs, maxBytes, take, (n) => n, budget, null);
    } finally {
      this.#transient = false;
    }
    return { sizes: acc.out, done: this.#isDone() };
  }

  /** `nextDocs` filled to `maxDocs` (or the end), yielding through `ctl` between slices. */
  async nextDocsAsync(
    maxDocs: number,
    ctl: OpControl,
    fields?: ReadonlySet<string> | null,
  ): Promise<{ docs: Doc[]; done: boolean }> {
    const project = this.#projector();
    const acc: Acc<Doc> = { out: [], bytes: 0 };
    const take = (row: Row) => (project ? project(row) : row.view(fields));
    const need = project ? null : fields ?? null;
    while (this.#pull(acc, maxDocs, Infinity, take, () => 0, EXAMINE_PER_PULL, need, ctl)) {
      await this.#afterPull(ctl);
    }
    ctl.check();
    return { docs: acc.out, done: this.#isDone() };
  }

  /**
   * The matching rows themselves (record id and stored bytes, not projected), for a write that
   * targets them: at most `maxRows`, yielding through `ctl` between slices. A sort that spills
   * keeps record ids only when the query has `rowMeta`.
   */
  async nextRowsAsync(maxRows: number, ctl: OpControl): Promise<{ rows: Row[]; done: boolean }> {
    const acc: Acc<Row> = { out: [], bytes: 0 };
    while (this.#pull(acc, maxRows, Infinity, (row) => row, () => 0, EXAMINE_PER_PULL, null, ctl)) {
      await this.#afterPull(ctl);
    }
    ctl.check();
    return { rows: acc.out, done: this.#isDone() };
  }

  /**
   * A `$group` table of the storage engine (`ReadTxn.groupTable`) when this query is a plain
   * collection scan (no sort, skip, limit, projection or row metadata; not clustered; a filter only
   * when `spec.filter` is the same filter in the engine's terms) and the engine folds groups itself;
   * else undefined. The caller frees it.
   */
  groupTable(spec: GroupTableSpec): StorageGroupTable | undefined {
    const q = this.q;
    if (
      (q.match && spec.filter === undefined) || q.sort || q.skip !== 0 || q.limit !== 0 || q.project ||
      q.rowMeta || q.jsRounds ||
      q.access.kind !== "collScan" || isClustered(this.coll) || this.#collScan.lastRid !== undefined
    ) return undefined;
    return this.storage.read((txn) => txn.groupTable?.(spec));
  }

  /** Does this query's filter match a stored document (a record the engine's filter left to JS)? */
  matchesStored(bytes: Uint8Array): boolean {
    const match = this.q.match;
    return !match || match(new Row(0n, bytes).view(this.q.readFields));
  }

  /** The plan's index access counts once per query (`$indexStats`). */
  #countAccess(): void {
    if (this.#counted) return;
    this.#counted = true;
    recordPlanAccess(this.coll, this.q.access);
  }

  /** The scan folded into a storage engine group table (`groupFold`), made at the first slice. */
  #fold: GroupFold | undefined;

  /**
   * The scan's fold into a storage engine group table (`groupTable`): its slices (`slice`, or
   * `sliceAsync` off the JS thread) and `split`. When the scan is done, the folded records count as
   * examined (a table that answers "unsupported" counts nothing: the caller scans again through
   * `nextDocs`).
   */
  groupFold(): GroupFold {
    return this.#folder();
  }

  #folder(): GroupFold {
    this.#checkCollection();
    this.#countAccess();
    const reverse = this.q.access.kind === "collScan" && this.q.access.reverse;
    return this.#fold ??= new GroupFold(this.storage, this.coll, reverse, this.stats);
  }

  /** Between two async pulls: the JavaScript calls the last one stopped at run (awaited), then a yield. */
  async #afterPull(ctl: OpControl): Promise<void> {
    if (this.#jsWaiting) {
      this.#jsWaiting = false;
      await this.q.jsRounds!.settle();
    }
    if (ctl.dueNow()) await ctl.yieldNow();
  }

  /** The projection step over a row (with its metadata when the projection reads it), or null. */
  #projector(): ((row: Row) => Doc) | null {
    const project = this.q.project;
    if (!project) return null;
    if (!this.q.rowMeta) return (row) => project(row.doc);
    return (row) => project(row.doc, rowMetaOf(row, this.q.access, this.coll));
  }

  /**
   * One storage read adding to `acc`; true when it stopped only because `budget` ran out. `need`:
   * the top-level fields `take` reads of a row (`Row.view`), or null when it reads the whole document.
   */
  #pull<T>(
    acc: Acc<T>,
    maxDocs: number,
    maxBytes: number,
    take: (row: Row) => T,
    sizeOf: (t: T) => number,
    budget: number,
    need: ReadonlySet<string> | null,
    /** An async caller's control: JavaScript runs in rounds; the read is its interruptible section. */
    ctl?: OpControl,
  ): boolean {
    if (this.#closed) return false;
    this.#checkCollection();
    this.#countAccess();
    const out = acc.out;
    const limit = this.q.limit;
    const room = () =>
      out.length < maxDocs && (limit === 0 || this.#returned < limit) &&
      (out.length === 0 || acc.bytes < maxBytes);
    if (!room()) return false;
    this.#budget = budget;
    this.#pullDocs = maxDocs - out.length;
    let stopped = false;
    const emit = (row: Row): boolean => {
      if (this.#skipLeft > 0) {
        this.#skipLeft--;
        return true;
      }
      const t = take(row);
      const size = sizeOf(t);
      if (out.length > 0 && acc.bytes + size > maxBytes) return false;
      out.push(t);
      acc.bytes += size;
      this.#returned++;
      this.stats.nReturned++;
      return true;
    };

    // (a near query's cursor holds a ring's waiting documents aside: geo_near.ts)
    const js = ctl ? this.q.jsRounds : undefined;
    if (js) {
      js.begin();
      this.#jsActive = true;
    }
    let deferred = false;
    const section = ctl ? enterInterruptible(ctl) : undefined;
    try {
      stopped = this.#read(room, emit, need);
    } catch (e) {
      if (!js?.isDeferred(e) || (this.#jsRow === undefined && !this.#near?.waiting)) throw e;
      deferred = true;
      stopped = true;
    } finally {
      if (ctl) leaveInterruptible(section);
      if (js) {
        this.#jsActive = false;
        js.end(deferred);
      }
    }
    this.#jsWaiting = deferred;
    return stopped;
  }

  /** The storage read of one pull (`#pull`); true when it stopped before the end (budget spent). */
  #read(room: () => boolean, emit: (row: Row) => boolean, need: ReadonlySet<string> | null): boolean {
    let stopped = false;
    this.storage.read((txn) => {
      if (this.q.sort) {
        if (!this.#sorted) {
          this.#sorted = this.#readSorted(txn);
          if (!this.#sorted) {
            stopped = true;
            return;
          }
        }
        for (let row = this.#sorted.peek(); row !== undefined && room(); row = this.#sorted.peek()) {
          // skipped rows count against the pull's budget (a skip of 300k sorted rows merged them all
          // in one pull, ~1 s with nobody else served)
          const skipping = this.#skipLeft > 0;
          if (!emit(row)) break;
          this.#sorted.advance();
          if (skipping && --this.#budget <= 0) {
            stopped = true;
            break;
          }
        }
        return;
      }
      for (const row of this.#rows(txn, need)) {
        if (!emit(row)) {
          row.keep(); // (a transient row: the scan's buffer is freed as the loop ends)
          this.#pending = row;
          break;
        }
        if (!room()) break;
      }
      stopped = this.#budget <= 0 && !this.#scanDone && room();
    });
    return stopped;
  }

  #pending: Row | undefined;
  /**
   * The current pull copies what it keeps of a row (`nextDocs`): its collection scan reads with
   * `ScanOptions.transient` and makes transient rows.
   */
  #transient = false;
  /** A row whose match waits for a JavaScript call (`#matches`). */
  #jsRow: Row | undefined;
  /** The current pull runs the filter's JavaScript in rounds (an async pull). */
  #jsActive = false;
  /** The last pull stopped at an unanswered JavaScript call: settle before the next one. */
  #jsWaiting = false;
  /** Documents/keys the current pull may still examine before it stops (resumable). */
  #budget = Infinity;
  /** A blocking sort's matches so far and its runs on disk. */
  #sortBuf: QuerySortBuffer | undefined;

  /** Spends one unit of the pull's budget; false when it is spent (stop before examining more). */
  #spend(): boolean {
    return this.#budget-- > 0;
  }

  #isDone(): boolean {
    if (this.q.limit !== 0 && this.#returned >= this.q.limit) return true;
    if (this.q.sort) return this.#sorted !== undefined && this.#sorted.peek() === undefined;
    return this.#scanDone && this.#pending === undefined && this.#jsRow === undefined;
  }

  /**
   * The filter on one row (`doc`: a covered row's document). A JavaScript call without an answer
   * keeps the row for the next pull (`#jsRow`, matched again first) and ends this one (`JsRounds`).
   */
  #matches(row: Row, doc?: Doc): boolean {
    const match = this.q.match;
    if (!match) return true;
    try {
      return match(doc ?? row.view(this.q.readFields));
    } catch (e) {
      if (this.#jsActive && this.q.jsRounds?.isDeferred(e)) {
        row.keep();
        this.#jsRow = row;
      }
      throw e;
    }
  }

  /**
   * Matching rows in access-path order, resuming after the last one handed out. A row is whole, or
   * projected to (at least) `need` when that is not null.
   */
  *#rows(txn: ReadTxn, need: ReadonlySet<string> | null): Generator<Row> {
    if (this.#pending) {
      const p = this.#pending;
      this.#pending = undefined;
      // a row projected for another consumer: read it whole (removed since: it is gone)
      const bytes = p.projected && (need === null || !this.#collScan.projectedFor(need))
        ? txn.get(this.coll, p.rid)
        : p.bytes;
      if (bytes !== null) {
        if (bytes !== p.bytes) p.fill(bytes);
        yield p;
      }
    }
    if (this.#jsRow) {
      const r = this.#jsRow;
      this.#jsRow = undefined;
      const ok = this.#matches(r);
      this.q.jsRounds?.consumed();
      if (ok) yield r;
    }
    if (this.#scanDone) return;
    const a = this.q.access;
    if (a.kind === "idLookup") {
      this.#scanDone = true;
      const hit = txn.getByUnique(this.coll, "_id_", idKeyOf(this.coll, a.id));
      if (hit === null) return;
      this.stats.docsExamined++;
      const row = new Row(hit.rid, hit.bytes);
      if (this.#matches(row)) yield row;
      return;
    }
    if (a.kind === "geoNear") {
      const near = (this.#near ??= new GeoNearCursor(a));
      const js = this.#jsActive ? this.q.jsRounds : undefined;
      for (const hit of near.hits(txn, this.coll, this.q.match, this.stats, Infinity, js)) {
        hit.row.near = { distance: hit.distance, loc: hit.loc };
        yield hit.row;
      }
      this.#scanDone = true;
      return;
    }
    if (a.kind === "ixScan" && a.text) {
      const unread = need !== null && need.size === 0 && !this.q.sort && !this.q.project && !this.q.rowMeta;
      yield* this.#textRows(txn, a, unread);
      return;
    }
    if (a.kind === "ixScan" && this.#skipLeft > 0 && this.q.skipBeforeFetch) {
      // SKIP below FETCH: the skipped entries' records are never read (skip_entries.ts)
      const s = skipEntries(txn, this.coll, a, this.#ix, this.stats, this.#skipLeft, () => this.#spend());
      this.#skipLeft -= s.skipped;
      if (s.end) this.#scanDone = true;
      if (s.end || this.#skipLeft > 0) return;
    }
    if (a.kind === "ixScan" || a.kind === "or") {
      // Every hit's record is read (not covered, no multikey duplicates to skip): with the entries,
      // in one storage call per batch. SORT_MERGE reads each branch's next record (merge_sort_scan.ts).
      // (reading only `need`: records projected to need ∪ the filter's fields, `CollScanRows.projection`)
      const fields = need !== null ? this.#collScan.projection(need) ?? undefined : undefined;
      const fetch = this.q.covered || (a.kind === "ixScan" && a.dedup)
        ? undefined
        : { expect: this.#expectedHits(), fields };
      const ixRow = (hit: IndexHit) => this.#ixRow(txn, hit, fields);
      const merged = a.kind === "or" && this.q.mergeBy;
      const hits = merged
        ? mergeSortRows(txn, this.coll, a, this.#merge, this.stats, ixRow, this.q.mergeBy!)
        : a.kind === "or"
        ? orScanHits(txn, this.coll, a, this.#or, this.stats, fetch)
        : ixScanHits(txn, this.coll, a, this.#ix, this.stats, fetch, () => this.#spend());
      for (const hit of hits) {
        const row = merged ? hit as Row : ixRow(hit as IndexHit);
        if (row) yield row;
        // The hit is fully handled (the scan state is past it): stopping here resumes after it.
        if (!this.#spend()) return;
      }
      if (this.#ix.paused) this.#ix.paused = false; // (keys the filter rejected spent the pull's budget)
      else this.#scanDone = true;
      return;
    }
    if (isClustered(this.coll)) {
      // Natural order of a clustered collection is _id order (executor/clustered.ts).
      const noKeys = { keysExamined: 0 };
      for (const hit of ixScanHits(txn, this.coll, clusteredScanPath(a.reverse), this.#ix, noKeys)) {
        const bytes = txn.get(this.coll, hit.rid);
        if (bytes) {
          this.stats.docsExamined++;
          const row = new Row(hit.rid, bytes);
          if (this.#matches(row)) yield row;
        }
        if (!this.#spend()) return;
      }
      this.#scanDone = true;
      return;
    }
    yield* this.#collScan.rows(txn, a.reverse, need, this.#collPull);
    if (this.#collScan.ended) this.#scanDone = true;
  }

  /** TEXT_OR (text_or.ts): the record ids of every term's entries, then their records in order. */
  *#textRows(txn: ReadTxn, a: IxScanPath, unread: boolean): Generator<Row> {
    const spend = () => this.#spend();
    const matches = (row: Row) => this.#matches(row);
    const q = this.q;
    yield* textOrRows(
      txn,
      this.coll,
      a,
      this.#ix,
      this.#text,
      this.stats,
      q.textScored,
      spend,
      matches,
      unread,
    );
    if (this.#text.rids !== undefined && this.#text.at >= this.#text.rids.length) this.#scanDone = true;
  }

  /**
   * How many index entries this pull expects to read: what is left of skip + limit, within the pull's
   * batch, when the query has a limit and no blocking sort (filters the bounds do not decide may reject some: later
   * batches grow), else undefined (the storage engine's default first batch).
   */
  #expectedHits(): number | undefined {
    const q = this.q;
    if (q.limit === 0 || q.sort) return undefined;
    const left = this.#skipLeft + q.limit - this.#returned;
    return Math.max(1, Math.min(this.#budget, this.#skipLeft + this.#pullDocs, left));
  }
  /** Documents the current pull may still add (its batch size less what it holds). */
  #pullDocs = Infinity;

  /**
   * An index-scan hit as a matching row, or undefined: covered, built from the key; else its record,
   * read with the entry (`IndexScanOptions.fetch`, with `fields` projected to them) or now.
   */
  #ixRow(txn: ReadTxn, hit: IndexHit, fields?: ReadonlySet<string>): Row | undefined {
    const { rid, key } = hit;
    const covered = this.q.covered;
    const values = covered ? decodeKeyValues(key, covered.directions) : undefined;
    if (values && covered) {
      const row = Row.fromDoc(rid, docFromKey(covered.fields, values));
      row.key = key;
      return this.#matches(row, row.doc) ? row : undefined;
    }
    const rec = hit.record; // (read projected to `fields`: IndexScanOptions.fields; null: no record)
    const bytes = rec !== undefined
      ? rec?.buf
      : hit.bytes === undefined
      ? txn.get(this.coll, rid)
      : hit.bytes;
    if (!bytes) return undefined;
    this.stats.docsExamined++;
    if (rec?.rejected) return undefined;
    const row = rec ? Row.projected(rec, fields!) : new Row(rid, bytes);
    row.key = key;
    return this.#matches(row) ? row : undefined;
  }

  /**
   * Reads matches into the sort buffer until the pull's budget is spent (undefined: call again) or
   * the scan ends (the sorted rows).
   */
  #readSorted(txn: ReadTxn): SortedRows | undefined {
    const buf = this.#sortBuf ??= new QuerySortBuffer(this.q, this.stats);
    for (const row of this.#rows(txn, null)) buf.add(row);
    return this.#scanDone ? buf.finish() : undefined;
  }

  #checkCollection(): void {
    const killed = planKilled(this.storage, this.coll, this.q.access);
    if (killed) {
      this.close();
      throw killed;
    }
  }

  close(): void {
    this.#closed = true;
    this.#sorted = undefined;
    this.#sortBuf?.close();
    this.#sortBuf = undefined;
  }
}
