/**
 * Engine-agnostic storage API: what the layers above (executor, commands, sessions, oplog) may ask of
 * storage.
 *
 * Storage knows documents only as BSON bytes and index entries only as byte-sortable keys that the
 * caller has already encoded (see `src/keys/`). It never interprets a query. Every call is
 * synchronous (Deno runs our code on one thread), but a transaction need not fit in one call:
 *
 * Transactions
 *  - `begin()` returns a `TxnHandle`: one snapshot-isolation transaction that owns one storage
 *    session until `commit()` or `abort()`. It may be held across `await`s (several commands of a
 *    logical session) while other clients run their own transactions in between. Its reads see the
 *    snapshot taken at `begin()` plus its own writes; nothing it writes is visible to anyone else
 *    before `commit()`. `count()` follows the same rule (committed count as of `begin()` plus the
 *    handle's own inserts/removes); counts change for others only when a handle commits.
 *  - Two open handles that write the same record or unique-index key: the second writer gets
 *    `StorageError("WriteConflict")` at once (first writer wins, no waiting; also when the first has
 *    already committed after the second began: no silent lost update or duplicate). After any error
 *    from a write method (WriteConflict, DuplicateKey, NoSuchKey, an error thrown by a write hook) the
 *    handle is *failed*: every further call except `abort()` throws a StorageError with the same code,
 *    because the failed operation may have been half applied. `abort()` is then the only way out.
 *  - `commit()` and `abort()` end the handle and release its session; both are idempotent once the
 *    handle has ended (a second `abort()` is a no-op, a second `commit()` after a commit is a no-op,
 *    `commit()` after `abort()` throws). Any other use of an ended handle throws
 *    `StorageError("InternalError")` saying it has ended. `[Symbol.dispose]` aborts an active handle.
 *  - Iterators from `scan`/`scanIndex` are bound to their handle, not to a call: they may be held
 *    across `await`s and interleaved with other operations of the same handle (each holds a private
 *    cursor), and they throw once the handle has ended. Drain or `return()` them early: an open
 *    iterator pins its cursor (and a long-lived handle pins old versions in the cache, so the layer
 *    holding handles should bound their lifetime, as mongod's transactionLifetimeLimitSeconds does).
 *  - `read(fn)` / `write(fn)` are conveniences over a handle: begin, run `fn` synchronously, then
 *    abort (read) or commit (write; abort and rethrow when `fn` throws). A handle, and its iterators,
 *    are unusable once the callback has returned.
 *  - Record ids are allocated from one counter per collection shared by all handles: never reused,
 *    even when the handle that took one aborts.
 *
 * Write hooks (for decorators such as the oplog)
 *  - `addWriteHook(hook)` registers a `WriteHook`. It is told, synchronously and inside the same
 *    storage transaction, of every record mutation made through a WriteTxn (insert/update/remove)
 *    and of every catalog change (create/drop collection, create/drop/update index, rename, collection
 *    options changed, drop database: one change naming all its collections), in the order they happen. Through
 *    `txn.table(t)` it can write rows into internal tables (`openTable(name)`): those rows commit or
 *    roll back together with the change. A hook that throws fails the write (the handle becomes
 *    failed; a catalog change is rolled back and rethrown).
 *  - Not reported: writes to internal tables themselves, index-build key insertions
 *    (`insertIndexKeys`), the sticky multikey flag, the engine's own housekeeping, and whatever runs
 *    inside `withoutWriteHooks`.
 *
 * What is atomic with DDL, and what is not (WiredTiger schema operations are not transactional):
 *  - Every catalog change writes its catalog rows and the hooks' rows in ONE WT transaction (synced
 *    on disk engines): they become visible and durable together or not at all. `renameCollection`,
 *    `updateIndex` and `updateCollection` change catalog rows only, so they are fully atomic.
 *  - `createCollection` / `createIndex` create their (empty) tables before that transaction. If it
 *    rolls back (a hook threw, or a failure) the new tables are dropped again, best effort; after a
 *    crash in between, the orphan table has no catalog entry and is recycled when its ident comes up
 *    again. An index's entries are built afterwards by separate write transactions (not atomic with
 *    the catalog change).
 *  - `dropCollection` / `dropIndex` / `dropDatabase` remove catalog rows (atomically with the hooks'
 *    rows) and only then drop the tables, outside any transaction; a drop that cannot happen yet (a
 *    cursor still open on the table, e.g. an open handle that used it) is retried later. Once the
 *    catalog commit is done the change is final even if the table files linger.
 *  - DDL through the engine's `catalog` never joins a caller's TxnHandle: it commits on its own, at
 *    once, even while handles are open. The one exception is DDL made through a handle
 *    (`TxnHandle.createCollection` / `createIndex`, what a multi-document transaction may do): its
 *    tables are created at once (empty, unnamed by the catalog), but its catalog rows are written in
 *    the handle's transaction, so the collection or index is visible only to that handle until it
 *    commits, to everyone after, and its tables are dropped again when it aborts. While a handle holds
 *    such a namespace, the engine catalog refuses to create it (StorageError "WriteConflict": a
 *    plain write waits and retries, as for a record a transaction holds). A handle that began before the DDL still sees its old snapshot of records, but it holds
 *    `CollectionEntry` objects (immutable snapshots) that may name dropped tables: using them after
 *    the drop throws a StorageError.
 *  - The sticky multikey flag is committed in its own transaction before the write that needs it,
 *    and stays set if that write aborts.
 *  - Internal tables are created by `openTable` outside any transaction (idempotent).
 *
 * Implementations: `src/storage/wiredtiger/` (on-disk and `:memory:`).
 */

