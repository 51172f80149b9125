/**
 * Runs a compiled query (access path + filter + sort/skip/limit + projection) over storage, as a
 * cursor `BatchSource`. Each batch runs inside one storage read; a collection scan remembers the last
 * record id and resumes after it, so no storage iterator outlives a batch (like mongod yielding).
 * A sort is blocking: the first batch reads every match, sorts, then serves slices.
 */
import type { CollectionEntry, ReadTxn, StorageEngine } from "../storage/api.ts";
import type { BatchSource } from "./batch_source.ts";
import type { AccessPath } from "../planner/plan.ts";
import { CommandError } from "../errors/command_error.ts";
import type { Document as Doc } from "../bson/document.ts";
import { Row } from "./rows.ts";
import { idIndexKey } from "./index_keys.ts";
import { decodeKeyValues } from "../keys/key_decode.ts";
import { ixScanHits, type IxScanState, newIxScanState } from "./ixscan.ts";
import { GeoNearCursor } from "./geo_near.ts";
import { recordPlanAccess } from "./index_usage.ts";

export interface CompiledQuery {
  readonly access: AccessPath;
  /** Plans the planner considered and did not choose (explain's rejectedPlans). */
  readonly rejected?: readonly AccessPath[];
  /** The requested sort (explain: SORT stage unless the index provides it). */
  readonly sortSpec?: Doc | null;
  /** The requested projection (explain: PROJECTION stage). */
  readonly projectionSpec?: Doc | null;
  /** null = match everything. */
  readonly match: ((doc: Doc) => boolean) | null;
  readonly sort: ((a: Doc, b: Doc) => number) | null;
  readonly skip: number;
  /** 0 = no limit. */
  readonly limit: number;
  readonly project: ((doc: Doc) => Doc) | null;
  /** Bytes a blocking sort may hold before failing (mongod: 100 MiB without allowDiskUse). */
  readonly sortMemoryLimit?: number;
  /**
   * Top-level fields `match` and `sort` read (decode only those); null/absent = the whole document.
   */
  readonly readFields?: ReadonlySet<string> | null;
  /**
   * Covered by the index scan: rows are built from the index key (these fields, in key order, with
   * these directions) without fetching the document, whenever the key decodes exactly.
   */
  readonly covered?:
    | { readonly fields: readonly string[]; readonly directions: readonly (1 | -1)[] }
    | undefined;
}

export interface ExecStats {
  docsExamined: number;
  keysExamined: number;
  nReturned: number;
}

const SORT_LIMIT_DEFAULT = 100 * 1024 * 1024;

