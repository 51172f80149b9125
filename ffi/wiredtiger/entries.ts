/**
 * `EntryRemoval`: a record's removal with all its index entries in one shim call
 * (`sct_rec_remove_entries`, shim/wt_remove.c) instead of one call for the record and one or more per
 * index. The caller adds each index's cursor and keys, then removes the record; the cursors must be
 * the same session's (one transaction).
 */
import { check, WT_NOTFOUND } from "./errors.ts";
import { shim } from "./load.ts";
import type { Cursor } from "./cursor.ts";

export class EntryRemoval {
  #cursors = new BigUint64Array(16);
  #info = new Int32Array(32);
  #keys = new Uint8Array(4096);
  #n = 0;
  #len = 0;

  /** Forgets what was added (a removal that threw part-way). */
  clear(): void {
    this.#n = 0;
    this.#len = 0;
  }

  /** The entries `keys` of one index (its cursor `c`) go with the next `removeRecord`. */
  add(c: Cursor, unique: boolean, keys: readonly Uint8Array[]): void {
    if (keys.length === 0) return;
    const i = this.#n;
    if (i === this.#cursors.length) {
      const cursors = new BigUint64Array(i * 2);
      cursors.set(this.#cursors);
      this.#cursors = cursors;
      const info = new Int32Array(i * 4);
      info.set(this.#info);
      this.#info = info;
    }
    let need = this.#len;
    for (const k of keys) need += 4 + k.length;
    if (need > this.#keys.length) {
      const grown = new Uint8Array(Math.max(need, this.#keys.length * 2));
      grown.set(this.#keys.subarray(0, this.#len));
      this.#keys = grown;
    }
    const buf = this.#keys;
    let at = this.#len;
    for (const k of keys) {
      const n = k.length;
      buf[at] = n & 0xff;
      buf[at + 1] = (n >>> 8) & 0xff;
      buf[at + 2] = (n >>> 16) & 0xff;
      buf[at + 3] = (n >>> 24) & 0xff;
      buf.set(k, at + 4);
      at += 4 + n;
    }
    this.#len = at;
    this.#cursors[i] = c.address;
    this.#info[2 * i] = unique ? 1 : 0;
    this.#info[2 * i + 1] = keys.length;
    this.#n = i + 1;
  }

  /**
   * Removes record `rid` of `rec`, then every entry added since the last call; false (nothing removed)
   * when the record is absent. Either way the entries are forgotten.
   */
  removeRecord(rec: Cursor, rid: bigint): boolean {
    const n = this.#n;
    const len = this.#len;
    this.#n = 0;
    this.#len = 0;
    const rc = shim().sct_rec_remove_entries(
      rec.unsafePointer,
      rid,
      n,
      this.#cursors,
      this.#info,
      this.#keys,
      len,
    );
    if (rc === WT_NOTFOUND) return false;
    check(rc, `remove(${rec.uri})`);
    return true;
  }
}
