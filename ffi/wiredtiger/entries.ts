/**
 * A record's removal (`EntryRemoval`) or update (`EntryUpdate`) with all its index entries in one shim
 * call (`sct_rec_remove_entries` / `sct_rec_update_entries`, shim/wt_remove.c) instead of one call for
 * the record and one or more per index. The caller adds each index's cursor and keys, then writes the
 * record; the cursors must be the same session's (one transaction).
 */
import { check, WT_DUPLICATE_KEY, WT_NOTFOUND } from "./errors.ts";
import { shim } from "./load.ts";
import { type Cursor, putKeys } from "./cursor.ts";

/** Indexes' keys as the shim reads them: cursor addresses, (unique, count) pairs, the keys packed. */
class EntryList {
  cursors = new BigUint64Array(16);
  info = new Int32Array(32);
  keys = new Uint8Array(4096);
  n = 0;
  len = 0;

  clear(): void {
    this.n = 0;
    this.len = 0;
  }

  add(c: Cursor, unique: boolean, keys: readonly Uint8Array[]): void {
    if (keys.length === 0) return;
    const i = this.n;
    if (i === this.cursors.length) {
      const cursors = new BigUint64Array(i * 2);
      cursors.set(this.cursors);
      this.cursors = cursors;
      const info = new Int32Array(i * 4);
      info.set(this.info);
      this.info = info;
    }
    let need = this.len;
    for (const k of keys) need += 4 + k.length;
    if (need > this.keys.length) {
      const grown = new Uint8Array(Math.max(need, this.keys.length * 2));
      grown.set(this.keys.subarray(0, this.len));
      this.keys = grown;
    }
    this.len = putKeys(this.keys, this.len, keys);
    this.cursors[i] = c.address;
    this.info[2 * i] = unique ? 1 : 0;
    this.info[2 * i + 1] = keys.length;
    this.n = i + 1;
  }
}

export class EntryRemoval {
  readonly #list = new EntryList();

  /** Forgets what was added (a removal that threw part-way). */
  clear(): void {
    this.#list.clear();
  }

  /** The entries `keys` of one index (its cursor `c`) go with the next `removeRecord`. */
  add(c: Cursor, unique: boolean, keys: readonly Uint8Array[]): void {
    this.#list.add(c, unique, keys);
  }

  /**
   * Removes record `rid` of `rec`, then every entry added since the last call; false (nothing removed)
   * when the record is absent. Either way the entries are forgotten.
   */
  removeRecord(rec: Cursor, rid: bigint): boolean {
    const l = this.#list;
    const { n, len } = l;
    l.clear();
    const rc = shim().sct_rec_remove_entries(rec.unsafePointer, rid, n, l.cursors, l.info, l.keys, len);
    if (rc === WT_NOTFOUND) return false;
    check(rc, `remove(${rec.uri})`);
    return true;
  }
}

/** What `EntryUpdate.updateRecord` did: written, the record absent, or an added key taken. */
export type EntryUpdateResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly missing: true }
  | { readonly ok: false; readonly missing: false; readonly duplicateAt: number };

const OK: EntryUpdateResult = { ok: true };
const MISSING: EntryUpdateResult = { ok: false, missing: true };

export class EntryUpdate {
  readonly #removes = new EntryList();
  readonly #inserts = new EntryList();
  readonly #meta = new BigInt64Array(1);

  /** Forgets what was added (an update that threw part-way). */
  clear(): void {
    this.#removes.clear();
    this.#inserts.clear();
  }

  /** The entries `keys` of one index (its cursor `c`) the next `updateRecord` removes. */
  remove(c: Cursor, unique: boolean, keys: readonly Uint8Array[]): void {
    this.#removes.add(c, unique, keys);
  }

  /** The entries `keys` of one index the next `updateRecord` inserts (after every removal). */
  insert(c: Cursor, unique: boolean, keys: readonly Uint8Array[]): void {
    this.#inserts.add(c, unique, keys);
  }

  /**
   * Replaces record `rid` of `rec` with `bytes`, removes then inserts the entries given since the last
   * call (they are forgotten either way). Not written when the record is absent; `duplicateAt`: the
   * position (among the `insert` calls that had keys) of a unique index holding an added key for another
   * record — the transaction must be rolled back.
   */
  updateRecord(rec: Cursor, rid: bigint, bytes: Uint8Array): EntryUpdateResult {
    const r = this.#removes;
    const i = this.#inserts;
    const rn = r.n, rlen = r.len, inN = i.n, ilen = i.len;
    this.clear();
    const meta = this.#meta;
    const rc = shim().sct_rec_update_entries(
      rec.unsafePointer,
      rid,
      bytes,
      bytes.length,
      rn,
      r.cursors,
      r.info,
      r.keys,
      rlen,
      inN,
      i.cursors,
      i.info,
      i.keys,
      ilen,
      meta,
    );
    if (rc === WT_NOTFOUND) return MISSING;
    if (rc === WT_DUPLICATE_KEY && meta[0]! >= 0n) {
      return { ok: false, missing: false, duplicateAt: Number(meta[0]) };
    }
    check(rc, `update(${rec.uri})`);
    return OK;
  }
}
