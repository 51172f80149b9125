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
 * row commits — and is synced — exactly with the data. A command that knows, inside its write
 * transaction, the reply it will return if that transaction commits says so through the command's
 * `ReplySlot` (`replyOnCommit`): the row then carries the reply in the same transaction, and when
 * the command ends with exactly that reply nothing more is written (one WiredTiger commit per
 * retryable write, like mongod's config.transactions row). Insert does in its last chunk's
 * transaction; update and delete in their last statement's (the reply counts the statements before
 * it, writeErrors included), findAndModify in its one transaction when it has no projection. A
 * statement that runs in yielding batches (many targets), a last statement that fails, or a reply
 * too large for the row: when the command ends, its reply is added to the row in a second
 * transaction. After a restart a retry
 * finds the row: with the reply it gets the reply; without one (the server stopped between the write
 * and the end of the command) the write is known to be applied but its reply is lost, and the retry
 * gets 217 IncompleteTransactionHistory instead of writing again.
 *
 * Row layout: one row per write, keyed by the session and the write's txnNumber (`rowKey`); the
 * transaction that writes a session's new row removes its previous one. (One row per session updated
 * in place by every write grew a WiredTiger update chain as long as the snapshot history kept — 5 s
 * of a driver's writes on one pooled session — and each write's put cost ~100 µs.) Rows keyed by the
 * session alone (data written before this layout) are still read, and removed by the session's next
 * write.
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
import { encodeSmallDocumentWith } from "../bson/small_doc.ts";
import { decodeDocument } from "../bson/decode.ts";

const RETRYABLE_WRITES = new Set(["insert", "update", "delete", "findAndModify", "bulkWrite"]);
const IDLE_MS = 30 * 60 * 1000;
/** Stored rows of idle sessions are looked for after 1,000 recorded replies, at most this often. */
const REAP_EVERY_MS = 60 * 1000;
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

/**
 * One retryable write's view of its retry record: the reply the command will return if the write
 * transaction it is inside commits (`replyOnCommit`), and the reply the last committed marking
 * transaction stored with the row.
 */
export class ReplySlot<R = unknown> {
  /** Set by the command inside the current write transaction; stored with the row there. */
  pending: R | undefined = undefined;
  /** The reply in the row as of the command's last committed write transaction (undefined: none). */
  committed: R | undefined = undefined;

  /** The command will return `reply` if the write transaction it runs inside commits. */
  replyOnCommit(reply: R): void {
    this.pending = reply;
  }
}

/**
 * The old row key of a session (one row per session): `lsidKey` is hex digits and a colon, so one
 * byte per character; `extra` bytes are left for `rowKey`.
 */
function keyBytes(key: string, extra = 0): Uint8Array {
  const out = new Uint8Array(key.length + extra);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i); // hex digits and a colon: ASCII
  return out;
}

/**
 * The row of one write: the session key, a NUL (never in `lsidKey`), the txnNumber as big-endian
 * int64 with its sign bit flipped, so a session's rows sort by txnNumber after its old row key.
 */
