/**
 * `WtTxn`: the `TxnHandle` (and so the ReadTxn / WriteTxn handed to `read` / `write` callbacks): one
 * WiredTiger snapshot transaction on a session it holds from `begin` until `commit`/`abort`. Scans
 * hold a private cursor of that session (released when the iterator finishes, returns, or the
 * transaction ends); they may be resumed across event-loop turns while the transaction is active.
 *
 * States (see api.ts): active → committed | aborted; active → failed (a write failed part-way, or a
 * write conflict) → aborted. Every method of an ended or failed transaction throws a StorageError.
 */

import {
  type CollectionEntry,
  type GroupTableSlice,
  type GroupTableSpec,
  type IndexEntry,
  type IndexHit,
  type IndexKeys,
  type IndexScanOptions,
  type InternalTable,
  type ProjectedRecord,
  type RandomPickOptions,
  type RecordId,
  type RecordView,
  type ScanOptions,
  type StorageChange,
  StorageError,
  type StorageGroupTable,
  type TableTxn,
  type TxnHandle,
  type TxnLabel,
  type TxnState,
  type UpdateHint,
  type WriteOptions,
} from "../api.ts";
import {
  GroupTable,
  type PackedMatchFilter,
  type PackedNames,
  packMatchFilter,
  packNames,
  WtError,
} from "../../../ffi/wiredtiger/mod.ts";
import type { ScalarMatchTerm } from "../../bson/scalar_match_term.ts";
import { toStorageError } from "./errors.ts";
import type { HookSet } from "./hooks.ts";
import { LeasedIterator, revokeAll, type TxnScope } from "./scope.ts";
import type { SessionCtx } from "./sessions.ts";
import { asWtTable, WtTableTxn } from "./tables.ts";
import { usesIdent } from "./catalog.ts";
import { duplicateKey, findIndex, has, removeWithEntries, updateWithEntries } from "./entry_writes.ts";

/** Engine services a transaction needs. */
export interface TxnHost {
  readonly hooks: HookSet;
  nextRid(coll: CollectionEntry): RecordId;
  /** Committed record count as of `txn`'s snapshot, without its own changes. */
  count(txn: WtTxn, coll: CollectionEntry): number;
  /** Durably sets the sticky multikey flag of the named indexes (a catalog commit of its own). */
  markMultikey(coll: CollectionEntry, indexNames: readonly string[]): void;
  /** Commit `txn`'s WT transaction (roll back if read-only), apply its counts, release its session. */
  finishCommit(txn: WtTxn, opts: WriteOptions | undefined): void;
  /** Roll back `txn`'s WT transaction and release its session. */
  finishAbort(txn: WtTxn): void;
  /** Catalog staging (see catalog.ts `stageCollection` / `stageIndex`). */
  stageCollection(txn: WtTxn, db: string, name: string, options: Record<string, unknown>): CollectionEntry;
  stageIndex(txn: WtTxn, coll: CollectionEntry, index: Omit<IndexEntry, "ident">): CollectionEntry;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Indexes named by `keys.multikey` whose flag `coll` does not show yet. */
function newMultikey(coll: CollectionEntry, keys: IndexKeys): readonly string[] | undefined {
  const names = keys.multikey;
  if (names === undefined || names.length === 0) return undefined;
  for (const i of coll.indexes) if (!i.multikey && names.includes(i.name)) return names;
  return undefined;
}

/** The last field set a projected scan packed: a query asks with the same Set for every pull. */
let lastFields: ReadonlySet<string> | undefined;
let lastPacked: PackedNames | undefined;

function packedNames(fields: ReadonlySet<string>): PackedNames {
  if (fields !== lastFields || lastPacked === undefined) {
    lastPacked = packNames(fields);
    lastFields = fields;
  }
  return lastPacked;
}

/** Scan prefilters packed once per terms array (a query passes the same one with every pull). */
const packedFilters = new WeakMap<readonly ScalarMatchTerm[], PackedMatchFilter>();

function packedFilter(terms: readonly ScalarMatchTerm[] | undefined): PackedMatchFilter | undefined {
  if (terms === undefined || terms.length === 0) return undefined;
  let p = packedFilters.get(terms);
  if (p === undefined) packedFilters.set(terms, p = { bytes: packMatchFilter(terms), count: terms.length });
  return p;
}

/**
 * `randomRecords` draws record ids uniformly while at least this share of the snapshot's id range holds
 * records (each pick then costs at most 1 / RID_DENSITY_MIN lookups on average); below it, WiredTiger's
 * random cursor picks instead.
 */
const RID_DENSITY_MIN = 0.25;

/** What a transaction that changed no count, or created no collection, reports (never modified). */
const NO_DELTAS: ReadonlyMap<string, number> = new Map();
const NO_STAGED: ReadonlyMap<string, CollectionEntry> = new Map();

export class WtTxn implements TxnHandle, TxnScope {
  #state: TxnState = "active";
  #failure: StorageError | undefined;
  // The three collections below are made on first use: most transactions (a point read, an update
  // in place) need none of them, and each empty Map or Set costs ~130 bytes of garbage.
  #deltas: Map<string, number> | undefined;
  /** Open scans (scope.ts); undefined until the first. */
  leases: Set<LeasedIterator<unknown>> | undefined;
  #staged: Map<string, CollectionEntry> | undefined;

