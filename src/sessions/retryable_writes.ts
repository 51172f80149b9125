/**
 * Retryable writes: a write command sent with `lsid` + `txnNumber` (outside a transaction) runs at
 * most once, also across a restart. Its reply is remembered per session; the driver's retry with the
 * same txnNumber gets that reply back instead of writing again (a retried insert is not inserted
 * twice). A txnNumber lower than the session's latest is 225 TransactionTooOld. Replies of commands
 * that failed as a whole (ok: 0: nothing was written) are not remembered, so their retry runs.
 * Sessions are forgotten after 30 minutes without use (logicalSessionTimeoutMinutes).
 *
 * Durability (mongod keeps this in config.transactions, written with the write): with a storage
 * engine attached, every storage write transaction of a retryable write also writes the session's
 * row `{txnNumber, applied: true}` in the internal table `retryable_writes` (`storageFor`), so the
 * row commits — and is synced — exactly with the data. When the command ends its reply is added to
 * the row. After a restart a retry finds the row: with the reply it gets the reply; without one (the
 * server stopped between the write and the end of the command) the write is known to be applied but
 * its reply is lost, and the retry gets 217 IncompleteTransactionHistory instead of writing again.
 */
import { BSON, Long } from "bson";
import { CommandError } from "../errors/command_error.ts";
import type {
  BackupSource,
  InternalTable,
  ReadTxn,
  StorageEngine,
  TxnHandle,
  WriteHook,
  WriteOptions,
  WriteTxn,
} from "../storage/api.ts";
import { type Lsid, lsidKey } from "./lsid.ts";

const RETRYABLE_WRITES = new Set(["insert", "update", "delete", "findAndModify", "bulkWrite"]);
const IDLE_MS = 30 * 60 * 1000;
const TABLE = "retryable_writes";

interface SessionWrites<R> {
  txnNumber: bigint;
  reply: R | undefined;
  lastUse: number;
}

export interface WriteId {
  readonly key: string;
  readonly txnNumber: bigint;
}

const enc = new TextEncoder();

export class RetryableWrites<R> {
  readonly #sessions = new Map<string, SessionWrites<R>>();
  #store: { storage: StorageEngine; table: InternalTable } | undefined;
  #records = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Keep records in `storage` (table `retryable_writes`) so they survive a restart. */
  attach(storage: StorageEngine): void {
    this.#store = { storage, table: storage.openTable(TABLE) };
  }

  /** `attach`, returning this. */
  attachAnd(storage: StorageEngine): this {
    this.attach(storage);
    return this;
  }

  /** The session and txnNumber of a retryable write, or undefined when the command is not one. */
  identify(
    command: string,
    args: { readonly lsid?: Lsid; readonly txnNumber?: bigint; readonly autocommit?: boolean },
  ): WriteId | undefined {
    if (!RETRYABLE_WRITES.has(command) || args.autocommit !== undefined) return undefined;
    if (args.txnNumber === undefined || args.lsid === undefined) return undefined;
    return { key: lsidKey(args.lsid), txnNumber: args.txnNumber };
  }

  /** The remembered reply of this write, if it already ran; throws for an outdated txnNumber. */
  lookup(id: WriteId): R | undefined {
    this.#reap();
    let s = this.#sessions.get(id.key);
    if (!s) {
      s = this.#load(id.key);
      if (!s) return undefined;
      this.#sessions.set(id.key, s);
    }
    s.lastUse = this.now();
    if (id.txnNumber < s.txnNumber) {
      throw new CommandError(
        "TransactionTooOld",
        `Retryable write with txnNumber ${id.txnNumber} is prohibited on session because a newer retryable write with txnNumber ${s.txnNumber} has already started on this session.`,
      );
    }
    if (id.txnNumber !== s.txnNumber) return undefined;
    if (s.reply === undefined && this.#store) {
      throw new CommandError(
        "IncompleteTransactionHistory",
        `Retryable write with txnNumber ${id.txnNumber} was applied before the server restarted, but its reply was not recorded; it is not applied again.`,
      );
    }
    return s.reply;
  }

