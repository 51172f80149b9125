/**
 * `Cursor`: one WiredTiger cursor and the typed operations the shim offers on it.
 *
 * Three table shapes are supported (the caller knows which one a cursor is on):
 *  - kv:  key_format=u, value_format=u — `put`, `get`, `remove`, `searchNear`, `scanKv`;
 *  - rec: key_format=q, value_format=u — record id → bytes (`recInsert`, `recGet`, `scanRecords`, …);
 *  - idx: key_format=u, value_format=u with escaped keys (see wt_shim.c) — `idxInsert`, `idxSeek`,
 *    `scanIndex`, … Non-unique entries are (key, rid) pairs; unique entries map key → rid.
 *
 * Every returned byte array is a private copy. Batch scans (generators) keep the cursor positioned
 * between batches: nothing else may use the cursor, and the enclosing transaction must stay open,
 * until the generator finishes. close() is idempotent.
 */

import { check, WT_DUPLICATE_KEY, WT_NOTFOUND, WtError } from "./errors.ts";
import { shim } from "./load.ts";
import { Meta, ScanFlag, ScanStatus } from "./symbols.ts";
import {
  compareBytes,
  decodeFieldRecords,
  decodeFilteredRecords,
  decodeIndex,
  decodeIndexFetch,
  decodeIndexFetchFields,
  decodeKv,
  decodeRecords,
  drive,
  FieldsEntry,
  FIRST_BUF,
  FIRST_COUNT,
  type IndexEntryHit,
  type IndexFetchHit,
  type IndexFieldsHit,
  indexScanArgs,
  type IndexScanBounds,
  MAX_BUF,
  type RecordEntry,
} from "./cursor_batches.ts";

export {
  compareBytes,
  FieldsEntry,
  type IndexEntryHit,
  type IndexFetchHit,
  type IndexFieldsHit,
  type IndexScanBounds,
  type RecordEntry,
};

/** Shared output buffer for point reads (JS is single-threaded and each call copies out). */
let out = new Uint8Array(64 * 1024);
const meta = new BigInt64Array(4);

/**
 * Point reads' values are copied into a shared slab and handed out as views of it, each its own
 * range (never overwritten, like a batch scan's rows): a fresh ArrayBuffer per value (`slice`) costs
 * ~1 µs to allocate and collect on this VM, a view ~0.1. A slab lives until its last view is
 * collected; values above SLAB_VALUE_MAX get their own buffer.
 */
const SLAB_BYTES = 32 * 1024;
const SLAB_VALUE_MAX = 4 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabAt = 0;

/** The first `len` bytes of `out`, as a private copy. */
function copyOut(len: number): Uint8Array {
  if (len > SLAB_VALUE_MAX) return out.slice(0, len);
  if (slabAt + len > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabAt = 0;
  }
  const at = slabAt;
  slabAt = (at + len + 7) & ~7; // (each view starts 8-byte aligned)
  const v = slab.subarray(at, at + len);
  v.set(out.subarray(0, len));
  return v;
}

/**
 * Writes `keys` into `buf` from `at`, each as a 4-byte little-endian length then its bytes (the shim's
 * packed key list); returns the end. `buf` must have the room.
 */
export function putKeys(buf: Uint8Array, at: number, keys: readonly Uint8Array[]): number {
  for (const k of keys) {
    const n = k.length;
    buf[at] = n & 0xff;
    buf[at + 1] = (n >>> 8) & 0xff;
    buf[at + 2] = (n >>> 16) & 0xff;
    buf[at + 3] = (n >>> 24) & 0xff;
    buf.set(k, at + 4);
    at += 4 + n;
  }
  return at;
}

/** Scratch for packed key lists (each key: 4-byte little-endian length, then its bytes). */
let packed = new Uint8Array(4096);