import type { RowBatch } from "./row_batch.ts";
export {
  type ProjectedRecord,
  type RecordId,
  type RecordView,
  SCAN_FIELDS_MAX,
  type ScanOptions,
} from "./scan_options.ts";
import type { ProjectedRecord, RecordId, RecordView, ScanOptions } from "./scan_options.ts";
import type { NativeReads } from "./native_reads.ts";
import type { ScalarMatchTerm } from "../bson/scalar_match_term.ts";
export type { NativeReads };
export { RowBatch } from "./row_batch.ts";

/** Options kept for an index in the catalog; `spec` is the full listIndexes document (v, key, name, …). */
export interface IndexEntry {
  readonly name: string;
  /**
   * The listIndexes document as the user created it (plus `v: 2`). BSON-serialisable. Storage reads
   * one option of it: `prepareUnique: true` on a non-unique index makes a write that adds a key
   * another record already holds fail with "DuplicateKey" (existing duplicates stay).
   */
  readonly spec: Record<string, unknown>;
  readonly unique: boolean;
  /** Storage-private identifier of the index table. */
  readonly ident: string;
  /**
   * Sticky multikey flag: set (durably, before the write that needs it commits) once any document
   * produced array-derived keys for this index; never cleared except by dropping the index.
   */
  readonly multikey?: boolean;
  /**
   * Being built (createIndexes, executor/index_build.ts): every write keeps its entries, no query
   * uses it, listIndexes does not show it. Cleared when the build finishes; an index still marked
   * after a restart was interrupted and is dropped when the server starts. Write hooks hear of the
   * index (`createIndex`) when its build finishes, and never of a drop before that.
   */
  readonly building?: boolean;
  /**
   * The layout of the index's entries, when it differs from what the index kind first stored (set
   * at creation, or by the upgrade that rewrote the entries; absent = the first layout). Storage
   * keeps it and never reads it. Text indexes: `TEXT_TERM_KEYS` (keys/text_keys.ts) = one entry per
   * term; absent = one placeholder entry per document, which `$text` cannot read.
   */
  readonly keyFormat?: number;
}

/** One collection as the catalog records it. Immutable snapshot: re-read after DDL. */
export interface CollectionEntry {
  readonly db: string;
  readonly name: string;
  /** 16-byte UUID (BSON binary subtype 4 above this layer). */
  readonly uuid: Uint8Array;
  /** The create options (capped, validator, …) as given, BSON-serialisable. */
  readonly options: Record<string, unknown>;
  /** Index list, `_id_` first. */
  readonly indexes: readonly IndexEntry[];
  /** Storage-private identifier of the record table. */
  readonly ident: string;
}

/**
 * Index keys for one document: index name → encoded keys (one per multikey element; usually one).
 * `multikey` optionally names the indexes for which this document is multikey: a write carrying it
 * sets those indexes' sticky `multikey` flag in the catalog before it commits.
 */
export type IndexKeys = ReadonlyMap<string, readonly Uint8Array[]> & {
  readonly multikey?: readonly string[];
  /**
   * Entries a write removes (the record's remove, or an update's old keys) but never adds: the
   * placeholder a text index held per document before term keys, while it is being rewritten
   * (executor/text_index_upgrade.ts).
   */
  readonly removeOnly?: ReadonlyMap<string, readonly Uint8Array[]>;
  /**
   * Why the document these keys belong to may not be stored, though its keys could still be computed
   * (an index refuses it, as mongod's key generation would: a text index's language override or an
   * array in its prefix / suffix field). `insert` and `update` (as the new keys) throw it before
   * writing anything; `remove` and an update's old keys ignore it, so a document stored before the
   * refusal existed can still be updated or removed.
   */
  readonly refusal?: Error;
};