  /**
   * The storage a retryable write runs on: each write transaction also marks the write applied in
   * the session's row, atomically with the data (see the module comment).
   */
  storageFor(id: WriteId, storage: StorageEngine): StorageEngine {
    const store = this.#store;
    if (!store) return storage;
    const key = enc.encode(id.key);
    const row = BSON.serialize({
      txnNumber: Long.fromBigInt(id.txnNumber),
      applied: true,
      lastUse: new Date(),
    });
    return new MarkingStorage(storage, (txn) => txn.table(store.table).put(key, row));
  }

  /** Remembers the reply of a write that ran (not for whole-command failures). */
  record(id: WriteId, reply: R, failedWhole: boolean): void {
    if (failedWhole) return;
    this.#sessions.set(id.key, { txnNumber: id.txnNumber, reply, lastUse: this.now() });
    const store = this.#store;
    if (!store || !isPlainDoc(reply)) return;
    try {
      const row = BSON.serialize({
        txnNumber: Long.fromBigInt(id.txnNumber),
        applied: true,
        reply,
        lastUse: new Date(this.now()),
      });
      store.storage.write((txn) => txn.table(store.table).put(enc.encode(id.key), row));
      if (++this.#records % 1000 === 0) this.#reapStored();
    } catch {
      // the row without a reply already says the write was applied (a retry gets 217, never a second write)
    }
  }

  #load(key: string): SessionWrites<R> | undefined {
    const store = this.#store;
    if (!store) return undefined;
    const bytes = store.storage.read((txn) => txn.table(store.table).get(enc.encode(key)));
    if (!bytes) return undefined;
    const d = BSON.deserialize(bytes, { useBigInt64: true });
    const lastUse = d["lastUse"] instanceof Date ? d["lastUse"].getTime() : 0;
    if (lastUse < this.now() - IDLE_MS) return undefined;
    return { txnNumber: BigInt(d["txnNumber"] as bigint), reply: d["reply"] as R | undefined, lastUse };
  }

  #reap(): void {
    if (this.#sessions.size < 1000) return;
    const cutoff = this.now() - IDLE_MS;
    for (const [k, s] of this.#sessions) if (s.lastUse < cutoff) this.#sessions.delete(k);
  }

  /** Removes stored rows of sessions idle past the timeout (every 1,000 recorded replies). */
  #reapStored(): void {
    const store = this.#store!;
    const cutoff = this.now() - IDLE_MS;
    store.storage.write((txn) => {
      const t = txn.table(store.table);
      const stale: Uint8Array[] = [];
      for (const [k, v] of t.scan()) {
        const d = BSON.deserialize(v);
        if (!(d["lastUse"] instanceof Date) || d["lastUse"].getTime() < cutoff) stale.push(k);
      }
      for (const k of stale) t.remove(k);
    });
  }
}

function isPlainDoc(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !(x instanceof Uint8Array) && !Array.isArray(x) &&
    !("streaming" in x) && !("closeConnection" in x);
}

/** A storage engine whose `write` transactions also run `mark` before they commit. */
class MarkingStorage implements StorageEngine {
  constructor(private readonly base: StorageEngine, private readonly mark: (txn: WriteTxn) => void) {}
  get catalog() {
    return this.base.catalog;
  }
  get inMemory(): boolean {
    return this.base.inMemory;
  }
  get engineVersion(): string {
    return this.base.engineVersion;
  }
  begin(opts?: Parameters<StorageEngine["begin"]>[0]): TxnHandle {
    return this.base.begin(opts);
  }
  read<T>(fn: (txn: ReadTxn) => T): T {
    return this.base.read(fn);
  }
  write<T>(fn: (txn: WriteTxn) => T, opts?: WriteOptions): T {
    return this.base.write((txn) => {
      const r = fn(txn);
      this.mark(txn);
      return r;
    }, opts);
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
  sizes(coll: Parameters<StorageEngine["sizes"]>[0]): ReturnType<StorageEngine["sizes"]> {
    return this.base.sizes(coll);
  }
  keepHistorySince(ts: bigint): void {
    this.base.keepHistorySince(ts);
  }

  checkpoint(): void {
    this.base.checkpoint();
  }
  statistics(): ReadonlyMap<string, number> {
    return this.base.statistics();
  }
  openBackup(): BackupSource {
    return this.base.openBackup();
  }
  close(): void {
    this.base.close();
  }
}
