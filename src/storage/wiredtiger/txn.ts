/**
 * `WtTxn`: the ReadTxn / WriteTxn handed to `read` / `write` callbacks. It is valid only while its
 * callback runs: afterwards every method, and every iterator it produced, throws. Scans hold a
 * private cursor (released when the iterator finishes, returns, or the transaction ends).
 */

import {
  type CollectionEntry,
  type IndexEntry,
  type IndexHit,
  type IndexKeys,
  type IndexScanOptions,
  type RecordId,
  type RecordView,
  type ScanOptions,
  StorageError,
  type WriteTxn,
} from "../api.ts";
import { type Cursor, WtError } from "../../../ffi/wiredtiger/mod.ts";
import { guard, toStorageError } from "./errors.ts";
import type { SessionCtx } from "./sessions.ts";

/** Engine state the transaction needs: record-id counters and record counts, per record ident. */
export interface TxnHost {
  nextRid(ctx: SessionCtx, coll: CollectionEntry): RecordId;
  /** Committed record count; `ownDelta` is what this transaction has already added (visible to it). */
  count(ctx: SessionCtx, coll: CollectionEntry, ownDelta: number): number;
  /** Durably sets the sticky multikey flag of the named indexes (a catalog commit of its own). */
  markMultikey(coll: CollectionEntry, indexNames: readonly string[]): void;
}

/** Indexes named by `keys.multikey` whose flag `coll` does not show yet. */
function newMultikey(coll: CollectionEntry, keys: IndexKeys): readonly string[] | undefined {
  const names = keys.multikey;
  if (names === undefined || names.length === 0) return undefined;
  for (const i of coll.indexes) if (!i.multikey && names.includes(i.name)) return names;
  return undefined;
}

