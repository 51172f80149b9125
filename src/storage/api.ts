/**
 * Engine-agnostic storage API: what the layers above (executor, commands) may ask of storage.
 *
 * Storage knows documents only as BSON bytes and index entries only as byte-sortable keys that the
 * caller has already encoded (see `src/keys/`). It never interprets a query. Everything here is
 * synchronous: a transaction runs to completion inside one call, so no other JavaScript task can
 * observe or interleave with it (Deno runs our code on one thread).
 *
 * Implementations: `src/storage/wiredtiger/` (on-disk and `:memory:`).
 */

/** A record's identity inside one collection: positive, increasing, never reused while the process lives. */
export type RecordId = bigint;

/** Options kept for an index in the catalog; `spec` is the full listIndexes document (v, key, name, …). */
export interface IndexEntry {
  readonly name: string;
  /** The listIndexes document as the user created it (plus `v: 2`). BSON-serialisable. */
  readonly spec: Record<string, unknown>;
  readonly unique: boolean;
  /** Storage-private identifier of the index table. */
  readonly ident: string;
  /**
   * Sticky multikey flag: set (durably, before the write that needs it commits) once any document
   * produced array-derived keys for this index; never cleared except by dropping the index.
   */
  readonly multikey?: boolean;
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
};

/** One record as read: the id and a private copy of the stored BSON bytes. */
export interface RecordView {
  readonly rid: RecordId;
  readonly bytes: Uint8Array;
}

export interface ScanOptions {
  /** Start strictly after this record id (forward) or strictly before it (reverse). */
  readonly after?: RecordId;
  readonly reverse?: boolean;
}

export interface IndexScanOptions {
  /** Lower bound on the encoded key (inclusive unless `lowerExclusive`). Omitted: from the start. */
  readonly lower?: Uint8Array;
  readonly lowerExclusive?: boolean;
  /** Upper bound on the encoded key (inclusive unless `upperExclusive`). Omitted: to the end. */
  readonly upper?: Uint8Array;
  readonly upperExclusive?: boolean;
  readonly reverse?: boolean;
}

/** One index entry as read. */
export interface IndexHit {
  readonly key: Uint8Array;
  readonly rid: RecordId;
}

/** Reads, valid only inside the `read`/`write` callback that handed the object out. */
export interface ReadTxn {
  /** The stored bytes of one record, or null. */
  get(coll: CollectionEntry, rid: RecordId): Uint8Array | null;
  /** Exact lookup in a unique index: the record id stored under `key`, or null. */
  seekUnique(coll: CollectionEntry, indexName: string, key: Uint8Array): RecordId | null;
  /** Records in record-id order. The iterator must be drained or returned inside the callback. */
  scan(coll: CollectionEntry, opts?: ScanOptions): IterableIterator<RecordView>;
  /** Index entries in key order between bounds. Same lifetime rule as `scan`. */
  scanIndex(coll: CollectionEntry, indexName: string, opts?: IndexScanOptions): IterableIterator<IndexHit>;
  /** Number of records (may be a fast estimate kept by the engine; exact for this implementation). */
  count(coll: CollectionEntry): number;
}

export interface WriteTxn extends ReadTxn {
  /**
   * Store a new record and its index entries. Throws `StorageError` with code "DuplicateKey" (and
   * `indexName`) if a unique index already holds one of the keys; the transaction is then unusable and
   * the whole `write` call rethrows after rolling back.
   */
  insert(coll: CollectionEntry, bytes: Uint8Array, keys: IndexKeys): RecordId;
  /** Replace a record's bytes; index entries in `oldKeys` are removed and `newKeys` added (diffed). */
  update(
    coll: CollectionEntry,
    rid: RecordId,
    bytes: Uint8Array,
    oldKeys: IndexKeys,
    newKeys: IndexKeys,
  ): void;
  /** Remove a record and its index entries. */
  remove(coll: CollectionEntry, rid: RecordId, keys: IndexKeys): void;
  /** Add index entries for an existing record (index builds). DuplicateKey as for `insert`. */
  insertIndexKeys(coll: CollectionEntry, rid: RecordId, keys: IndexKeys): void;
}

export interface WriteOptions {
  /** Flush the log to stable storage before returning (j: true / sync_on_commit). */
  readonly sync?: boolean;
}

/** Catalog of databases and collections; survives restarts. DDL is not part of a caller's transaction. */
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
   * Replaces an index's spec (collMod: hidden, expireAfterSeconds) and/or sets its multikey flag.
   * Throws StorageError "IndexNotFound" when absent.
   */
  updateIndex(
    db: string,
    name: string,
    indexName: string,
    patch: { readonly spec?: Record<string, unknown>; readonly multikey?: boolean },
  ): CollectionEntry;
  renameCollection(db: string, from: string, toDb: string, to: string): CollectionEntry;
}

export interface StorageStats {
  readonly [key: string]: number;
}

export interface StorageEngine {
  readonly catalog: Catalog;
  /** True for `:memory:` storage. */
  readonly inMemory: boolean;
  /** Run `fn` in one snapshot; nothing it does is written. */
  read<T>(fn: (txn: ReadTxn) => T): T;
  /** Run `fn` in one transaction: commit when it returns, roll back (and rethrow) when it throws. */
  write<T>(fn: (txn: WriteTxn) => T, opts?: WriteOptions): T;
  /** Approximate on-disk bytes of a collection's record table and of each of its indexes. */
  sizes(coll: CollectionEntry): { storageSize: number; indexSizes: Record<string, number> };
  checkpoint(): void;
  /** Checkpoint and close; idempotent. */
  close(): void;
}

/** Options for opening an engine. */
export interface OpenOptions {
  /** Directory, or ":memory:". Created if missing. */
  readonly path: string;
  /** WiredTiger cache size in bytes. */
  readonly cacheSizeBytes: number;
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
