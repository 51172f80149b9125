/**
 * The storage engine as a statement of a multi-document transaction sees it: `read(fn)` and
 * `write(fn)` run `fn` on the session's open `TxnHandle` without committing, so command code written
 * against `StorageEngine` runs unchanged inside a transaction (reads see the transaction's snapshot
 * plus its own writes; nothing is visible outside before commit).
 *
 * - The first error thrown out of a `write(fn)` is remembered in `failure`: the handle may be half
 *   written (or failed, see `storage/api.ts`), so the caller aborts the transaction after the
 *   statement whatever the command replied (mongod aborts a transaction on any statement error).
 * - The catalog is the engine's plus what this transaction created: `createCollection` and
 *   `createIndex` (on a collection created here; 263 on any other, as mongod) go through the handle,
 *   so they are part of the transaction (invisible to others until commit, gone after abort, see
 *   `storage/api.ts`). Other DDL is the engine's own (commands a transaction may not run never get
 *   here; the exception is views/system collections a create touches).
 * - Namespaces DDL changed after the transaction began read as they were then (`catalogAsOf`, mongod's
 *   point-in-time catalog): a collection dropped since still shows its documents as of the snapshot, one
 *   created since does not exist. Writing one is a WriteConflict (commands/transaction_statement.ts).
 * - `begin()` is refused (no nested transactions); `close()`/`checkpoint()` are not for statements.
 */
import type {
  BackupSource,
  Catalog,
  CollectionEntry,
  InternalTable,
  ReadTxn,
  StorageEngine,
  TxnHandle,
  WriteHook,
  WriteOptions,
  WriteTxn,
} from "../storage/api.ts";
import { StorageError } from "../storage/api.ts";
import { CommandError } from "../errors/command_error.ts";
import { TRANSIENT } from "./transactions.ts";

/** 112 for a namespace DDL changed after the transaction began (mongod's point-in-time catalog). */
export function catalogConflict(db: string, name: string): CommandError {
  return new CommandError(
    "WriteConflict",
    `Unable to write to collection '${db}.${name}' due to catalog changes since the transaction began; please retry the operation`,
    TRANSIENT,
  );
}

export class TransactionStorage implements StorageEngine {
  /** The first error a write of this statement threw (the transaction must then be aborted). */
  failure: unknown = undefined;
  readonly catalog: Catalog;

  constructor(
    private readonly base: StorageEngine,
    private readonly handle: TxnHandle,
  ) {
    const cat = base.catalog;
    const mine = (db: string, name: string) => handle.createdCollection(db, name);
    /** The engine's entry as this transaction began (DDL since does not show), or undefined. */
    const asBegun = (db: string, name: string): CollectionEntry | undefined => {
      const kept = handle.catalogAsOf(db, name);
      return kept === undefined ? cat.getCollection(db, name) : kept ?? undefined;
    };
    // (a statement never lists: listCollections may not run in a transaction; the engine's list, as begun)
    const listed = (db: string): CollectionEntry[] =>
      cat.listCollections(db).map((c) => asBegun(db, c.name)).filter((c) => c !== undefined);
    this.catalog = {
      listDatabases: () =>
        [...new Set([...cat.listDatabases(), ...handle.createdCollections().map((c) => c.db)])].sort(),
      listCollections: (db) =>
        [...listed(db), ...handle.createdCollections().filter((c) => c.db === db)].sort((a, b) =>
          a.name < b.name ? -1 : a.name > b.name ? 1 : 0
        ),
      getCollection: (db, name) => mine(db, name) ?? asBegun(db, name),
      createCollection: (db, name, options) => {
        // created by another since this transaction began (an implicit create that waited for it)
        if (handle.catalogAsOf(db, name) !== undefined) throw catalogConflict(db, name);
        return handle.createCollection(db, name, options);
      },
      createIndex: (db, name, index) => {
        if (mine(db, name)) return handle.createIndex(db, name, index);
        throw new CommandError(
          "OperationNotSupportedInTransaction",
          `Cannot create new indexes on existing collection ${db}.${name} in a multi-document transaction.`,
        );
      },
      // Dropping an index of a collection created here only happens when its build failed: the
      // statement then fails and the whole transaction (with the index) is rolled back.
      dropIndex: (db, name, indexName) => mine(db, name) ?? cat.dropIndex(db, name, indexName),
      dropCollection: (db, name) => notInTransaction("drop", db, name, () => cat.dropCollection(db, name)),
      dropDatabase: (db) => cat.dropDatabase(db),
      updateIndex: (db, name, indexName, patch) =>
        notInTransaction("collMod", db, name, () => cat.updateIndex(db, name, indexName, patch)),
      convertIndex: (db, name, indexName, patch) =>
        notInTransaction("collMod", db, name, () => cat.convertIndex(db, name, indexName, patch)),
      renameCollection: (db, from, toDb, to) =>
        notInTransaction("renameCollection", db, from, () => cat.renameCollection(db, from, toDb, to)),
      updateCollection: (db, name, options) =>
        notInTransaction("collMod", db, name, () => cat.updateCollection(db, name, options)),
    };

    /** Other DDL on a collection this transaction created cannot be part of it (mongod allows none). */
    function notInTransaction<T>(what: string, db: string, name: string, fn: () => T): T {
      if (!mine(db, name)) return fn();
      throw new CommandError(
        "OperationNotSupportedInTransaction",
        `Cannot run '${what}' on ${db}.${name}, created by an uncommitted transaction, inside it.`,
      );
    }
  }

  get inMemory(): boolean {
    return this.base.inMemory;
  }

  begin(): TxnHandle {
    throw new StorageError("InternalError", "a transaction cannot begin inside a transaction");
  }

  read<T>(fn: (txn: ReadTxn) => T): T {
    return fn(this.handle);
  }

  write<T>(fn: (txn: WriteTxn) => T, _opts?: WriteOptions): T {
    try {
      return fn(this.handle);
    } catch (e) {
      this.failure ??= e;
      throw e;
    }
  }

  get syncTicket(): number {
    return this.base.syncTicket;
  }

  whenDurable(ticket?: number): Promise<void> {
    return this.base.whenDurable(ticket);
  }

  openTable(name: string): InternalTable {
    return this.base.openTable(name);
  }

  addWriteHook(hook: WriteHook): () => void {
    return this.base.addWriteHook(hook);
  }

  withoutWriteHooks<T>(fn: () => T): T {
    return this.base.withoutWriteHooks(fn);
  }

  sizes(coll: CollectionEntry): ReturnType<StorageEngine["sizes"]> {
    return this.base.sizes(coll);
  }

  keepHistorySince(ts: bigint): void {
    this.base.keepHistorySince(ts);
  }

  compact(...args: Parameters<StorageEngine["compact"]>): ReturnType<StorageEngine["compact"]> {
    return this.base.compact(...args);
  }

  checkpoint(): void {
    throw new StorageError("InternalError", "checkpoint is not a statement of a transaction");
  }

  get engineVersion(): string {
    return this.base.engineVersion;
  }

  statistics(): ReadonlyMap<string, number> {
    return this.base.statistics();
  }

  cacheBytesInUse(): number {
    return this.base.cacheBytesInUse();
  }

  openBackup(): BackupSource {
    throw new StorageError("InternalError", "a backup is not a statement of a transaction");
  }

  close(): void {
    throw new StorageError("InternalError", "close is not a statement of a transaction");
  }
}