function packKeys(keys: readonly Uint8Array[]): [Uint8Array, number] {
  let need = 0;
  for (const k of keys) need += 4 + k.length;
  if (need > packed.length) packed = new Uint8Array(Math.max(need, packed.length * 2));
  return [packed, putKeys(packed, 0, keys)];
}
/** Field names for `scanRecordFields`, packed as the shim reads them. */
export interface PackedNames {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/** Most names one projected scan can look for (the shim's SCT_NAMES_MAX). */
export const PROJECT_NAMES_MAX = 64;

/** Packs field names for `scanRecordFields` (at most PROJECT_NAMES_MAX of them). */
export function packNames(names: Iterable<string>): PackedNames {
  const enc = new TextEncoder();
  const list = [...names].map((n) => enc.encode(n));
  if (list.length > PROJECT_NAMES_MAX) {
    throw new RangeError(`a projected scan takes at most ${PROJECT_NAMES_MAX} names, not ${list.length}`);
  }
  const [buf, len] = packKeys(list);
  return { bytes: buf.slice(0, len), count: list.length };
}
const EMPTY = new Uint8Array(0);
/** Longest string key `nextString` returns (file names: PATH_MAX). */
const PATH_KEY_MAX = 4096;

/** How `put` stores: insert (fail on existing key), update (fail on missing key), or upsert. */
export const PutMode = { INSERT: 0, UPDATE: 1, UPSERT: 2 } as const;
export type PutMode = typeof PutMode[keyof typeof PutMode];

export interface PackedMatchFilter {
  readonly bytes: Uint8Array;
  readonly count: number;
}
export class Cursor {
  #ptr: Deno.PointerObject | null;
  readonly #onClose: () => void;
  /** The URI the cursor was opened on. */
  readonly uri: string;

  /** @internal Use `Session#openCursor`. */
  constructor(ptr: Deno.PointerObject, uri: string, onClose: () => void) {
    this.#ptr = ptr;
    this.uri = uri;
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#ptr === null;
  }

  /** The raw WT_CURSOR pointer. */
  get unsafePointer(): Deno.PointerObject {
    if (this.#ptr === null) throw new Error(`cursor on ${this.uri} is closed`);
    return this.#ptr;
  }

  #address: bigint | undefined;

  /** The raw WT_CURSOR pointer as a number, for a shim call taking several cursors (entries.ts). */
  get address(): bigint {
    return this.#address ??= BigInt(Deno.UnsafePointer.value(this.unsafePointer));
  }

  /**
   * Copy the value the last successful search produced (meta[0] holds its length): a record's into
   * the point-read slab (`copyOut`), anything else (internal tables' values, which callers may keep
   * for long) into a buffer of its own.
   */
  #takeValue(record = false): Uint8Array {
    const len = Number(meta[0]!);
    if (len > out.length) {
      out = new Uint8Array(Math.max(len, out.length * 2));
      check(shim().sct_copy_value(this.unsafePointer, out, out.length, meta), "get_value");
    }
    if (len === 0) return new Uint8Array(0);
    return record ? copyOut(len) : out.slice(0, len);
  }

  reset(): void {
    check(shim().sct_cursor_reset(this.unsafePointer), "cursor reset");
  }

  /** The next string key of a cursor with key_format=S (e.g. a `backup:` cursor), or null at the end. */
  nextString(): string | null {
    // Keys longer than the buffer (ENOMEM) surface as a WtError: the cursor has moved past them.
    const buf = new Uint8Array(PATH_KEY_MAX);
    const rc = shim().sct_cursor_next_str(this.unsafePointer, buf, buf.length, meta);
    if (rc === WT_NOTFOUND) return null;
    check(rc, `next(${this.uri})`);
    return new TextDecoder().decode(buf.subarray(0, Number(meta[0]!)));
  }

  // ---- kv (u/u) ----

  /** Store key → value. Keys must be non-empty (WT_ITEM keys of length 0 are refused: EINVAL). */
  put(key: Uint8Array, value: Uint8Array, mode: PutMode = PutMode.UPSERT): void {
    const rc = shim().sct_kv_put(this.unsafePointer, key, key.length, value, value.length, mode);
    check(rc, `put(${this.uri})`);
  }

  /**
   * Insert `count` rows packed as [u32 LE key length][key][u32 LE value length][value] in one call
   * (`src/storage/row_batch.ts` writes that layout). Fails like `put(…, INSERT)` on the first
   * existing key (rows before it stay inserted in the transaction: the caller rolls it back).
   */
  insertMany(rows: Uint8Array, count: number): void {
    const rc = shim().sct_kv_insert_many(this.unsafePointer, rows, rows.length, count, meta);
    check(rc, `insert(${this.uri}) row ${meta[0]}`);
  }