function findIndex(coll: CollectionEntry, name: string): IndexEntry {
  for (const i of coll.indexes) if (i.name === name) return i;
  throw new StorageError("IndexNotFound", `index not found with name [${name}] on ${coll.db}.${coll.name}`);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const has = (list: readonly Uint8Array[] | undefined, k: Uint8Array): boolean =>
  list !== undefined && list.some((x) => sameBytes(x, k));

/** An iterator bound to a transaction and a leased cursor. */
class LeasedIterator<T> implements IterableIterator<T> {
  #gen: Generator<T, void, undefined> | undefined;
  #cursor: Cursor | undefined;
  #done = false;
  #revoked = false;
  constructor(
    readonly txn: WtTxn,
    readonly ident: string,
    readonly start: (c: Cursor) => Generator<T, void, undefined>,
  ) {}

  next(): IteratorResult<T> {
    if (this.#revoked) throw new Error("storage iterator used outside its read/write callback");
    if (this.#done) return { done: true, value: undefined };
    this.txn.assertActive();
    if (this.#gen === undefined) {
      this.#cursor = this.txn.ctx.acquire(this.ident);
      this.txn.leases.add(this);
      this.#gen = this.start(this.#cursor);
    }
    let r: IteratorResult<T>;
    try {
      r = this.#gen!.next();
    } catch (e) {
      this.finish();
      throw toStorageError(e, `scan ${this.ident}`);
    }
    if (r.done) this.finish();
    return r;
  }

  return(): IteratorResult<T> {
    this.finish();
    return { done: true, value: undefined };
  }

  /** The transaction ended: release the cursor and refuse further use. */
  revoke(): void {
    this.#revoked = true;
    this.finish();
  }

  finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.txn.leases.delete(this);
    if (this.#cursor !== undefined) this.txn.ctx.release(this.#cursor);
    this.#cursor = undefined;
    this.#gen = undefined;
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this;
  }
}

export class WtTxn implements WriteTxn {
  #active = true;
  /** Counts of records added (+) / removed (−) per record ident, applied on commit. */
  readonly deltas = new Map<string, number>();
  readonly leases = new Set<LeasedIterator<unknown>>();

  constructor(readonly ctx: SessionCtx, readonly host: TxnHost, readonly writable: boolean) {}

  assertActive(): void {
    if (!this.#active) throw new Error("storage transaction used outside its read/write callback");
  }

  /** End the transaction's JS lifetime: release scans, refuse further use. */
  end(): void {
    this.#active = false;
    for (const it of [...this.leases]) it.revoke();
  }

  #assertWritable(): void {
    this.assertActive();
    if (!this.writable) throw new Error("write attempted in a read transaction");
  }

  // ------------------------------------------------------------------ reads

  get(coll: CollectionEntry, rid: RecordId): Uint8Array | null {
    this.assertActive();
    try {
      return this.ctx.cursor(coll.ident).recGet(rid);
    } catch (e) {
      throw toStorageError(e, "get");
    }
  }

  seekUnique(coll: CollectionEntry, indexName: string, key: Uint8Array): RecordId | null {
    this.assertActive();
    const idx = findIndex(coll, indexName);
    if (!idx.unique) throw new StorageError("InternalError", `index ${indexName} is not unique`);
    try {
      return this.ctx.cursor(idx.ident).idxSeek(key);
    } catch (e) {
      throw toStorageError(e, "seekUnique");
    }
  }

  scan(coll: CollectionEntry, opts: ScanOptions = {}): IterableIterator<RecordView> {
    this.assertActive();
    const reverse = opts.reverse === true;
    const after = opts.after;
    return new LeasedIterator(this, coll.ident, (c) => c.scanRecords(reverse, after));
  }

  scanIndex(
    coll: CollectionEntry,
    indexName: string,
    opts: IndexScanOptions = {},
  ): IterableIterator<IndexHit> {
    this.assertActive();
    const idx = findIndex(coll, indexName);
    const bounds = {
      unique: idx.unique,
      lower: opts.lower,
      lowerExclusive: opts.lowerExclusive,
      upper: opts.upper,
      upperExclusive: opts.upperExclusive,
      reverse: opts.reverse,
    };
    return new LeasedIterator(this, idx.ident, (c) => c.scanIndex(bounds));
  }

  count(coll: CollectionEntry): number {
    this.assertActive();
    const own = this.deltas.get(coll.ident) ?? 0;
    return guard("count", () => this.host.count(this.ctx, coll, own)) + own;
  }

  // ------------------------------------------------------------------ writes

  insert(coll: CollectionEntry, bytes: Uint8Array, keys: IndexKeys): RecordId {
    this.#assertWritable();
    const mk = newMultikey(coll, keys);
    if (mk) guard("markMultikey", () => this.host.markMultikey(coll, mk));
    try {
      const rid = this.host.nextRid(this.ctx, coll);
      this.ctx.cursor(coll.ident).recInsert(rid, bytes);
      for (const [name, list] of keys) {
        const idx = findIndex(coll, name);
        for (const k of list) this.#addKey(idx, k, rid);
      }
      this.deltas.set(coll.ident, (this.deltas.get(coll.ident) ?? 0) + 1);
      return rid;
    } catch (e) {
      throw toStorageError(e, "insert");
    }
  }

  update(
    coll: CollectionEntry,
    rid: RecordId,
    bytes: Uint8Array,
    oldKeys: IndexKeys,
    newKeys: IndexKeys,
  ): void {
    this.#assertWritable();
    const mk = newMultikey(coll, newKeys);
    if (mk) guard("markMultikey", () => this.host.markMultikey(coll, mk));
    guard("update", () => {
      if (!this.ctx.cursor(coll.ident).recUpdate(rid, bytes)) {
        throw new StorageError("NoSuchKey", `record ${rid} not found in ${coll.db}.${coll.name}`);
      }
      for (const [name, olds] of oldKeys) {
        const idx = findIndex(coll, name);
        const news = newKeys.get(name);
        for (const k of olds) {
          if (!has(news, k)) this.ctx.cursor(idx.ident).idxRemove(idx.unique, k, rid);
        }
      }
      for (const [name, news] of newKeys) {
        const idx = findIndex(coll, name);
        const olds = oldKeys.get(name);
        for (const k of news) if (!has(olds, k)) this.#addKey(idx, k, rid);
      }
    });
  }

  remove(coll: CollectionEntry, rid: RecordId, keys: IndexKeys): void {
    this.#assertWritable();
    guard("remove", () => {
      if (!this.ctx.cursor(coll.ident).recRemove(rid)) {
        throw new StorageError("NoSuchKey", `record ${rid} not found in ${coll.db}.${coll.name}`);
      }
      for (const [name, list] of keys) {
        const idx = findIndex(coll, name);
        for (const k of list) this.ctx.cursor(idx.ident).idxRemove(idx.unique, k, rid);
      }
      this.deltas.set(coll.ident, (this.deltas.get(coll.ident) ?? 0) - 1);
    });
  }

  insertIndexKeys(coll: CollectionEntry, rid: RecordId, keys: IndexKeys): void {
    this.#assertWritable();
    const mk = newMultikey(coll, keys);
    if (mk) guard("markMultikey", () => this.host.markMultikey(coll, mk));
    try {
      for (const [name, list] of keys) {
        const idx = findIndex(coll, name);
        for (const k of list) this.#addKey(idx, k, rid);
      }
    } catch (e) {
      throw toStorageError(e, "insertIndexKeys");
    }
  }

  #addKey(idx: IndexEntry, key: Uint8Array, rid: RecordId): void {
    try {
      this.ctx.cursor(idx.ident).idxInsert(idx.unique, key, rid);
    } catch (e) {
      if (e instanceof WtError && e.isDuplicateKey) {
        throw new StorageError("DuplicateKey", `E11000 duplicate key error (index: ${idx.name})`, idx.name);
      }
      throw e;
    }
  }
}