export type {
  GroupMatchTerm,
  GroupMatchValue,
  GroupSumParts,
  GroupTableRow,
  GroupTableSlice,
  GroupTableSpec,
  StorageGroupTable,
} from "./group_table.ts";
import type { GroupTableSlice, GroupTableSpec, StorageGroupTable } from "./group_table.ts";

export interface IndexScanOptions {
  /** Lower bound on the encoded key (inclusive unless `lowerExclusive`). Omitted: from the start. */
  readonly lower?: Uint8Array;
  readonly lowerExclusive?: boolean;
  /** Upper bound on the encoded key (inclusive unless `upperExclusive`). Omitted: to the end. */
  readonly upper?: Uint8Array;
  readonly upperExclusive?: boolean;
  readonly reverse?: boolean;
  /**
   * Read each entry's record with it (`IndexHit.bytes`): one storage call per batch of entries
   * instead of a `get` per entry, for a consumer that fetches every record it scans.
   */
  readonly fetch?: boolean;
  /** How many entries the consumer expects to read (sizes the first batch); a hint only. */
  readonly expect?: number;
  /**
   * With `fetch`: read only these top-level fields of each record (at most SCAN_FIELDS_MAX names),
   * projected by the storage engine as `ReadTxn.scanFields` does: `IndexHit.record`, not `bytes`.
   */
  readonly fields?: ReadonlySet<string>;
  /**
   * With `fields`: records that fail these terms come `rejected` (`ScanOptions.prefilter`), nothing of
   * them copied out.
   */
  readonly prefilter?: readonly ScalarMatchTerm[];
  /**
   * A scan resumed on a non-unique index: begin strictly after the entry of the start bound's key
   * (`lower`, or `upper` in reverse, inclusive) and this record id — not at that key's first entry.
   */
  readonly afterRid?: RecordId;
  /**
   * Entries whose key fails this check (planner/key_check.ts: the intervals of key fields past the
   * bounds, mongod's bounds on every field) are skipped by the storage engine, their records not read.
   */
  readonly keyCheck?: Uint8Array;
  /** With `keyCheck`: told how many entries it skipped (explain's keys examined count them). */
  readonly onKeysChecked?: (n: number) => void;
}

/** One index entry as read. */
export interface IndexHit {
  readonly key: Uint8Array;
  readonly rid: RecordId;
  /**
   * With `IndexScanOptions.fetch`: the record the entry names (null: no such record in this
   * snapshot), a view the consumer may keep. Absent otherwise.
   */
  readonly bytes?: Uint8Array | null;
  /**
   * With `IndexScanOptions.fields`: the projection of the record the entry names (null: no such
   * record in this snapshot; `rejected`: the prefilter fails it). Absent otherwise.
   */
  readonly record?: ProjectedRecord | null;
}

/** Bounds for a scan of an internal table (raw byte order of keys). */
export interface TableScanOptions {
  /** Inclusive lower bound. Omitted: from the first key. */
  readonly lower?: Uint8Array;
  /** Exclusive upper bound. Omitted: to the last key. */
  readonly upper?: Uint8Array;
  readonly reverse?: boolean;
}

/**
 * A storage-owned key/value table for decorators (oplog entries, session records, …), opened with
 * `StorageEngine.openTable`. It is not a collection: it is not in the catalog, has no indexes and no
 * record ids, and writes to it are not reported to write hooks. Keys sort as raw bytes.
 */
export interface InternalTable {
  readonly name: string;
}

/** An internal table seen through one transaction (its snapshot, its writes). */
export interface TableTxn {
  /** The value stored under `key` (a private copy), or null. */
  get(key: Uint8Array): Uint8Array | null;
  /** Store `key` → `value`, replacing any value. `key` must not be empty. */
  put(key: Uint8Array, value: Uint8Array): void;
  /** Store `key` → `value`; throws StorageError "DuplicateKey" (failing the write) if `key` exists. */
  insert(key: Uint8Array, value: Uint8Array): void;
  /** `insert` of every row of the batch, in order, in one call. */
  insertMany(rows: RowBatch): void;
  /** Remove `key`; false when absent. */
  remove(key: Uint8Array): boolean;
  /** How many entries the table holds and their values' bytes, counted without reading them out. */
  tally(): { readonly count: number; readonly bytes: number };
  /** Entries in key order between bounds. Same lifetime rule as `ReadTxn.scan`. */
  scan(opts?: TableScanOptions): IterableIterator<readonly [Uint8Array, Uint8Array]>;
  /**
   * Remove the table's first keys in one storage call: from the first key ≥ `lower`, while fewer than
   * `max` were removed, the key is below `upper` (exclusive) and either fewer than `must` were removed
   * or the key is below `softUpper` (exclusive). Absent bounds bound nothing. Returns how many keys went
   * and the last of them.
   */
  removeLeading(
    opts: RemoveLeadingOptions,
  ): { readonly removed: number; readonly last: Uint8Array | undefined };
}