  get(key: Uint8Array): Uint8Array | null {
    const rc = shim().sct_kv_get(this.unsafePointer, key, key.length, out, out.length, meta);
    if (rc === WT_NOTFOUND) return null;
    check(rc, `search(${this.uri})`);
    return this.#takeValue();
  }

  /** Remove key; false if absent. */
  remove(key: Uint8Array): boolean {
    const rc = shim().sct_kv_remove(this.unsafePointer, key, key.length);
    if (rc === WT_NOTFOUND) return false;
    check(rc, `remove(${this.uri})`);
    return true;
  }

  /**
   * Remove the table's leading keys in one call (WT_SESSION::truncate over the counted range): from
   * the first key ≥ `lower`, while fewer than `max` were removed, the key is below `hard` and either
   * fewer than `must` were removed or the key is below `soft` (absent bounds: none). Returns how many
   * were removed and the last of them (a copy), in the cursor's session's transaction.
   */
  removeLeading(
    opts: { lower?: Uint8Array; hard?: Uint8Array; soft?: Uint8Array; must: number; max: number },
  ): { removed: number; last: Uint8Array | undefined } {
    const none = new Uint8Array(0);
    const { lower = none, hard, soft } = opts;
    const rc = shim().sct_kv_remove_leading(
      this.unsafePointer,
      lower,
      lower.length,
      hard ?? none,
      hard ? hard.length : -1,
      soft ?? none,
      soft ? soft.length : -1,
      BigInt(opts.must),
      BigInt(opts.max),
      out,
      out.length,
      meta,
    );
    check(rc, `truncate(${this.uri})`);
    const removed = Number(meta[0]!);
    return { removed, last: removed > 0 ? out.slice(0, Number(meta[1]!)) : undefined };
  }

  /** Position near key: the `exact` comparison (<0, 0, >0), or null for an empty table. */
  searchNear(key: Uint8Array): number | null {
    const rc = shim().sct_kv_search_near(this.unsafePointer, key, key.length, meta);
    if (rc === WT_NOTFOUND) return null;
    check(rc, `search_near(${this.uri})`);
    return Number(meta[0]!);
  }

  /** The table's entries and their values' bytes, counted in one shim call (nothing read out). */
  tallyKv(): { readonly count: number; readonly bytes: number } {
    check(shim().sct_kv_tally(this.unsafePointer, meta), `tally(${this.uri})`);
    return { count: Number(meta[0]!), bytes: Number(meta[1]!) };
  }

  /** Every [key, value] in key order (reverse if asked). */
  scanKv(reverse = false): Generator<[Uint8Array, Uint8Array], void, undefined> {
    const p = this.unsafePointer;
    return drive(
      `scan(${this.uri})`,
      reverse ? ScanFlag.REVERSE : 0,
      (f, b, cap, max, m) => shim().sct_kv_scan(p, f, b, cap, max, m),
      decodeKv,
    );
  }

  /**
   * Entries with `lower <= key < upper` (either bound optional) in key order, or reverse order. Seeks
   * to the starting bound with search_near instead of walking from the table's end.
   */
  *scanKvRange(
    lower?: Uint8Array,
    upper?: Uint8Array,
    reverse = false,
  ): Generator<[Uint8Array, Uint8Array], void, undefined> {
    const p = this.unsafePointer;
    const from = reverse ? upper : lower;
    let first: number = ScanFlag.START;
    if (from !== undefined && from.length > 0) {
      const exact = this.searchNear(from);
      if (exact === null) return;
      // Stay on the entry search_near found when it is inside the range, else step off it.
      first = (reverse ? exact < 0 : exact >= 0) ? ScanFlag.PENDING : 0;
    }
    const all = drive(
      `scan(${this.uri})`,
      reverse ? ScanFlag.REVERSE : 0,
      (f, b, cap, max, m) => shim().sct_kv_scan(p, f, b, cap, max, m),
      decodeKv,
      first,
    );
    for (const e of all) {
      if (!reverse) {
        if (lower !== undefined && compareBytes(e[0], lower) < 0) continue;
        if (upper !== undefined && compareBytes(e[0], upper) >= 0) return;
      } else {
        if (upper !== undefined && compareBytes(e[0], upper) >= 0) continue;
        if (lower !== undefined && compareBytes(e[0], lower) < 0) return;
      }
      yield e;
    }
  }