  /** Entries as this handle began of namespaces the catalog changed since (`catalogAsOf`). */
  #asOf: Map<string, CollectionEntry | null> | undefined;

  /** Set once a change was reported to the write hooks: commit then calls their `beforeCommit`. */
  #hooked = false;
  /** The commit timestamp a hook asked for (`commitAt`), given to WiredTiger at commit. */
  commitTs: bigint | undefined;
  /** Index entries `insert`, `update` and `remove` added / removed so far (`WriteTxn.keysInserted`). */
  keysInserted = 0;
  keysDeleted = 0;

  constructor(
    readonly ctx: SessionCtx,
    readonly host: TxnHost,
    readonly readOnly: boolean,
    readonly label?: TxnLabel,
    /** Reading as of this commit timestamp (`BeginOptions.readAt`). */
    readonly readAt?: bigint,
  ) {}

  commitAt(ts: bigint): void {
    this.commitTs = ts;
  }

  catalogAsOf(db: string, name: string): CollectionEntry | null | undefined {
    return this.#asOf?.get(`${db}.${name}`);
  }

  /** The catalog is about to change `ns`, whose entry was `before`: the first change keeps it. */
  catalogChanging(ns: string, before: CollectionEntry | undefined): void {
    this.#asOf ??= new Map();
    if (!this.#asOf.has(ns)) this.#asOf.set(ns, before ?? null);
  }

  /** True while this handle keeps entries of changed namespaces (their tables must not be dropped). */
  get keepsCatalog(): boolean {
    return this.#asOf !== undefined;
  }

  /** A handle reading as of an earlier time starts from the catalog as it was then (`WtCatalog.asOf`). */
  seedCatalog(asOf: Map<string, CollectionEntry | null>): void {
    if (asOf.size > 0) this.#asOf = asOf;
  }

  /** True when an entry this handle keeps uses table `ident`. */
  holds(ident: string): boolean {
    if (this.#asOf === undefined) return false;
    for (const e of this.#asOf.values()) if (e !== null && usesIdent(e, ident)) return true;
    return false;
  }

  /** Counts of records added (+) / removed (−) per record ident, applied on commit. */
  get deltas(): ReadonlyMap<string, number> {
    return this.#deltas ?? NO_DELTAS;
  }

  #addDelta(ident: string, d: number): void {
    const m = this.#deltas ??= new Map();
    m.set(ident, (m.get(ident) ?? 0) + d);
  }

  /** Collections this transaction created ("db.name" → latest entry), published at commit. */
  get staged(): ReadonlyMap<string, CollectionEntry> {
    return this.#staged ?? NO_STAGED;
  }

  #notify(change: StorageChange): void {
    this.#hooked = true;
    this.host.hooks.notify(change, this);
  }

  get state(): TxnState {
    return this.#state;
  }

  assertActive(): void {
    if (this.#state === "active") return;
    if (this.#state === "failed") {
      const f = this.#failure!;
      throw new StorageError(
        f.code,
        `transaction must be aborted after an earlier error: ${f.message}`,
        f.indexName,
      );
    }
    throw new StorageError(
      "InternalError",
      `storage transaction already ${this.#state}: it cannot be used any more ` +
        "(e.g. outside its read/write callback)",
    );
  }

  /** Mark the transaction failed (only abort is left) and return the error to throw. */
  #fail(e: unknown, context: string): unknown {
    const se = toStorageError(e, context);
    if (this.#state === "active") {
      this.#state = "failed";
      this.#failure = se instanceof StorageError
        ? se
        : new StorageError("InternalError", `${context}: ${se instanceof Error ? se.message : String(se)}`);
      revokeAll(this);
    }
    return se;
  }

  readStep<T>(context: string, fn: () => T): T {
    this.assertActive();
    try {
      return fn();
    } catch (e) {
      throw this.#readError(e, context);
    }
  }

  /** A read error: a write conflict fails the transaction; anything else just becomes a StorageError. */
  #readError(e: unknown, context: string): unknown {
    if (e instanceof WtError && e.isRollback) return this.#fail(e, context);
    return toStorageError(e, context);
  }