/** Which leading keys `TableTxn.removeLeading` removes. */
export interface RemoveLeadingOptions {
  readonly lower?: Uint8Array;
  readonly upper?: Uint8Array;
  readonly softUpper?: Uint8Array;
  /** Keys removed whatever `softUpper` says (still within `upper` and `max`); default 0. */
  readonly must?: number;
  readonly max: number;
}

/** What a write hook may do inside the transaction it is told about: read and write internal tables. */
export interface HookTxn {
  table(t: InternalTable): TableTxn;
  /**
   * Stamp the commit with this timestamp (the last call wins): a reader begun with an earlier
   * `readAt` does not see the transaction's changes. Unstamped commits are visible at every `readAt`.
   */
  commitAt(ts: bigint): void;
  /** The label the transaction was begun with (none for catalog changes and plain writes). */
  readonly label?: TxnLabel | undefined;
}

/** How `ReadTxn.randomRecords` picks. */
export interface RandomPickOptions {
  /** The bytes a record is expected to take (sizes the engine's buffers); a hint only. */
  readonly sizeHint?: number;
  /** Uniform in [0, 1) (default Math.random): a test's fixed draws. */
  readonly random?: () => number;
}

/** Reads in one snapshot; valid while the handle (or the `read`/`write` callback) that gave it lives. */
export interface ReadTxn {
  /** The stored bytes of one record, or null. */
  get(coll: CollectionEntry, rid: RecordId): Uint8Array | null;
  /** Exact lookup in a unique index: the record id stored under `key`, or null. */
  seekUnique(coll: CollectionEntry, indexName: string, key: Uint8Array): RecordId | null;
  /** `seekUnique` and then `get` of the record it names, as one storage call; null when either is absent. */
  getByUnique(coll: CollectionEntry, indexName: string, key: Uint8Array): RecordView | null;
  /** Records in record-id order. The iterator must be drained or returned inside the callback. */
  scan(coll: CollectionEntry, opts?: ScanOptions): IterableIterator<RecordView>;
  /**
   * `scan` that reads only the named top-level fields of each record (at most SCAN_FIELDS_MAX names;
   * the storage engine projects, so the rest of each document is never copied out). Same lifetime
   * rule as `scan`.
   */
  scanFields(
    coll: CollectionEntry,
    fields: ReadonlySet<string>,
    opts?: ScanOptions,
  ): IterableIterator<ProjectedRecord>;
  /**
   * `n` records of a collection picked at random, each independently among the records of this
   * transaction's snapshot (its own writes included), so one may come more than once (the caller
   * de-duplicates by record id). Fewer only when the collection has no record (none then). Absent when
   * the engine cannot pick records at random. WiredTiger: a record id drawn uniformly over the
   * snapshot's id range and looked up (drawn again when no record has it), or, when the ids in use are
   * sparse or the snapshot reads as of an earlier time, its `next_random` cursor (a random page, then a
   * random record of it: not uniform).
   */
  randomRecords?(coll: CollectionEntry, n: number, opts?: RandomPickOptions): RecordView[];
  /** A group table for `groupScan`; absent when the engine folds no `$group` itself. */
  groupTable?(spec: GroupTableSpec): StorageGroupTable;
  /**
   * Folds at most `max` records of a collection (record-id order, after `after`) into `table`, in
   * one call. The table must come from this engine's `groupTable`.
   */
  groupScan?(
    coll: CollectionEntry,
    table: StorageGroupTable,
    opts: { readonly after?: RecordId; readonly reverse?: boolean; readonly max: number },
  ): GroupTableSlice;
  /** `groupScan` off the JS thread (inside `StorageEngine.readAsync`). */
  groupScanAsync?(
    coll: CollectionEntry,
    table: StorageGroupTable,
    opts: { readonly after?: RecordId; readonly reverse?: boolean; readonly max: number },
  ): Promise<GroupTableSlice>;
  /** Index entries in key order between bounds. Same lifetime rule as `scan`. */
  scanIndex(coll: CollectionEntry, indexName: string, opts?: IndexScanOptions): IterableIterator<IndexHit>;
  /**
   * Counts the index entries between bounds (`opts`' bounds and direction; `fetch` ignored), at most
   * `max`, reading none out: a count the index answers (COUNT_SCAN). `after` is a previous answer's
   * stopping point (opaque; that answer's transaction may have ended): the count goes on past it. The
   * answer's `after` is set when `max` was reached (more may follow).
   */
  countIndex(
    coll: CollectionEntry,
    indexName: string,
    opts: IndexScanOptions,
    max: number,
    after?: Uint8Array,
  ): { readonly n: number; readonly after: Uint8Array | undefined };
  /**
   * Number of records as this transaction sees them (committed as of its snapshot plus its own
   * changes). May be a fast estimate kept by the engine; exact for this implementation.
   */
  count(coll: CollectionEntry): number;
  /** An internal table through this transaction (writes refused in a read-only transaction). */
  table(t: InternalTable): TableTxn;
}