  // ---- records (q/u) ----

  /** Insert a new record; throws WtError(isDuplicateKey) if the id exists. */
  recInsert(rid: bigint, bytes: Uint8Array): void {
    check(shim().sct_rec_insert(this.unsafePointer, rid, bytes, bytes.length), `insert(${this.uri})`);
  }

  /** Replace a record's bytes; false if the record does not exist. */
  recUpdate(rid: bigint, bytes: Uint8Array): boolean {
    const rc = shim().sct_rec_update(this.unsafePointer, rid, bytes, bytes.length);
    if (rc === WT_NOTFOUND) return false;
    check(rc, `update(${this.uri})`);
    return true;
  }

  /** Remove a record; false if absent. */
  recRemove(rid: bigint): boolean {
    const rc = shim().sct_rec_remove(this.unsafePointer, rid);
    if (rc === WT_NOTFOUND) return false;
    check(rc, `remove(${this.uri})`);
    return true;
  }

  recGet(rid: bigint): Uint8Array | null {
    const rc = shim().sct_rec_get(this.unsafePointer, rid, out, out.length, meta);
    if (rc === WT_NOTFOUND) return null;
    check(rc, `search(${this.uri})`);
    return this.#takeValue(true);
  }

  /** The largest record id, or 0n for an empty table. Resets the cursor. */
  recLast(): bigint {
    check(shim().sct_rec_last(this.unsafePointer, meta), `last(${this.uri})`);
    return meta[0]!;
  }

  /** The smallest record id, or 0n for an empty table. Resets the cursor. */
  recFirst(): bigint {
    check(shim().sct_rec_first(this.unsafePointer, meta), `first(${this.uri})`);
    return meta[0]!;
  }

  /** Number of records (walks the keys). Resets the cursor. */
  recCount(): number {
    check(shim().sct_rec_count(this.unsafePointer, meta), `count(${this.uri})`);
    return Number(meta[0]!);
  }

  /**
   * Records in id order (strictly after / before `after` when given); `expect`: about how many the
   * caller will read (the first batch's size). `release`: an entry's bytes are valid only until the
   * next entry is asked for (the caller copies what it keeps; see `drive`). `filter`: the records it
   * fails exactly come `rejected`, without their bytes (sct_rec_scan_match, shim/wt_match.h); the
   * others come whole, for the caller's matcher.
   */
  scanRecords(
    reverse = false,
    after?: bigint,
    expect?: number,
    release = false,
    filter?: PackedMatchFilter,
  ): Generator<RecordEntry, void, undefined> {
    const p = this.unsafePointer;
    const base = (reverse ? ScanFlag.REVERSE : 0) | (after !== undefined ? ScanFlag.HAS_AFTER : 0);
    const a = after ?? 0n;
    const fb = filter?.bytes;
    const fl = fb?.length ?? 0;
    const fc = filter?.count ?? 0;
    return drive(
      `scan(${this.uri})`,
      base,
      fb === undefined
        ? (f, b, cap, max, m) => shim().sct_rec_scan(p, f, a, b, cap, max, m)
        : (f, b, cap, max, m) => shim().sct_rec_scan_match(p, f, a, fb, fl, fc, b, cap, max, m),
      fb === undefined ? decodeRecords : decodeFilteredRecords,
      ScanFlag.START,
      expect,
      release,
    );
  }