export class QuerySource implements BatchSource {
  readonly stats: ExecStats = { docsExamined: 0, keysExamined: 0, nReturned: 0 };
  #lastRid: bigint | undefined;
  #ix: IxScanState = newIxScanState();
  #near: GeoNearCursor | undefined;
  #scanDone = false;
  #sorted: Row[] | undefined;
  #sortedPos = 0;
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
    this.#counted = opts.countAccess === false;
  }

  nextBatch(maxDocs: number, maxBytes: number): { docs: Uint8Array[]; done: boolean } {
    const project = this.q.project;
    return this.#pull(
      maxDocs,
      maxBytes,
      (row) => (project ? projectBytes(row, project) : row.bytes),
      (b) => b.length,
    );
  }

  /**
   * Like nextBatch, but hands out decoded (and projected) documents: for pipelines. With `fields`
   * (top-level names the consumer can read) only those fields are decoded.
   */
  nextDocs(maxDocs: number, fields?: ReadonlySet<string> | null): { docs: Doc[]; done: boolean } {
    const project = this.q.project;
    return this.#pull(maxDocs, Infinity, (row) => (project ? project(row.doc) : row.view(fields)), () => 0);
  }

  #pull<T>(
    maxDocs: number,
    maxBytes: number,
    take: (row: Row) => T,
    sizeOf: (t: T) => number,
  ): { docs: T[]; done: boolean } {
    if (this.#closed) return { docs: [], done: true };
    this.#checkCollection();
    if (!this.#counted) {
      this.#counted = true;
      recordPlanAccess(this.coll, this.q.access);
    }
    const out: T[] = [];
    let bytes = 0;
    const limit = this.q.limit;
    const room = () =>
      out.length < maxDocs && (limit === 0 || this.#returned < limit) &&
      (out.length === 0 || bytes < maxBytes);
    const emit = (row: Row): boolean => {
      if (this.#skipLeft > 0) {
        this.#skipLeft--;
        return true;
      }
      const t = take(row);
      const size = sizeOf(t);
      if (out.length > 0 && bytes + size > maxBytes) return false;
      out.push(t);
      bytes += size;
      this.#returned++;
      this.stats.nReturned++;
      return true;
    };

    this.storage.read((txn) => {
      if (this.q.sort) {
        if (!this.#sorted) this.#sorted = this.#readAllSorted(txn);
        while (this.#sortedPos < this.#sorted.length && room()) {
          if (!emit(this.#sorted[this.#sortedPos]!)) break;
          this.#sortedPos++;
        }
        return;
      }
      for (const row of this.#rows(txn)) {
        if (!emit(row)) {
          this.#pending = row;
          break;
        }
        if (!room()) break;
      }
    });

    return { docs: out, done: this.#isDone() };
  }

  #pending: Row | undefined;

  #isDone(): boolean {
    if (this.q.limit !== 0 && this.#returned >= this.q.limit) return true;
    if (this.q.sort) return this.#sorted !== undefined && this.#sortedPos >= this.#sorted.length;
    return this.#scanDone && this.#pending === undefined;
  }

  /** Matching rows in access-path order, resuming after the last one handed out. */
  *#rows(txn: ReadTxn): Generator<Row> {
    if (this.#pending) {
      const p = this.#pending;
      this.#pending = undefined;
      yield p;
    }
    if (this.#scanDone) return;
    const a = this.q.access;
    if (a.kind === "idLookup") {
      this.#scanDone = true;
      const rid = txn.seekUnique(this.coll, "_id_", idIndexKey(a.id));
      if (rid === null) return;
      const bytes = txn.get(this.coll, rid);
      if (!bytes) return;
      this.stats.docsExamined++;
      const row = new Row(rid, bytes);
      if (!this.q.match || this.q.match(row.view(this.q.readFields))) yield row;
      return;
    }
    if (a.kind === "geoNear") {
      const near = (this.#near ??= new GeoNearCursor(a));
      for (const hit of near.hits(txn, this.coll, this.q.match, this.stats)) yield hit.row;
      this.#scanDone = true;
      return;
    }
    if (a.kind === "ixScan") {
      const covered = this.q.covered;
      for (const hit of ixScanHits(txn, this.coll, a, this.#ix, this.stats)) {
        const values = covered ? decodeKeyValues(hit.key, covered.directions) : undefined;
        if (values && covered) {
          const row = Row.fromDoc(hit.rid, docFromKey(covered.fields, values));
          if (this.q.match && !this.q.match(row.doc)) continue;
          yield row;
          continue;
        }
        const bytes = txn.get(this.coll, hit.rid);
        if (!bytes) continue;
        this.stats.docsExamined++;
        const row = new Row(hit.rid, bytes);
        if (this.q.match && !this.q.match(row.view(this.q.readFields))) continue;
        yield row;
      }
      this.#scanDone = true;
      return;
    }
    const opts = this.#lastRid === undefined
      ? { reverse: a.reverse }
      : { reverse: a.reverse, after: this.#lastRid };
    const it = txn.scan(this.coll, opts);
    try {
      for (const rec of it) {
        this.#lastRid = rec.rid;
        this.stats.docsExamined++;
        const row = new Row(rec.rid, rec.bytes);
        if (this.q.match && !this.q.match(row.view(this.q.readFields))) continue;
        yield row;
      }
      this.#scanDone = true;
    } finally {
      it.return?.();
    }
  }

  #readAllSorted(txn: ReadTxn): Row[] {
    const rows: Row[] = [];
    let held = 0;
    const cap = this.q.sortMemoryLimit ?? SORT_LIMIT_DEFAULT;
    for (const row of this.#rows(txn)) {
      held += row.bytes.length;
      if (held > cap) {
        throw new CommandError(
          "QueryExceededMemoryLimitNoDiskUseAllowed",
          `Sort exceeded memory limit of ${cap} bytes, but did not opt in to external sorting.`,
        );
      }
      rows.push(row);
    }
    const cmp = this.q.sort!;
    const f = this.q.readFields;
    rows.sort((x, y) => cmp(x.view(f), y.view(f)));
    // Apply limit early to release memory.
    if (this.q.limit !== 0) rows.length = Math.min(rows.length, this.q.skip + this.q.limit);
    return rows;
  }

  #checkCollection(): void {
    const now = this.storage.catalog.getCollection(this.coll.db, this.coll.name);
    if (!now || !sameUuid(now.uuid, this.coll.uuid)) {
      this.close();
      throw new CommandError(
        "QueryPlanKilled",
        `collection dropped during query: ${this.coll.db}.${this.coll.name}`,
      );
    }
  }

  close(): void {
    this.#closed = true;
    this.#sorted = undefined;
  }
}

function projectBytes(row: Row, project: (doc: Doc) => Doc): Uint8Array {
  const r = new Row(row.rid, row.bytes);
  r.setDoc(project(row.doc));
  return r.bytes;
}

export function sameUuid(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The document a covered row stands for: key fields (dotted paths nest) with their key values. */
function docFromKey(fields: readonly string[], values: readonly unknown[]): Doc {
  const doc: Doc = {};
  fields.forEach((path, i) => {
    const parts = path.split(".");
    let cur = doc;
    for (let k = 0; k < parts.length - 1; k++) {
      const p = parts[k]!;
      if (cur[p] === null || typeof cur[p] !== "object") cur[p] = {};
      cur = cur[p] as Doc;
    }
    cur[parts[parts.length - 1]!] = values[i];
  });
  return doc;
}