export interface WriteTxn extends ReadTxn, HookTxn {
  /**
   * Index entries this transaction's `insert`, `update` and `remove` calls added / removed so far
   * (an update's unchanged entries not counted; index builds not counted): mongod's keysInserted /
   * keysDeleted, read before and after a statement's writes.
   */
  readonly keysInserted: number;
  readonly keysDeleted: number;
  /**
   * Store a new record and its index entries. Throws `StorageError` with code "DuplicateKey" (and
   * `indexName`) if a unique index already holds one of the keys; the transaction is then failed
   * (see the module comment): only abort is left, and a `write` callback rethrows after rolling back.
   * `owned`: the caller never changes `bytes` afterwards, so write hooks (the oplog's entry, encoded at
   * commit) keep them as they are instead of copying them.
   */
  insert(coll: CollectionEntry, bytes: Uint8Array, keys: IndexKeys, owned?: boolean): RecordId;
  /**
   * Replace a record's bytes; index entries in `oldKeys` are removed and `newKeys` added (diffed).
   * `hint` is handed to write hooks (the oplog logs a replacement differently from a modification).
   */
  update(
    coll: CollectionEntry,
    rid: RecordId,
    bytes: Uint8Array,
    oldKeys: IndexKeys,
    newKeys: IndexKeys,
    hint?: UpdateHint,
  ): void;
  /**
   * Remove a record and its index entries. `before`: the record's stored bytes when the caller read
   * them (owned, never changed afterwards): write hooks that want them take these instead of reading
   * the record again.
   */
  remove(coll: CollectionEntry, rid: RecordId, keys: IndexKeys, before?: Uint8Array): void;
  /** Add index entries for an existing record (index builds). DuplicateKey as for `insert`. */
  insertIndexKeys(coll: CollectionEntry, rid: RecordId, keys: IndexKeys): void;
  /** Remove index entries of an existing record (an index's entries rewritten in a new layout). */
  removeIndexKeys(coll: CollectionEntry, rid: RecordId, keys: IndexKeys): void;
  /**
   * Add entries of existing records to one non-unique index (an index build's batch): `keys[i]`
   * for record `rids[i]`, best in key order (the build sorts them: neighbouring inserts land on the
   * same pages). `multikey` sets the index's sticky flag first.
   */
  insertIndexEntries(
    coll: CollectionEntry,
    indexName: string,
    keys: readonly Uint8Array[],
    rids: readonly RecordId[],
    multikey: boolean,
  ): void;
}

export interface WriteOptions {
  /**
   * Durable before it is acknowledged (j: true / sync_on_commit), with group commit: the commit is
   * made (visible, its log written to the OS) when the call returns, and joins the next shared flush
   * of the log; the caller acknowledges after `await whenDurable()`. Concurrent committers share one
   * fsync.
   */
  readonly sync?: boolean;
  /** Flush the log to stable storage before returning (one fsync of its own; settings, users). */
  readonly syncNow?: boolean;
}

export interface BeginOptions {
  /** Refuse writes (records and internal tables); the handle can only read. Default false. */
  readonly readOnly?: boolean;
  /** Who the transaction writes for, passed to write hooks untouched (storage never reads it). */
  readonly label?: TxnLabel;
  /**
   * Read as of this commit timestamp: commits stamped later are invisible (a write to a record one of
   * them changed is a WriteConflict).
   * StorageError "SnapshotTooOld" when it is older than the history kept (`keepHistorySince`).
   */
  readonly readAt?: bigint;
}

/**
 * Opaque to storage: a decorator's description of the transaction (the oplog records a session
 * transaction's lsid and txnNumber on its applyOps entry).
 */
export interface TxnLabel {
  readonly lsid?: Readonly<Record<string, unknown>>;
  readonly txnNumber?: bigint;
}

/** What the caller tells hooks about an update (storage never reads it). */
export interface UpdateHint {
  /** The new bytes replace the document (replacement-style update) rather than modify it. */
  readonly replace?: boolean;
  /** The modification as the update engine describes it (the oplog's `$v: 2` diff). */
  readonly diff?: Readonly<Record<string, unknown>>;
  /** `{$v: 2, diff}` already encoded (as `BSON.serialize` encodes it), when the caller has it. */
  readonly o?: Uint8Array;
  /**
   * The record's bytes as this transaction sees them now (the caller read them in it and has not
   * written the record since): spares hooks that want pre-images a second read.
   */
  readonly before?: Uint8Array;
}

