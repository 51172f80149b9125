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

/** Scratch for packed key lists (each key: 4-byte little-endian length, then its bytes). */
let packed = new Uint8Array(4096);

function packKeys(keys: readonly Uint8Array[]): [Uint8Array, number] {
  let need = 0;
  for (const k of keys) need += 4 + k.length;
  if (need > packed.length) packed = new Uint8Array(Math.max(need, packed.length * 2));
  const buf = packed;
  let at = 0;
  for (const k of keys) {
    const n = k.length;
    buf[at] = n & 0xff;
    buf[at + 1] = (n >>> 8) & 0xff;
    buf[at + 2] = (n >>> 16) & 0xff;
    buf[at + 3] = (n >>> 24) & 0xff;
    buf.set(k, at + 4);
    at += 4 + n;
  }
  return [buf, at];
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

export interface RecordEntry {
  readonly rid: bigint;
  readonly bytes: Uint8Array;
  /** A filtered scan's record the filter fails (`bytes` empty): examined, not a match. */
  readonly rejected?: boolean;
}
/** A filter for a record scan, packed by `packMatchFilter` (match_filter.ts): its bytes and term count. */
export interface PackedMatchFilter {
  readonly bytes: Uint8Array;
  readonly count: number;
}
/**
 * A record read through a field projection: a document of only the wanted top-level fields, `len`
 * bytes at `at` of its batch buffer `buf` (`view` is a DataView over `buf`; readers decode in place
 * instead of making a view per record).
 */
export class FieldsEntry {
  constructor(
    readonly rid: bigint,
    /** The stored document's size in bytes. */
    readonly size: number,
    readonly buf: Uint8Array,
    readonly view: DataView,
    readonly at: number,
    readonly len: number,
    /** A filtered scan's record the filter fails (`len` 0): examined, not a match. */
    readonly rejected = false,
  ) {}
  /** The projected document as its own view of the batch buffer. */
  get bytes(): Uint8Array {
    return this.buf.subarray(this.at, this.at + this.len);
  }
}
export interface IndexEntryHit {
  readonly key: Uint8Array;
  readonly rid: bigint;
}
export interface IndexScanBounds {
  readonly unique: boolean;
  readonly lower?: Uint8Array | undefined;
  readonly lowerExclusive?: boolean | undefined;
  readonly upper?: Uint8Array | undefined;
  readonly upperExclusive?: boolean | undefined;
  readonly reverse?: boolean | undefined;
  /**
   * A non-unique index's scan resumed: it starts strictly after the entry of the start bound's key
   * (`lower`, or `upper` in reverse; inclusive) and this record id, instead of at the key's first entry.
   */
  readonly afterRid?: bigint | undefined;
}

type BatchCall = (flags: number, buf: Uint8Array, cap: number, max: number, meta: BigInt64Array) => number;

const FIRST_BUF = 16 * 1024;
const MAX_BUF = 1024 * 1024;
const FIRST_COUNT = 16;
const MAX_COUNT = 8192;

/**
 * Drives a shim batch scan: calls `run` until done, yielding decoded entries of each batch. The first
 * batch uses `firstFlags` (default START: from the first entry in scan direction) and asks for at most
 * `firstCount` entries (the caller's guess of how many it reads; later batches ask for more) in a
 * buffer of `firstSize` bytes.
 *
 * `release`: the caller keeps no view of an entry once it asked for the next one (it copies what it
 * keeps), so each batch buffer is freed (detached) as soon as the scan moves past it or ends, instead
 * of at the GC that finds it dead — a 1 MiB buffer per ~1,000 records scanned, which a sort over a
 * collection left waiting by the dozens (issue 15). A view kept against that contract reads as empty
 * (a detached buffer), never as another batch's bytes.
 */
function* drive<T>(
  op: string,
  baseFlags: number,
  run: BatchCall,
  decode: (buf: Uint8Array, dv: DataView, used: number) => Generator<T>,
  firstFlags: number = ScanFlag.START,
  firstCount: number = FIRST_COUNT,
  release = false,
  firstSize: number = FIRST_BUF,
): Generator<T, void, undefined> {
  // Every batch gets a fresh buffer and entries are views into it (no per-record copy): a view keeps
  // its batch buffer alive, which costs less than one small allocation per record.
  let size = firstSize;
  let max = Math.max(1, Math.min(MAX_COUNT, firstCount));
  const m = new BigInt64Array(4);
  let flags = baseFlags | firstFlags;
  let buf: Uint8Array | undefined;
  try {
    for (;;) {
      if (release && buf !== undefined) freeBuffer(buf);
      buf = new Uint8Array(size);
      check(run(flags, buf, buf.length, max, m), op);
      const count = Number(m[Meta.COUNT]!);
      const used = Number(m[Meta.USED]!);
      const status = Number(m[Meta.STATUS]!);
      if (count > 0) yield* decode(buf, new DataView(buf.buffer, 0, used), used);
      if (status === ScanStatus.DONE) return;
      flags = baseFlags | (status === ScanStatus.PENDING ? ScanFlag.PENDING : 0);
      const need = Number(m[Meta.NEED]!);
      // asked-for count reached: ask for more next time; buffer full (PENDING): a bigger buffer
      if (status === ScanStatus.MORE && max < MAX_COUNT) max = Math.min(MAX_COUNT, max * 4);
      // The next buffer holds `max` entries of this batch's average size (small entries, e.g. projected
      // records, must not get a megabyte zeroed per batch), within [FIRST_BUF, MAX_BUF], and always
      // the entry that did not fit.
      const fit = count > 0 ? Math.ceil((used / count) * max * 1.25) : size * 4;
      size = Math.max(FIRST_BUF, Math.min(MAX_BUF, fit));
      while (size < need) size *= 2;
    }
  } finally {
    if (release && buf !== undefined) freeBuffer(buf);
  }
}

/**
 * Frees a batch buffer's memory now: `ArrayBuffer.prototype.transfer(0)` detaches it (every view of
 * it reads as empty from then on) and drops its backing store, which V8 frees at once.
 */
function freeBuffer(buf: Uint8Array): void {
  (buf.buffer as ArrayBuffer & { transfer(n: number): ArrayBuffer }).transfer(0);
}

/** Unsigned byte-wise comparison (WiredTiger's default collation for `u` keys). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function* decodeRecords(buf: Uint8Array, dv: DataView, used: number): Generator<RecordEntry> {
  let off = 0;
  while (off < used) {
    const rid = dv.getBigInt64(off, true);
    const len = dv.getUint32(off + 8, true);
    yield { rid, bytes: buf.subarray(off + 12, off + 12 + len) };
    off += 12 + len;
  }
}

/** The length word of a rejected entry of a filtered scan (wt_scan.c): no bytes follow. */
const REJECTED_LEN = 0xffffffff;
const NO_BYTES = new Uint8Array(0);

/** `decodeRecords` of a filtered scan (sct_rec_scan_match): rejected entries come with `rejected`. */
function* decodeFilteredRecords(buf: Uint8Array, dv: DataView, used: number): Generator<RecordEntry> {
  let off = 0;
  while (off < used) {
    const rid = dv.getBigInt64(off, true);
    const len = dv.getUint32(off + 8, true);
    if (len === REJECTED_LEN) {
      yield { rid, bytes: NO_BYTES, rejected: true };
      off += 12;
    } else {
      yield { rid, bytes: buf.subarray(off + 12, off + 12 + len), rejected: false };
      off += 12 + len;
    }
  }
}

function* decodeFieldRecords(buf: Uint8Array, dv: DataView, used: number): Generator<FieldsEntry> {
  let off = 0;
  while (off < used) {
    const rid = dv.getBigInt64(off, true);
    const size = dv.getUint32(off + 8, true);
    const len = dv.getUint32(off + 12, true);
    if (len === REJECTED_LEN) {
      yield new FieldsEntry(rid, size, buf, dv, off + 16, 0, true);
      off += 16;
    } else {
      yield new FieldsEntry(rid, size, buf, dv, off + 16, len);
      off += 16 + len;
    }
  }
}

function* decodeIndex(buf: Uint8Array, dv: DataView, used: number): Generator<IndexEntryHit> {
  let off = 0;
  while (off < used) {
    const rid = dv.getBigInt64(off, true);
    const len = dv.getUint32(off + 8, true);
    yield { rid, key: buf.subarray(off + 12, off + 12 + len) };
    off += 12 + len;
  }
}

/** An index entry read with the record it names (`sct_idx_scan_fetch`); `bytes` null: no such record. */
export interface IndexFetchHit extends IndexEntryHit {
  readonly bytes: Uint8Array | null;
}

function* decodeIndexFetch(buf: Uint8Array, dv: DataView, used: number): Generator<IndexFetchHit> {
  let off = 0;
  while (off < used) {
    const rid = dv.getBigInt64(off, true);
    const klen = dv.getUint32(off + 8, true);
    const k = off + 12;
    const vlen = dv.getUint32(k + klen, true);
    const v = k + klen + 4;
    if (vlen === 0xffffffff) {
      yield { rid, key: buf.subarray(k, k + klen), bytes: null };
      off = v;
    } else {
      yield { rid, key: buf.subarray(k, k + klen), bytes: buf.subarray(v, v + vlen) };
      off = v + vlen;
    }
  }
}

function* decodeKv(buf: Uint8Array, dv: DataView, used: number): Generator<[Uint8Array, Uint8Array]> {
  let off = 0;
  while (off < used) {
    const klen = dv.getUint32(off, true);
    const vlen = dv.getUint32(off + 4, true);
    const k = off + 8;
    yield [buf.slice(k, k + klen), buf.slice(k + klen, k + klen + vlen)];
    off += 8 + klen + vlen;
  }
}

/** The shim's arguments for index bounds (sct_idx_scan, sct_idx_scan_fetch): flags, keys, lengths. */
function indexScanArgs(b: IndexScanBounds) {
  const lower = b.lower ?? EMPTY;
  const upper = b.upper ?? EMPTY;
  const base = (b.reverse ? ScanFlag.REVERSE : 0) | (b.unique ? ScanFlag.UNIQUE : 0) |
    (b.lower !== undefined ? ScanFlag.HAS_LOWER : 0) | (b.upper !== undefined ? ScanFlag.HAS_UPPER : 0) |
    (b.lowerExclusive ? ScanFlag.LOWER_EXCL : 0) | (b.upperExclusive ? ScanFlag.UPPER_EXCL : 0) |
    (b.afterRid !== undefined ? ScanFlag.AFTER_RID : 0);
  return { base, lower, ll: lower.length, upper, ul: upper.length, after: b.afterRid ?? 0n };
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
    const { base, lower, ll, upper, ul, after } = indexScanArgs(b);
    return drive(
      `scan(${this.uri})`,
      base,
      (f, buf, cap, max, m) => shim().sct_idx_scan(p, f, lower, ll, upper, ul, buf, cap, max, m, after),
      decodeIndex,
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
    const { base, lower, ll, upper, ul, after } = indexScanArgs(b);
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