  /**
   * `n` records picked at random, for a cursor opened with `next_random=true` (`Session.openCursor`'s
   * config; row-store tables only): each is one record of the transaction's snapshot chosen at random,
   * independently of the others, so a record may come more than once. Fewer only when the table holds
   * no record (none then). Each entry's bytes are a view of its batch buffer (kept alive by it).
   * `sizeHint`: the bytes a record is expected to take (sizes the first buffer).
   */
  recRandom(n: number, sizeHint = 1024): RecordEntry[] {
    const p = this.unsafePointer;
    const picks: RecordEntry[] = [];
    const m = new BigInt64Array(4);
    let size = Math.max(FIRST_BUF, Math.min(MAX_BUF, Math.ceil(n * (sizeHint + 12) * 1.25)));
    let flags = 0;
    while (picks.length < n) {
      const buf = new Uint8Array(size);
      check(
        shim().sct_rec_random(p, flags, buf, buf.length, n - picks.length, m),
        `next_random(${this.uri})`,
      );
      const count = Number(m[Meta.COUNT]!);
      if (count > 0) {
        for (
          const e of decodeRecords(
            buf,
            new DataView(buf.buffer, 0, Number(m[Meta.USED]!)),
            Number(m[Meta.USED]!),
          )
        ) {
          picks.push(e);
        }
      }
      const status = Number(m[Meta.STATUS]!);
      if (status !== ScanStatus.PENDING) {
        if (status === ScanStatus.DONE) break;
        continue;
      }
      // a pick did not fit: the next buffer holds it (the cursor stays on it), then the rest
      flags = ScanFlag.PENDING;
      const need = Number(m[Meta.NEED]!);
      while (size < need) size *= 2;
    }
    return picks;
  }

  /**
   * `scanRecords` through a top-level field projection done in the shim: each entry's `bytes` is a
   * BSON document of the first element of each name in `names` (packed by `packNames`), in stored
   * order; a stored document the shim cannot walk comes whole. `filter`: as `scanRecords`'s (a
   * rejected entry has no projection).
   */
  scanRecordFields(
    names: PackedNames,
    reverse = false,
    after?: bigint,
    expect?: number,
    filter?: PackedMatchFilter,
  ): Generator<FieldsEntry, void, undefined> {
    const p = this.unsafePointer;
    const base = (reverse ? ScanFlag.REVERSE : 0) | (after !== undefined ? ScanFlag.HAS_AFTER : 0);
    const a = after ?? 0n;
    const nb = names.bytes;
    const nl = nb.length;
    const nc = names.count;
    const fb = filter?.bytes;
    const fl = fb?.length ?? 0;
    const fc = filter?.count ?? 0;
    return drive(
      `scan(${this.uri})`,
      base,
      fb === undefined
        ? (f, b, cap, max, m) => shim().sct_rec_scan_fields(p, f, a, nb, nl, nc, b, cap, max, m)
        : (f, b, cap, max, m) =>
          shim().sct_rec_scan_fields_match(p, f, a, nb, nl, nc, fb, fl, fc, b, cap, max, m),
      decodeFieldRecords,
      ScanFlag.START,
      expect,
    );
  }

  // ---- indexes (escaped u/u) ----

  /** Add (key, rid). Unique: throws WtError(isDuplicateKey) if key maps to another record. */
  idxInsert(unique: boolean, key: Uint8Array, rid: bigint): void {
    if (!this.idxInsertUnlessTaken(unique, key, rid)) {
      throw new WtError(WT_DUPLICATE_KEY, `insert(${this.uri})`);
    }
  }

  /**
   * `idxInsert`, answering false instead of throwing when a unique index holds the key already (an
   * answer, not a fault: the caller raises its own error, one object instead of two).
   */
  idxInsertUnlessTaken(unique: boolean, key: Uint8Array, rid: bigint): boolean {
    const rc = shim().sct_idx_insert(this.unsafePointer, unique ? 1 : 0, key, key.length, rid);
    if (rc === WT_DUPLICATE_KEY) return false;
    check(rc, `insert(${this.uri})`);
    return true;
  }

  /** Remove (key, rid); absent entries are ignored. */
  idxRemove(unique: boolean, key: Uint8Array, rid: bigint): void {
    check(
      shim().sct_idx_remove(this.unsafePointer, unique ? 1 : 0, key, key.length, rid),
      `remove(${this.uri})`,
    );
  }