/** `failed`: a write failed part-way; only `abort()` is allowed (see the module comment). */
export type TxnState = "active" | "failed" | "committed" | "aborted";

/** A transaction that outlives one call (see the module comment for the rules). */
export interface TxnHandle extends WriteTxn {
  readonly state: TxnState;
  readonly readOnly: boolean;
  /**
   * Creates a collection as part of this transaction (see "What is atomic with DDL"): write hooks are
   * told through this handle. NamespaceExists when the engine catalog or this handle has it;
   * WriteConflict when another open handle created it.
   */
  createCollection(db: string, name: string, options?: Record<string, unknown>): CollectionEntry;
  /** Adds an index to a collection this handle created, as part of it (NamespaceNotFound for any other). */
  createIndex(db: string, name: string, index: Omit<IndexEntry, "ident">): CollectionEntry;
  /** A collection this handle created (its latest entry), or undefined. */
  createdCollection(db: string, name: string): CollectionEntry | undefined;
  /** Every collection this handle created, latest entries. */
  createdCollections(): CollectionEntry[];
  /**
   * A namespace's entry as this handle began, when the catalog changed it since (null: it did not
   * exist then); undefined while unchanged. A dropped entry's tables are kept until the handle ends.
   */
  catalogAsOf(db: string, name: string): CollectionEntry | null | undefined;
  /**
   * Make every write visible and durable (`sync` as for `write`) and release the session. A failed
   * handle, or a commit that WiredTiger refuses, throws after rolling everything back (the handle is
   * then aborted). No-op on a committed handle; throws on an aborted one.
   */
  commit(opts?: WriteOptions): void;
  /** Discard every write and release the session. Idempotent; never throws for an ended handle. */
  abort(): void;
  /** Aborts if still active or failed. */
  [Symbol.dispose](): void;
}

/** One change a write hook is told of. Byte arrays belong to the caller: copy them to keep them. */
export type StorageChange =
  | {
    readonly op: "insert";
    readonly coll: CollectionEntry;
    readonly rid: RecordId;
    readonly bytes: Uint8Array;
    /** The writer never changes `bytes` afterwards: a hook may keep them without a copy. */
    readonly owned?: boolean;
  }
  | {
    readonly op: "update";
    readonly coll: CollectionEntry;
    readonly rid: RecordId;
    readonly bytes: Uint8Array;
    /** The bytes before the update, when the hook asked for `preImages`. */
    readonly before?: Uint8Array;
    /** From the caller's `UpdateHint`: a replacement rather than a modification. */
    readonly replace?: boolean;
    /** From the caller's `UpdateHint`: the modification's diff, when the caller knows it. */
    readonly diff?: Readonly<Record<string, unknown>>;
    /** From the caller's `UpdateHint`: `{$v: 2, diff}` encoded. */
    readonly o?: Uint8Array;
  }
  | {
    readonly op: "remove";
    readonly coll: CollectionEntry;
    readonly rid: RecordId;
    /** The removed bytes, when the hook asked for `preImages`. */
    readonly before?: Uint8Array;
  }
  | { readonly op: "createCollection"; readonly coll: CollectionEntry }
  | { readonly op: "dropCollection"; readonly coll: CollectionEntry }
  /** `coll` is the entry after the change. */
  | { readonly op: "createIndex"; readonly coll: CollectionEntry; readonly index: IndexEntry }
  | { readonly op: "dropIndex"; readonly coll: CollectionEntry; readonly index: IndexEntry }
  | {
    readonly op: "updateIndex";
    readonly coll: CollectionEntry;
    readonly index: IndexEntry;
    /** The index before the change (set by `convertIndex`). */
    readonly before?: IndexEntry;
  }
  | { readonly op: "renameCollection"; readonly from: CollectionEntry; readonly to: CollectionEntry }
  /** The collection's options changed (collMod: validator, validationLevel, …); `coll` is the entry after. */
  | { readonly op: "updateCollection"; readonly coll: CollectionEntry; readonly before: CollectionEntry }
  | { readonly op: "dropDatabase"; readonly db: string; readonly colls: readonly CollectionEntry[] };

/**
 * A decorator's view of every write (see the module comment). `onChange` runs synchronously inside
 * the transaction that makes the change, after the change is applied (record changes) or after the
 * catalog rows are written (catalog changes); rows it writes through `txn` share that transaction's
 * fate. It must not keep `txn` beyond the call.
 */