export function rowKey(key: string | Uint8Array, txnNumber: bigint): Uint8Array {
  const out = typeof key === "string" ? keyBytes(key, 9) : new Uint8Array(key.length + 9);
  if (typeof key !== "string") out.set(key);
  const at = key.length + 1;
  if (txnNumber >= 0n && txnNumber <= MAX_SAFE) {
    // the usual case (drivers count up from 1): no BigInt arithmetic
    const n = Number(txnNumber);
    const hi = Math.floor(n / 2 ** 32);
    const lo = n - hi * 2 ** 32;
    out[at] = (hi >>> 24) | 0x80; // the sign bit flipped
    out[at + 1] = hi >>> 16;
    out[at + 2] = hi >>> 8;
    out[at + 3] = hi;
    out[at + 4] = lo >>> 24;
    out[at + 5] = lo >>> 16;
    out[at + 6] = lo >>> 8;
    out[at + 7] = lo;
    return out;
  }
  new DataView(out.buffer).setBigUint64(at, BigInt.asUintN(64, txnNumber) ^ SIGN_BIT);
  return out;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Session keys' bytes kept at most (a cache: cleared when full). */
const MAX_KEY_BYTES = 10_000;

const SIGN_BIT = 1n << 63n;

export class RetryableWrites<R> {
  readonly #sessions = new Map<string, SessionWrites<R>>();
  /**
   * Per session, the stored row its next write's transaction removes: a txnNumber (`rowKey`), or
   * "old" for a row in the old layout. Set once the transaction that wrote it committed, or by a load.
   */
  readonly #stored = new Map<string, bigint | "old">();
  /** `keyBytes` of recently seen session keys (rebuilt on a miss). */
  readonly #keyBytes = new Map<string, Uint8Array>();
  #store: { storage: StorageEngine; table: InternalTable } | undefined;
  #records = 0;
  #reapedAt = 0;

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

  /** The table rows are kept in (undefined: not attached). */
  get table(): InternalTable | undefined {
    return this.#store?.table;
  }

  /** The txnNumber of session `key`'s stored row (its newest write's), if known. */
  storedOf(key: string): bigint | "old" | undefined {
    return this.#stored.get(key);
  }

  /**
   * Write `txnNumber` of session `key` was made elsewhere (the frame I/O thread: its row, with `reply`,
   * committed with the data, replacing the session's previous one).
   */
  servedElsewhere(key: string, txnNumber: bigint, reply: R): void {
    this.#sessions.set(key, { txnNumber, reply, lastUse: this.now() });
    this.#stored.set(key, txnNumber);
  }

  /**
   * Write `txnNumber` of session `key` was made elsewhere with its reply in its row (a findAndModify's,
   * whose reply carries a document: io_fast_fam.c): a retry reads the reply from the row (`#load`).
   */
  servedElsewhereInRow(key: string, txnNumber: bigint): void {
    this.#sessions.delete(key);
    this.#stored.set(key, txnNumber);
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
   * the session's row, atomically with the data (see the module comment), with the reply the
   * command put in `slot` inside that transaction.
   */
  storageFor(id: WriteId, storage: StorageEngine, slot: ReplySlot<R> = new ReplySlot<R>()): StorageEngine {
    const store = this.#store;
    if (!store) return storage;
    const prefix = this.#keyBytesOf(id.key);
    const key = rowKey(prefix, id.txnNumber);
    const txnNumber = Long.fromBigInt(id.txnNumber);
    return new MarkingStorage(storage, slot, (txn, reply) => {
      // A later transaction of the same command (a batch's next statement): the row an earlier one
      // committed already says "applied", and rewriting it per statement made one hot key that
      // WiredTiger keeps every version of within the history window (a 60,000-statement bulkWrite
      // spent 25 s of 27 in those puts).
      if (reply === undefined && slot.committed === undefined && this.#stored.get(id.key) === id.txnNumber) {
        return undefined;
      }
      let row: Uint8Array;
      let stored = reply;
      try {
        row = encodeRow(txnNumber, reply, this.now());
      } catch {
        // (a reply too large for a row: the write is marked applied; `record` tries the reply again)
        row = encodeRow(txnNumber, undefined, this.now());
        stored = undefined;
      }
      const t = txn.table(store.table);
      const previous = this.#stored.get(id.key);
      if (previous === "old") t.remove(keyBytes(id.key));
      else if (previous !== undefined && previous !== id.txnNumber) t.remove(rowKey(prefix, previous));
      t.put(key, row);
      return stored;
    }, () => this.#stored.set(id.key, id.txnNumber));
  }

  #keyBytesOf(key: string): Uint8Array {
    let bytes = this.#keyBytes.get(key);
    if (!bytes) {
      if (this.#keyBytes.size >= MAX_KEY_BYTES) this.#keyBytes.clear();
      this.#keyBytes.set(key, bytes = keyBytes(key));
    }
    return bytes;
  }

  /**
   * Remembers the reply of a write that ran (not for whole-command failures). When the command's
   * last committed write transaction already stored exactly this reply (`slot`), nothing is written.
   */
  record(id: WriteId, reply: R, failedWhole: boolean, slot?: ReplySlot<R>): void {
    const store = this.#store;
    if (failedWhole) {
      // A row committed with a predicted reply the command did not return: keep only "applied".
      if (store && slot?.committed !== undefined) this.#put(store, id, undefined);
      return;
    }
    this.#sessions.set(id.key, { txnNumber: id.txnNumber, reply, lastUse: this.now() });
    if (!store || !isPlainDoc(reply)) return;
    if (slot?.committed === undefined || !sameReply(slot.committed, reply)) this.#put(store, id, reply);
    // (a scan also steps over the removed rows snapshot history still keeps: not more than once a minute)
    if (++this.#records >= 1000 && this.now() - this.#reapedAt >= REAP_EVERY_MS) {
      this.#records = 0;
      this.#reapedAt = this.now();
      try {
        this.#reapStored();
      } catch { /* retried after the next 1,000 */ }
    }
  }

  /** Writes the session's row in its own transaction (`reply` undefined: applied, reply unknown). */
  #put(store: { storage: StorageEngine; table: InternalTable }, id: WriteId, reply: R | undefined): void {
    try {
      const row = encodeRow(Long.fromBigInt(id.txnNumber), reply, this.now());
      store.storage.write((txn) => {
        const t = txn.table(store.table);
        const previous = this.#stored.get(id.key);
        if (previous === "old") t.remove(keyBytes(id.key));
        else if (previous !== undefined && previous !== id.txnNumber) t.remove(rowKey(id.key, previous));
        t.put(rowKey(id.key, id.txnNumber), row);
      });
      this.#stored.set(id.key, id.txnNumber);
    } catch {
      // the row without a reply already says the write was applied (a retry gets 217, never a second write)
    }
  }

  #load(key: string): SessionWrites<R> | undefined {
    const store = this.#store;
    if (!store) return undefined;
    // the session's newest row (largest txnNumber), else its row in the old layout
    const found = store.storage.read((txn) => {
      const t = txn.table(store.table);
      const upper = keyBytes(key, 1);
      upper[key.length] = 1; // past every rowKey of the session
      const it = t.scan({ lower: keyBytes(key, 1), upper, reverse: true });
      try {
        for (const [k, v] of it) {
          if (k.length !== key.length + 9) continue;
          const n = BigInt.asIntN(
            64,
            new DataView(k.buffer, k.byteOffset).getBigUint64(key.length + 1) ^ SIGN_BIT,
          );
          return { bytes: v, row: n as bigint | "old" };
        }
      } finally {
        it.return?.();
      }
      const old = t.get(keyBytes(key));
      return old ? { bytes: old, row: "old" as const } : undefined;
    });
    if (!found) return undefined;
    this.#stored.set(key, found.row);
    // (decoded as stored documents are: a reply's values keep their BSON types, a findAndModify's
    // `value: {x: 2.0}` its double)
    const d = decodeDocument(found.bytes);
    const lastUse = d["lastUse"] instanceof Date ? d["lastUse"].getTime() : 0;
    if (lastUse < this.now() - IDLE_MS) return undefined;
    const txnNumber = d["txnNumber"];
    return {
      txnNumber: txnNumber instanceof Long ? txnNumber.toBigInt() : BigInt(txnNumber as number),
      reply: d["reply"] as R | undefined,
      lastUse,
    };
  }

  #reap(): void {
    if (this.#sessions.size < 1000) return;
    const cutoff = this.now() - IDLE_MS;
    for (const [k, s] of this.#sessions) {
      if (s.lastUse < cutoff) {
        this.#sessions.delete(k);
        this.#stored.delete(k);
      }
    }
  }

  /** Removes stored rows of sessions idle past the timeout (after 1,000 recorded replies, at most once a minute). */
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

/**
 * A row's bytes: `BSON.serialize({txnNumber, applied: true, reply?, lastUse: Date})`'s, written
 * without npm bson's serializer when the reply is a small document of plain scalars (update's and
 * delete's `{n, nModified, ok}`, insert's `{n, ok}`).
 */
export function encodeRow(txnNumber: Long, reply: unknown, nowMs: number): Uint8Array {
  const head = reply === undefined ? { txnNumber, applied: true } : { txnNumber, applied: true, reply };
  return encodeSmallDocumentWith(head, lastUseElement(nowMs)) ??
    BSON.serialize({ ...head, lastUse: new Date(nowMs) });
}

/** The element `lastUse: Date(ms)`: type 0x09, the name, NUL, the int64 milliseconds. */
function lastUseElement(ms: number): Uint8Array {
  const out = new Uint8Array(LAST_USE_NAME.length + 10);
  out[0] = 0x09;
  out.set(LAST_USE_NAME, 1);
  const at = LAST_USE_NAME.length + 2;
  const hi = Math.floor(ms / 2 ** 32);
  const dv = new DataView(out.buffer);
  dv.setUint32(at, ms - hi * 2 ** 32, true);
  dv.setInt32(at + 4, hi, true);
  return out;
}

const LAST_USE_NAME = new TextEncoder().encode("lastUse");

/** Same plain values (the shapes a predicted reply has: numbers, strings, booleans, docs, arrays). */
function sameReply(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameReply(x, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameReply(a[k], b[k]));
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isPlainDoc(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !(x instanceof Uint8Array) && !Array.isArray(x) &&
    !("streaming" in x) && !("closeConnection" in x);
}

/**
 * A storage engine whose `write` transactions also run `mark` (with the reply the command put in
 * the slot during that transaction) before they commit.
 */
class MarkingStorage<R> implements StorageEngine {
  constructor(
    private readonly base: StorageEngine,
    private readonly slot: ReplySlot<R>,
    /** Writes the row in `txn`; returns the reply it stored with it (undefined: none). */
    private readonly mark: (txn: WriteTxn, reply: R | undefined) => R | undefined,
    /** After a marking transaction committed. */
    private readonly marked: () => void = () => {},
  ) {}
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
    const slot = this.slot;
    slot.pending = undefined;
    let stored: R | undefined;
    const result = this.base.write((txn) => {
      const r = fn(txn);
      const pending = slot.pending;
      slot.pending = undefined;
      stored = this.mark(txn, pending);
      return r;
    }, opts);
    slot.committed = stored; // the row as it now stands
    this.marked();
    return result;
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
  sizes(coll: Parameters<StorageEngine["sizes"]>[0]): ReturnType<StorageEngine["sizes"]> {
    return this.base.sizes(coll);
  }
  keepHistorySince(ts: bigint): void {
    this.base.keepHistorySince(ts);
  }

  compact(...args: Parameters<StorageEngine["compact"]>): ReturnType<StorageEngine["compact"]> {
    return this.base.compact(...args);
  }

  checkpoint(): void {
    this.base.checkpoint();
  }
  statistics(): ReadonlyMap<string, number> {
    return this.base.statistics();
  }

  cacheBytesInUse(): number {
    return this.base.cacheBytesInUse();
  }
  openBackup(): BackupSource {
    return this.base.openBackup();
  }
  close(): void {
    this.base.close();
  }
}