  /**
   * `idxInsert` of each key, in one call (a document's entries of one index). Stops at the first
   * failure, with the same error; the keys before it are inserted.
   */
  idxInsertMany(unique: boolean, keys: readonly Uint8Array[], rid: bigint): void {
    if (!this.idxInsertManyUnlessTaken(unique, keys, rid)) {
      throw new WtError(WT_DUPLICATE_KEY, `insert(${this.uri})`);
    }
  }

  /** `idxInsertMany`, answering false where it would throw for a key taken (`idxInsertUnlessTaken`). */
  idxInsertManyUnlessTaken(unique: boolean, keys: readonly Uint8Array[], rid: bigint): boolean {
    const [buf, len] = packKeys(keys);
    const rc = shim().sct_idx_insert_many(this.unsafePointer, unique ? 1 : 0, buf, len, keys.length, rid);
    if (rc === WT_DUPLICATE_KEY) return false;
    check(rc, `insert(${this.uri})`);
    return true;
  }

  /** Non-unique `idxInsert` of `keys[i]` for `rids[i]`, in one call (an index build's sorted batch). */
  idxInsertPairs(keys: readonly Uint8Array[], rids: readonly bigint[]): void {
    const [buf, len] = packKeys(keys);
    const r = new BigInt64Array(rids.length);
    for (let i = 0; i < rids.length; i++) r[i] = rids[i]!;
    check(shim().sct_idx_insert_pairs(this.unsafePointer, buf, len, keys.length, r), `insert(${this.uri})`);
  }

  /** `idxRemove` of each key, in one call. */
  idxRemoveMany(unique: boolean, keys: readonly Uint8Array[], rid: bigint): void {
    const [buf, len] = packKeys(keys);
    check(
      shim().sct_idx_remove_many(this.unsafePointer, unique ? 1 : 0, buf, len, keys.length, rid),
      `remove(${this.uri})`,
    );
  }

  /** Unique index lookup. */
  idxSeek(key: Uint8Array): bigint | null {
    const rc = shim().sct_idx_seek(this.unsafePointer, key, key.length, meta);
    if (rc === WT_NOTFOUND) return null;
    check(rc, `search(${this.uri})`);
    return meta[0]!;
  }