export interface WriteHook {
  /** Ask for `before` bytes on update/remove (costs one extra read per such write). */
  readonly preImages?: boolean;
  onChange(change: StorageChange, txn: HookTxn): void;
  /**
   * Called once when a record transaction that reported changes to the hooks commits, just before
   * the storage commit and synchronously with it (rows it writes share the commit; throwing rolls
   * the whole transaction back). Catalog changes do not call it: each commits at once after
   * `onChange`. Lets a hook order what it logs by commit rather than by write.
   */
  beforeCommit?(txn: HookTxn): void;
}

/**
 * Catalog of databases and collections; survives restarts. DDL is not part of a caller's transaction:
 * each change commits on its own, together with the write hooks' rows (see the module comment).
 */
export interface Catalog {
  listDatabases(): string[];
  listCollections(db: string): CollectionEntry[];
  getCollection(db: string, name: string): CollectionEntry | undefined;
  /** Throws StorageError "NamespaceExists" if present. Creates the `_id_` unique index. */
  createCollection(db: string, name: string, options?: Record<string, unknown>): CollectionEntry;
  /** Returns false if it did not exist. */
  dropCollection(db: string, name: string): boolean;
  /** Drops every collection of `db`; returns the names dropped. */
  dropDatabase(db: string): string[];
  /** Adds an index table and catalog entry (the caller builds entries with a write txn afterwards). */
  createIndex(db: string, name: string, index: Omit<IndexEntry, "ident">): CollectionEntry;
  dropIndex(db: string, name: string, indexName: string): CollectionEntry;
  /**
   * Replaces an index's spec (collMod: hidden, expireAfterSeconds), sets its multikey flag, its
   * `keyFormat`, and/or marks its build finished (`building: false`). Throws StorageError
   * "IndexNotFound" when absent.
   */
  updateIndex(
    db: string,
    name: string,
    indexName: string,
    patch: {
      readonly spec?: Record<string, unknown>;
      readonly multikey?: boolean;
      readonly building?: false;
      readonly keyFormat?: number;
    },
  ): CollectionEntry;
  /**
   * Changes an index between the unique and the non-unique layout (collMod's unique conversion and
   * `forceNonUnique`) and replaces its spec: the entries are copied into a new table, which the
   * catalog then points at, in one commit reported as `updateIndex`; the old table is dropped. Throws
   * StorageError "DuplicateKey" (nothing changed) when two records hold one key and `unique` is set.
   */
  convertIndex(
    db: string,
    name: string,
    indexName: string,
    patch: { readonly spec: Record<string, unknown>; readonly unique: boolean },
  ): CollectionEntry;
  renameCollection(db: string, from: string, toDb: string, to: string): CollectionEntry;
  /**
   * Replaces a collection's options (collMod: validator, validationLevel, validationAction,
   * changeStreamPreAndPostImages, …). Catalog rows only, so fully atomic. Throws StorageError
   * "NamespaceNotFound" when absent.
   */
  updateCollection(db: string, name: string, options: Record<string, unknown>): CollectionEntry;
}

export interface StorageStats {
  readonly [key: string]: number;
}

/**
 * A hot backup in progress (`StorageEngine.openBackup`): `files` (names relative to `dir`) copied
 * while it is open make a consistent copy of the whole engine. The engine keeps serving reads and
 * writes meanwhile; it only keeps those files from being removed or rewritten in place. `close()`
 * ends the backup (idempotent); keep it short-lived.
 */
export interface BackupSource {
  readonly dir: string;
  readonly files: readonly string[];
  close(): void;
}

