/**
 * cursor_batches.ts — the batch scans behind `Cursor` (cursor.ts): `drive` runs one shim batch call
 * after another into a growing buffer, resuming where the last stopped, and the decoders read each
 * batch's entries (records, projected records, index entries with or without their records, key/value
 * pairs); `indexScanArgs` turns index bounds into the shim's flags and keys.
 */

import { check } from "./errors.ts";
import { Meta, ScanFlag, ScanStatus } from "./symbols.ts";

const EMPTY = new Uint8Array(0);

export interface RecordEntry {
  readonly rid: bigint;
  readonly bytes: Uint8Array;
  /** A filtered scan's record the filter fails (`bytes` empty): examined, not a match. */
  readonly rejected?: boolean;
}
/** A filter for a record scan, packed by `packMatchFilter` (match_filter.ts): its bytes and term count. */
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
  /**
   * Entries whose key fails this packed check (planner/key_check.ts: intervals of the key's fields past
   * the bounds) are skipped in the shim, their records not read.
   */
  readonly check?: Uint8Array | undefined;
  /** With `check`: told how many entries the check skipped, after each batch that skipped some. */
  readonly onChecked?: ((n: number) => void) | undefined;
}

type BatchCall = (flags: number, buf: Uint8Array, cap: number, max: number, meta: BigInt64Array) => number;

export const FIRST_BUF = 16 * 1024;
export const MAX_BUF = 1024 * 1024;
export const FIRST_COUNT = 16;
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
export function* drive<T>(
  op: string,
  baseFlags: number,
  run: BatchCall,
  decode: (buf: Uint8Array, dv: DataView, used: number) => Generator<T>,
  firstFlags: number = ScanFlag.START,
  firstCount: number = FIRST_COUNT,
  release = false,
  firstSize: number = FIRST_BUF,
  /** An index scan with a key check: told the entries each batch's check skipped (`Meta.CHECKED`). */
  onChecked?: (n: number) => void,
): Generator<T, void, undefined> {
  // Every batch gets a fresh buffer and entries are views into it (no per-record copy): a view keeps
  // its batch buffer alive, which costs less than one small allocation per record.
  let size = firstSize;
  let max = Math.max(1, Math.min(MAX_COUNT, firstCount));
  const m = new BigInt64Array(5);
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
      if (onChecked !== undefined && m[Meta.CHECKED]! > 0n) onChecked(Number(m[Meta.CHECKED]!));
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

export function* decodeRecords(buf: Uint8Array, dv: DataView, used: number): Generator<RecordEntry> {
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
export function* decodeFilteredRecords(buf: Uint8Array, dv: DataView, used: number): Generator<RecordEntry> {
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

export function* decodeFieldRecords(buf: Uint8Array, dv: DataView, used: number): Generator<FieldsEntry> {
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

export function* decodeIndex(buf: Uint8Array, dv: DataView, used: number): Generator<IndexEntryHit> {
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

export function* decodeIndexFetch(buf: Uint8Array, dv: DataView, used: number): Generator<IndexFetchHit> {
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

/**
 * An index entry read with a projection of the record it names (`sct_idx_scan_fetch_fields`);
 * `record` null: no such record; `record.rejected`: the scan's filter fails the record.
 */
export interface IndexFieldsHit extends IndexEntryHit {
  readonly record: FieldsEntry | null;
}

/** The stored-size word of an absent record in a projected index fetch (wt_scan.c). */
const ABSENT_LEN = 0xffffffff;

export function* decodeIndexFetchFields(
  buf: Uint8Array,
  dv: DataView,
  used: number,
): Generator<IndexFieldsHit> {
  let off = 0;
  while (off < used) {
    const rid = dv.getBigInt64(off, true);
    const klen = dv.getUint32(off + 8, true);
    const k = off + 12;
    const key = buf.subarray(k, k + klen);
    const v = k + klen;
    const size = dv.getUint32(v, true);
    const len = dv.getUint32(v + 4, true);
    off = v + 8;
    if (size === ABSENT_LEN) yield { rid, key, record: null };
    else if (len === REJECTED_LEN) {
      yield { rid, key, record: new FieldsEntry(rid, size, buf, dv, off, 0, true) };
    } else {
      yield { rid, key, record: new FieldsEntry(rid, size, buf, dv, off, len) };
      off += len;
    }
  }
}

export function* decodeKv(buf: Uint8Array, dv: DataView, used: number): Generator<[Uint8Array, Uint8Array]> {
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
export function indexScanArgs(b: IndexScanBounds) {
  const lower = b.lower ?? EMPTY;
  const upper = b.upper ?? EMPTY;
  const base = (b.reverse ? ScanFlag.REVERSE : 0) | (b.unique ? ScanFlag.UNIQUE : 0) |
    (b.lower !== undefined ? ScanFlag.HAS_LOWER : 0) | (b.upper !== undefined ? ScanFlag.HAS_UPPER : 0) |
    (b.lowerExclusive ? ScanFlag.LOWER_EXCL : 0) | (b.upperExclusive ? ScanFlag.UPPER_EXCL : 0) |
    (b.afterRid !== undefined ? ScanFlag.AFTER_RID : 0);
  const keyCheck = b.check ?? EMPTY;
  return {
    base,
    lower,
    ll: lower.length,
    upper,
    ul: upper.length,
    after: b.afterRid ?? 0n,
    keyCheck,
    kcl: keyCheck.length,
  };
}