  /**
   * Unique index lookup and the record it names in one shim call: this cursor is on the unique index,
   * `records` on the collection's record table. Null when the key, or its record, is absent.
   */
  idxGetRecord(records: Cursor, key: Uint8Array): { rid: bigint; bytes: Uint8Array } | null {
    const rc = shim().sct_idx_get_record(
      this.unsafePointer,
      records.unsafePointer,
      key,
      key.length,
      out,
      out.length,
      meta,
    );
    if (rc === WT_NOTFOUND) return null;
    check(rc, `search(${this.uri})`);
    const rid = meta[1]!;
    return { rid, bytes: records.#takeValue(true) };
  }

  /** Index entries between bounds (on the caller's encoded key) in key order. */
  scanIndex(b: IndexScanBounds): Generator<IndexEntryHit, void, undefined> {
    const p = this.unsafePointer;
    const { base, lower, ll, upper, ul, after, keyCheck, kcl } = indexScanArgs(b);
    return drive(
      `scan(${this.uri})`,
      base,
      (f, buf, cap, max, m) =>
        shim().sct_idx_scan(p, f, lower, ll, upper, ul, buf, cap, max, m, after, keyCheck, kcl),
      decodeIndex,
      ScanFlag.START,
      FIRST_COUNT,
      false,
      FIRST_BUF,
      b.onChecked,
    );
  }

  /**
   * `scanIndex` that also reads the record each entry names, through `records()` (a cursor on the
   * collection's record table, asked for at each batch), in the same shim call per batch: a find over
   * an index range pays one FFI crossing per batch instead of one per match. `expect`: how many
   * entries the caller expects to read (the first batch's size; later batches grow).
   */
  scanIndexFetch(
    records: () => Cursor,
    b: IndexScanBounds,
    expect?: number,
  ): Generator<IndexFetchHit, void, undefined> {
    const p = this.unsafePointer;
    const { base, lower, ll, upper, ul, after, keyCheck, kcl } = indexScanArgs(b);
    const want = expect === undefined ? FIRST_COUNT : expect + 1;
    return drive(
      `scan(${this.uri})`,
      base,
      (f, buf, cap, max, m) =>
        shim().sct_idx_scan_fetch(
          p,
          records().unsafePointer,
          f,
          lower,
          ll,
          upper,
          ul,
          buf,
          cap,
          max,
          m,
          after,
          keyCheck,
          kcl,
        ),
      decodeIndexFetch,
      ScanFlag.START,
      // one more than expected: the scan then sees the range end in the same call when the guess is
      // right (a point of an `$in` on a unique index: one call, not a second to find nothing)
      want,
      false,
      // room for them at ~1 KB per record (larger ones finish in a second batch); no floor: a fresh
      // buffer per `$in` point costs
      Math.min(MAX_BUF, want * 1024 + 1024),
      b.onChecked,
    );
  }

  /**
   * `scanIndexFetch` reading only the top-level fields `names` (packed by `packNames`) of each record,
   * projected in the shim as `scanRecordFields` does; `filter`: the records it fails come `rejected`
   * (nothing of them copied). Entries are small, so batches hold many more of them.
   */
  scanIndexFetchFields(
    records: () => Cursor,
    b: IndexScanBounds,
    names: PackedNames,
    filter?: PackedMatchFilter,
    expect?: number,
  ): Generator<IndexFieldsHit, void, undefined> {
    const p = this.unsafePointer;
    const { base, lower, ll, upper, ul, after, keyCheck, kcl } = indexScanArgs(b);
    const want = expect === undefined ? FIRST_COUNT : expect + 1;
    const nb = names.bytes;
    const nl = nb.length;
    const nc = names.count;
    const fb = filter?.bytes ?? EMPTY;
    const fl = fb.length;
    const fc = filter?.count ?? 0;
    return drive(
      `scan(${this.uri})`,
      base,
      (f, buf, cap, max, m) =>
        shim().sct_idx_scan_fetch_fields(
          p,
          records().unsafePointer,
          f,
          lower,
          ll,
          upper,
          ul,
          nb,
          nl,
          nc,
          fb,
          fl,
          fc,
          buf,
          cap,
          max,
          m,
          after,
          keyCheck,
          kcl,
        ),
      decodeIndexFetchFields,
      ScanFlag.START,
      want,
      false,
      FIRST_BUF,
      b.onChecked,
    );
  }

  /**
   * Counts the entries between bounds without reading them out (a count the index answers), up to `max`
   * per call. `after`: the stored key a previous call stopped at (its `after`); the count goes on past
   * it, in this or a later transaction. `after` comes back set when `max` was reached (more may follow).
   */
  countIndex(
    b: IndexScanBounds,
    max: number,
    after?: Uint8Array,
  ): { readonly n: number; readonly after: Uint8Array | undefined } {
    const p = this.unsafePointer;
    const { base, lower, ll, upper, ul } = indexScanArgs(b);
    let flags = base | (after !== undefined ? ScanFlag.HAS_AFTER : ScanFlag.START);
    const from = after ?? EMPTY;
    let n = 0;
    for (;;) {
      const rc = shim().sct_idx_count(
        p,
        flags,
        lower,
        ll,
        upper,
        ul,
        from,
        from.length,
        BigInt(max - n),
        out,
        out.length,
        meta,
      );
      check(rc, `count(${this.uri})`);
      n += Number(meta[Meta.COUNT]);
      const status = Number(meta[Meta.STATUS]);
      if (status === ScanStatus.DONE) return { n, after: undefined };
      if (status === ScanStatus.MORE) return { n, after: out.slice(0, Number(meta[Meta.USED])) };
      // the entry that ends this call has a key larger than the buffer: grow it, count on from that entry
      out = new Uint8Array(Math.max(out.length * 2, Number(meta[Meta.NEED])));
      flags = base | ScanFlag.PENDING;
    }
  }

  /** Close the cursor. Idempotent. */
  close(): void {
    const ptr = this.#ptr;
    if (ptr === null) return;
    this.#ptr = null;
    this.#onClose();
    check(shim().sct_cursor_close(ptr), `cursor close(${this.uri})`);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
