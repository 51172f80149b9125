/**
 * The storage engine as a statement of a multi-document transaction sees it: `read(fn)` and
 * `write(fn)` run `fn` on the session's open `TxnHandle` without committing, so command code written
 * against `StorageEngine` runs unchanged inside a transaction (reads see the transaction's snapshot
 * plus its own writes; nothing is visible outside before commit).
 *
 * - The first error thrown out of a `write(fn)` is remembered in `failure`: the handle may be half
 *   written (or failed, see `storage/api.ts`), so the caller aborts the transaction after the
 *   statement whatever the command replied (mongod aborts a transaction on any statement error).
 * - The catalog is the engine's own (DDL is not transactional, see `storage/api.ts`);
 *   `createCollection` through this view records the namespace on the transaction, so createIndexes
 *   can tell a collection created inside it.
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

export class TransactionStorage implements StorageEngine {
  /** The first error a write of this statement threw (the transaction must then be aborted). */
  failure: unknown = undefined;
  readonly catalog: Catalog;

  constructor(
    private readonly base: StorageEngine,
    private readonly handle: TxnHandle,
    created: Set<string>,
  ) {
    const cat = base.catalog;
    this.catalog = {
      listDatabases: () => cat.listDatabases(),
      listCollections: (db) => cat.listCollections(db),
      getCollection: (db, name) => cat.getCollection(db, name),
      createCollection: (db, name, options): CollectionEntry => {
        const entry = cat.createCollection(db, name, options);
        created.add(`${db}.${name}`);
        return entry;
      },
      dropCollection: (db, name) => cat.dropCollection(db, name),
      dropDatabase: (db) => cat.dropDatabase(db),
      createIndex: (db, name, index) => cat.createIndex(db, name, index),
      dropIndex: (db, name, indexName) => cat.dropIndex(db, name, indexName),
      updateIndex: (db, name, indexName, patch) => cat.updateIndex(db, name, indexName, patch),
      renameCollection: (db, from, toDb, to) => cat.renameCollection(db, from, toDb, to),
      updateCollection: (db, name, options) => cat.updateCollection(db, name, options),
    };
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

  openTable(name: string): InternalTable {
    return this.base.openTable(name);
  }

  addWriteHook(hook: WriteHook): () => void {
    return this.base.addWriteHook(hook);
  }

  sizes(coll: CollectionEntry): { storageSize: number; indexSizes: Record<string, number> } {
    return this.base.sizes(coll);
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

  openBackup(): BackupSource {
    throw new StorageError("InternalError", "a backup is not a statement of a transaction");
  }

  close(): void {
    throw new StorageError("InternalError", "close is not a statement of a transaction");
  }
}