  #assertWritable(): void {
    this.assertActive();
    if (this.readOnly) throw new StorageError("InternalError", "write attempted in a read-only transaction");
  }

  writeStep<T>(context: string, fn: () => T): T {
    this.#assertWritable();
    try {
      return fn();
    } catch (e) {
      throw this.#fail(e, context);
    }
  }

  // ------------------------------------------------------------------ ending

  commit(opts?: WriteOptions): void {
    if (this.#state === "committed") return;
    if (this.#state === "aborted") {
      throw new StorageError("InternalError", "cannot commit a storage transaction that was aborted");
    }
    if (this.#state === "failed") {
      const f = this.#failure!;
      this.abort();
      throw new StorageError(
        f.code,
        `transaction rolled back after an earlier error: ${f.message}`,
        f.indexName,
      );
    }
    if (this.#hooked && this.host.hooks.active) {
      try {
        this.host.hooks.beforeCommit(this);
      } catch (e) {
        const err = this.#fail(e, "commit");
        this.abort();
        throw err;
      }
    }
    revokeAll(this);
    this.#state = "committed";
    try {
      this.host.finishCommit(this, opts);
    } catch (e) {
      this.#state = "aborted"; // WiredTiger rolls a failed commit back
      throw toStorageError(e, "commit");
    }
  }

  abort(): void {
    if (this.#state === "committed" || this.#state === "aborted") return;
    revokeAll(this);
    this.#state = "aborted";
    this.host.finishAbort(this);
  }

  [Symbol.dispose](): void {
    this.abort();
  }

  // ------------------------------------------------------------------ reads

  // The hot paths below inline readStep/writeStep (no closure per call).

  get(coll: CollectionEntry, rid: RecordId): Uint8Array | null {
    this.assertActive();
    try {
      return this.ctx.cursor(coll.ident).recGet(rid);
    } catch (e) {
      throw this.#readError(e, "get");
    }
  }

  seekUnique(coll: CollectionEntry, indexName: string, key: Uint8Array): RecordId | null {
    this.assertActive();
    const idx = findIndex(coll, indexName);
    if (!idx.unique) throw new StorageError("InternalError", `index ${indexName} is not unique`);
    try {
      return this.ctx.cursor(idx.ident).idxSeek(key);
    } catch (e) {
      throw this.#readError(e, "seekUnique");
    }
  }

  getByUnique(coll: CollectionEntry, indexName: string, key: Uint8Array): RecordView | null {
    this.assertActive();
    const idx = findIndex(coll, indexName);
    if (!idx.unique) throw new StorageError("InternalError", `index ${indexName} is not unique`);
    try {
      return this.ctx.cursor(idx.ident).idxGetRecord(this.ctx.cursor(coll.ident), key);
    } catch (e) {
      throw this.#readError(e, "getByUnique");
    }
  }

  scan(coll: CollectionEntry, opts: ScanOptions = {}): IterableIterator<RecordView> {
    this.assertActive();
    const reverse = opts.reverse === true;
    const after = opts.after;
    const release = opts.transient === true;
    const filter = packedFilter(opts.prefilter);
    return new LeasedIterator(
      this,
      coll.ident,
      (c) => c.scanRecords(reverse, after, opts.expect, release, filter),
    );
  }

  scanFields(
    coll: CollectionEntry,
    fields: ReadonlySet<string>,
    opts: ScanOptions = {},
  ): IterableIterator<ProjectedRecord> {
    this.assertActive();
    const reverse = opts.reverse === true;
    const after = opts.after;
    const names = packedNames(fields);
    return new LeasedIterator(
      this,
      coll.ident,
      (c) => c.scanRecordFields(names, reverse, after, opts.expect, packedFilter(opts.prefilter)),
    );
  }

  randomRecords(coll: CollectionEntry, n: number, opts: RandomPickOptions = {}): RecordView[] {
    this.assertActive();
    if (n <= 0) return [];
    try {
      const picks = this.readAt === undefined ? this.#pickByRid(coll, n, opts.random ?? Math.random) : [];
      if (picks.length < n) {
        // a sparse id range (or a read as of an earlier time): WiredTiger's random cursor picks the rest
        for (const p of this.ctx.randomCursor(coll.ident).recRandom(n - picks.length, opts.sizeHint)) {
          picks.push(p);
        }
      }
      return picks;
    } catch (e) {
      throw this.#readError(e, "randomRecords");
    }
  }

  /**
   * Uniform picks: a record id drawn uniformly between the snapshot's first and last record ids, kept
   * when a record has it (else drawn again). Every record of the snapshot is equally likely. Stops
   * early (the caller's random cursor picks the rest) when the ids are sparse: fewer than
   * RID_DENSITY_MIN of them in use, or a draw's misses pass what that density allows.
   */
  #pickByRid(coll: CollectionEntry, n: number, random: () => number): RecordView[] {
    const picks: RecordView[] = [];
    const c = this.ctx.cursor(coll.ident);
    const first = c.recFirst();
    const last = c.recLast();
    if (last === 0n) return picks;
    const span = Number(last - first) + 1;
    const live = this.count(coll);
    if (live < span * RID_DENSITY_MIN) return picks;
    let misses = 0;
    const maxMisses = 64 + Math.ceil((n * span) / Math.max(1, live)) * 2;
    while (picks.length < n && misses <= maxMisses) {
      const rid = first + BigInt(Math.floor(random() * span));
      const bytes = c.recGet(rid);
      if (bytes === null) misses++;
      else picks.push({ rid, bytes });
    }
    return picks;
  }

  groupTable(spec: GroupTableSpec): StorageGroupTable {
    this.assertActive();
    return new GroupTable(spec);
  }

  groupScan(
    coll: CollectionEntry,
    table: StorageGroupTable,
    opts: { readonly after?: RecordId; readonly reverse?: boolean; readonly max: number },
  ): GroupTableSlice {
    this.assertActive();
    if (!(table instanceof GroupTable)) {
      throw new StorageError("InternalError", "not a WiredTiger group table");
    }
    try {
      return table.scan(this.ctx.cursor(coll.ident), opts.after, opts.reverse === true, opts.max);
    } catch (e) {
      throw this.#readError(e, "groupScan");
    }
  }

  async groupScanAsync(
    coll: CollectionEntry,
    table: StorageGroupTable,
    opts: { readonly after?: RecordId; readonly reverse?: boolean; readonly max: number },
  ): Promise<GroupTableSlice> {
    this.assertActive();
    if (!(table instanceof GroupTable)) {
      throw new StorageError("InternalError", "not a WiredTiger group table");
    }
    try {
      return await table.scanAsync(this.ctx.cursor(coll.ident), opts.after, opts.reverse === true, opts.max);
    } catch (e) {
      throw this.#readError(e, "groupScan");
    }
  }

  scanIndex(
    coll: CollectionEntry,
    indexName: string,
    opts: IndexScanOptions = {},
  ): IterableIterator<IndexHit> {
    this.assertActive();
    const idx = findIndex(coll, indexName);
    const bounds = scanBounds(idx.unique, opts);
    if (opts.fetch) {
      const expect = opts.expect;
      const records = () => this.ctx.cursor(coll.ident);
      const fields = opts.fields;
      if (fields !== undefined) {
        const names = packedNames(fields);
        const filter = packedFilter(opts.prefilter);
        return new LeasedIterator(
          this,
          idx.ident,
          (c) => c.scanIndexFetchFields(records, bounds, names, filter, expect),
        );
      }
      return new LeasedIterator(this, idx.ident, (c) => c.scanIndexFetch(records, bounds, expect));
    }
    return new LeasedIterator(this, idx.ident, (c) => c.scanIndex(bounds));
  }

  countIndex(
    coll: CollectionEntry,
    indexName: string,
    opts: IndexScanOptions,
    max: number,
    after?: Uint8Array,
  ): { readonly n: number; readonly after: Uint8Array | undefined } {
    this.assertActive();
    const idx = findIndex(coll, indexName);
    const bounds = scanBounds(idx.unique, opts);
    try {
      return this.ctx.cursor(idx.ident).countIndex(bounds, max, after);
    } catch (e) {
      throw this.#readError(e, "countIndex");
    }
  }

  count(coll: CollectionEntry): number {
    const own = this.#deltas?.get(coll.ident) ?? 0;
    return this.readStep("count", () => this.host.count(this, coll)) + own;
  }

  table(t: InternalTable): TableTxn {
    this.assertActive();
    return new WtTableTxn(this, asWtTable(t));
  }

  // ------------------------------------------------------------------ DDL inside the transaction

  createdCollection(db: string, name: string): CollectionEntry | undefined {
    return this.#staged?.get(`${db}.${name}`);
  }

  createdCollections(): CollectionEntry[] {
    return this.#staged === undefined ? [] : [...this.#staged.values()];
  }

  createCollection(db: string, name: string, options: Record<string, unknown> = {}): CollectionEntry {
    this.#assertWritable();
    const entry = this.host.stageCollection(this, db, name, options);
    (this.#staged ??= new Map()).set(`${db}.${name}`, entry);
    if (this.host.hooks.active) {
      this.writeStep("createCollection", () => this.#notify({ op: "createCollection", coll: entry }));
    }
    return entry;
  }

  createIndex(db: string, name: string, index: Omit<IndexEntry, "ident">): CollectionEntry {
    this.#assertWritable();
    const coll = this.#staged?.get(`${db}.${name}`);
    if (coll === undefined) {
      throw new StorageError("NamespaceNotFound", `${db}.${name} was not created by this transaction`);
    }
    const entry = this.writeStep("createIndex", () => this.host.stageIndex(this, coll, index));
    this.#staged!.set(`${db}.${name}`, entry);
    const added = entry.indexes[entry.indexes.length - 1]!;
    if (this.host.hooks.active) {
      this.writeStep("createIndex", () => this.#notify({ op: "createIndex", coll: entry, index: added }));
    }
    return entry;
  }

  // ------------------------------------------------------------------ writes

  insert(coll: CollectionEntry, bytes: Uint8Array, keys: IndexKeys, owned = false): RecordId {
    this.#assertWritable();
    if (keys.refusal) throw keys.refusal; // (before any write: the transaction stays usable)
    try {
      const mk = newMultikey(coll, keys);
      if (mk) this.host.markMultikey(coll, mk);
      const rid = this.host.nextRid(coll);
      this.ctx.cursor(coll.ident).recInsert(rid, bytes);
      for (const [name, list] of keys) {
        this.#addKeys(findIndex(coll, name), list, rid);
        this.keysInserted += list.length;
      }
      this.#addDelta(coll.ident, 1);
      if (this.host.hooks.active) this.#notify({ op: "insert", coll, rid, bytes, owned });
      return rid;
    } catch (e) {
      throw this.#fail(e, "insert");
    }
  }

  update(
    coll: CollectionEntry,
    rid: RecordId,
    bytes: Uint8Array,
    oldKeys: IndexKeys,
    newKeys: IndexKeys,
    hint?: UpdateHint,
  ): void {
    if (newKeys.refusal) {
      this.#assertWritable();
      throw newKeys.refusal;
    }
    this.#assertWritable();
    try {
      const mk = newMultikey(coll, newKeys);
      if (mk) this.host.markMultikey(coll, mk);
      const hooks = this.host.hooks;
      const before = hooks.preImages ? (hint?.before ?? this.ctx.cursor(coll.ident).recGet(rid)) : null;
      // the record and the changed entries in one shim call (issue 18), but beside a prepareUnique index
      const done = updateWithEntries(this.ctx, coll, rid, bytes, oldKeys, newKeys);
      if (done === false) {
        throw new StorageError("NoSuchKey", `record ${rid} not found in ${coll.db}.${coll.name}`);
      }
      if (done === undefined) this.#updateOneByOne(coll, rid, bytes, oldKeys, newKeys);
      else {
        this.keysDeleted += done.removed;
        this.keysInserted += done.added;
      }
      if (hooks.active) {
        const diff = hint?.diff;
        const o = diff ? hint?.o : undefined;
        // (built field by field: no spread of an empty object per optional field)
        const change: Mutable<Extract<StorageChange, { op: "update" }>> = {
          op: "update",
          coll,
          rid,
          bytes,
          replace: hint?.replace === true,
        };
        if (before !== null) change.before = before;
        if (diff) change.diff = diff;
        if (o) change.o = o;
        this.#notify(change);
      }
    } catch (e) {
      throw this.#fail(e, "update");
    }
  }

  remove(coll: CollectionEntry, rid: RecordId, keys: IndexKeys, stored?: Uint8Array): void {
    this.writeStep("remove", () => {
      const hooks = this.host.hooks;
      const before = hooks.preImages ? (stored ?? this.ctx.cursor(coll.ident).recGet(rid)) : null;
      // the record and every entry in one shim call (issue 18: ~8 crossings per document before)
      const removed = removeWithEntries(this.ctx, coll, rid, keys);
      if (removed === false) {
        throw new StorageError("NoSuchKey", `record ${rid} not found in ${coll.db}.${coll.name}`);
      }
      this.keysDeleted += removed;
      this.#addDelta(coll.ident, -1);
      if (hooks.active) {
        this.#notify(before === null ? { op: "remove", coll, rid } : { op: "remove", coll, rid, before });
      }
    });
  }

  /** `update`'s writes one shim call each (beside a prepareUnique index: `#addKey`'s check). */
  #updateOneByOne(
    coll: CollectionEntry,
    rid: RecordId,
    bytes: Uint8Array,
    oldKeys: IndexKeys,
    newKeys: IndexKeys,
  ): void {
    if (!this.ctx.cursor(coll.ident).recUpdate(rid, bytes)) {
      throw new StorageError("NoSuchKey", `record ${rid} not found in ${coll.db}.${coll.name}`);
    }
    for (const [name, olds] of oldKeys) {
      const gone = olds.filter((k) => !has(newKeys.get(name), k));
      this.#removeKeys(findIndex(coll, name), gone, rid);
      this.keysDeleted += gone.length;
    }
    // (an entry the new document also has stays: the adds below skip the old document's keys)
    for (const [name, list] of oldKeys.removeOnly ?? []) {
      const gone = list.filter((k) => !has(newKeys.get(name), k));
      this.#removeKeys(findIndex(coll, name), gone, rid);
      this.keysDeleted += gone.length;
    }
    for (const [name, news] of newKeys) {
      const added = news.filter((k) => !has(oldKeys.get(name), k));
      this.#addKeys(findIndex(coll, name), added, rid);
      this.keysInserted += added.length;
    }
  }

  insertIndexKeys(coll: CollectionEntry, rid: RecordId, keys: IndexKeys): void {
    this.writeStep("insertIndexKeys", () => {
      const mk = newMultikey(coll, keys);
      if (mk) this.host.markMultikey(coll, mk);
      for (const [name, list] of keys) this.#addKeys(findIndex(coll, name), list, rid, true);
    });
  }

  insertIndexEntries(
    coll: CollectionEntry,
    indexName: string,
    keys: readonly Uint8Array[],
    rids: readonly RecordId[],
    multikey: boolean,
  ): void {
    this.writeStep("insertIndexEntries", () => {
      const idx = findIndex(coll, indexName);
      if (idx.unique) {
        throw new StorageError("InternalError", `insertIndexEntries on unique index ${indexName}`);
      }
      if (multikey && !idx.multikey) this.host.markMultikey(coll, [indexName]);
      if (keys.length === 0) return;
      this.ctx.cursor(idx.ident).idxInsertPairs(keys, rids);
    });
  }

  removeIndexKeys(coll: CollectionEntry, rid: RecordId, keys: IndexKeys): void {
    this.writeStep("removeIndexKeys", () => {
      for (const [name, list] of keys) this.#removeKeys(findIndex(coll, name), list, rid);
    });
  }

  /** `#addKey` of each key: one shim call for the lot when no key needs a look first. */
  #addKeys(idx: IndexEntry, keys: readonly Uint8Array[], rid: RecordId, build = false): void {
    if (keys.length === 1 || (!build && !idx.unique && idx.spec["prepareUnique"] === true)) {
      for (const k of keys) this.#addKey(idx, k, rid, build);
      return;
    }
    if (keys.length === 0) return;
    if (!this.ctx.cursor(idx.ident).idxInsertManyUnlessTaken(idx.unique, keys, rid)) throw duplicateKey(idx);
  }

  #removeKeys(idx: IndexEntry, keys: readonly Uint8Array[], rid: RecordId): void {
    if (keys.length === 1) this.ctx.cursor(idx.ident).idxRemove(idx.unique, keys[0]!, rid);
    else if (keys.length > 1) this.ctx.cursor(idx.ident).idxRemoveMany(idx.unique, keys, rid);
  }

  /** `build`: an index build's own entries (a prepareUnique index builds with its duplicates). */
  #addKey(idx: IndexEntry, key: Uint8Array, rid: RecordId, build = false): void {
    if (!build && !idx.unique && idx.spec["prepareUnique"] === true && this.#heldByOther(idx, key, rid)) {
      throw duplicateKey(idx);
    }
    if (!this.ctx.cursor(idx.ident).idxInsertUnlessTaken(idx.unique, key, rid)) throw duplicateKey(idx);
  }

  /**
   * A `prepareUnique` index (collMod, the step before converting to unique) keeps its non-unique
   * layout, with duplicates from before, but refuses a new key another record already holds.
   */
  #heldByOther(idx: IndexEntry, key: Uint8Array, rid: RecordId): boolean {
    const c = this.ctx.acquire(idx.ident);
    try {
      for (const hit of c.scanIndex({ unique: false, lower: key, upper: key })) {
        if (hit.rid !== rid) return true;
      }
      return false;
    } finally {
      this.ctx.release(c);
    }
  }
}

/** The shim's bounds of an index scan or count. */
function scanBounds(unique: boolean, opts: IndexScanOptions) {
  return {
    unique,
    lower: opts.lower,
    lowerExclusive: opts.lowerExclusive,
    upper: opts.upper,
    upperExclusive: opts.upperExclusive,
    reverse: opts.reverse,
    afterRid: unique ? undefined : opts.afterRid,
    check: opts.keyCheck,
    onChecked: opts.onKeysChecked,
  };
}