export interface StorageEngine {
  readonly catalog: Catalog;
  readonly nativeReads?: NativeReads; // point reads off the JS thread (native_reads.ts); absent: none
  /** True for `:memory:` storage. */
  readonly inMemory: boolean;
  /** The engine and its version, e.g. "WiredTiger 3.2.1" (backup manifests). */
  readonly engineVersion: string;
  /** Begin a transaction that lives until `commit()`/`abort()`; it holds one session meanwhile. */
  begin(opts?: BeginOptions): TxnHandle;
  /** Run `fn` in one snapshot; nothing it does is written. Sugar over a read-only handle. */
  read<T>(fn: (txn: ReadTxn) => T): T;
  /**
   * `read` whose `fn` awaits (the storage engine works off the JS thread meanwhile, e.g.
   * `ReadTxn.groupScanAsync`); nothing else uses the snapshot until it settles. Absent when the
   * engine (or a decorator: a transaction's statements) offers none: use `read`.
   */
  readAsync?<T>(fn: (txn: ReadTxn) => Promise<T>): Promise<T>;
  /**
   * Run `fn` in one transaction: commit when it returns, roll back (and rethrow) when it throws.
   * Sugar over a handle; `fn` must be synchronous.
   */
  write<T>(fn: (txn: WriteTxn) => T, opts?: WriteOptions): T;
  /**
   * How many commits asked for `sync` so far (a ticket: compare before/after a command to learn
   * whether it, or anything interleaved with it, needs a flush).
   */
  readonly syncTicket: number;
  /**
   * Resolves once every `sync` commit up to `ticket` (default: all so far) is on stable storage.
   * The first waiter schedules one shared log flush (group commit) for all commits made by then.
   */
  whenDurable(ticket?: number): Promise<void>;
  /**
   * Versions needed only by readers before `ts` may go: a later `begin({readAt})` earlier than `ts`
   * fails with SnapshotTooOld. Never moves back (an earlier `ts` than before is ignored).
   */
  keepHistorySince(ts: bigint): void;
  /** Open (creating if needed; not transactional) the internal table `name` ([A-Za-z0-9_.-]+). */
  openTable(name: string): InternalTable;
  /** Register a write hook; returns a function that unregisters it. */
  addWriteHook(hook: WriteHook): () => void;
  /**
   * Runs `fn` synchronously with every write hook set aside: its record writes and catalog changes
   * reach no hook (no oplog entry, no change event), as if made before the hooks were added. For
   * start-up housekeeping deferred past the first request (the featureCompatibilityVersion document).
   */
  withoutWriteHooks<T>(fn: () => T): T;
  /**
   * Approximate on-disk bytes of a collection's record table and of each of its indexes, and the bytes
   * reusable inside the record table's file (`freeStorageSize`; 0 in memory).
   */
  sizes(
    coll: CollectionEntry,
  ): { storageSize: number; freeStorageSize: number; indexSizes: Record<string, number> };
  /**
   * Hand free space inside a collection's files (its records and indexes) back to the file system:
   * WiredTiger's compaction of each table, off the JS thread, one collection at a time. The space
   * reusable inside the files is measured first; `dryRun` stops there, and so does less than
   * `minFreeBytes`. An in-memory engine has no files: 0 and 0.
   */
  compact(coll: CollectionEntry, opts: CompactOptions): Promise<CompactResult>;
  checkpoint(): void;
  /**
   * The engine's own statistics, description → value (for WiredTiger its connection statistics,
   * e.g. "cache: bytes currently in the cache"). Empty when the engine keeps none.
   */
  statistics(): ReadonlyMap<string, number>;
  /**
   * Bytes the engine's cache holds now ("cache: bytes currently in the cache" of `statistics()`, read
   * alone: the once-a-second pressure checks need no map of every statistic). 0 when it keeps none.
   */
  cacheBytesInUse(): number;
  /**
   * Start a hot backup: checkpoint, then pin the set of files that make a consistent copy (see
   * `BackupSource`). Throws StorageError "InternalError" for an in-memory engine (no files).
   */
  openBackup(): BackupSource;
  /** Checkpoint and close; idempotent. */
  close(): void;
}

/** What `StorageEngine.compact` does. */
export interface CompactOptions {
  /** Only measure the reusable space. */
  readonly dryRun: boolean;
  /** Compact only when at least this many bytes are reusable. */
  readonly minFreeBytes: number;
}

/** What `StorageEngine.compact` found and did. */
export interface CompactResult {
  /** Bytes reusable inside the collection's files before compaction (the estimate of what it frees). */
  readonly reusableBytes: number;
  /** Bytes the files shrank by (0 for a dry run or below `minFreeBytes`; never negative). */
  readonly bytesFreed: number;
}

/** Options for opening an engine. */
export interface OpenOptions {
  /** Directory, or ":memory:". Created if missing. */
  readonly path: string;
  /** WiredTiger cache size in bytes. */
  readonly cacheSizeBytes: number;
  /**
   * Storage sessions at most. Every open transaction holds one (a `TxnHandle` until it ends, a
   * `read`/`write` call while it runs); `begin` beyond the limit throws StorageError "InternalError".
   */
  readonly sessionMax: number;
  /** fsync the log on every commit. */
  readonly syncOnCommit: boolean;
}

export type StorageErrorCode =
  | "DuplicateKey"
  | "WriteConflict"
  | "NamespaceExists"
  | "NamespaceNotFound"
  | "IndexNotFound"
  | "NoSuchKey"
  | "SnapshotTooOld"
  /** A database whose name differs only in case from an existing one. */
  | "DatabaseDifferCase"
  /** The table a read or write opened is gone: its collection or index was dropped meanwhile. */
  | "ObjectDropped"
  /** An in-memory store has no room left in its cache for the write (WiredTiger WT_CACHE_FULL). */
  | "CacheFull"
  | "InternalError";

/** The few errors storage raises; the command layer translates them once into MongoDB errors. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    /** For DuplicateKey: the index that refused the key. */
    readonly indexName?: string,
  ) {
    super(message);
    this.name = "StorageError";
  }
}
