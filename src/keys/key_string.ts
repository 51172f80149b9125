/**
 * key_string.ts — byte-sortable encodings of BSON values for index keys.
 *
 * Contract: for any values a, b: sign(memcmp(encodeValue(a), encodeValue(b))) ===
 * compareValues(a, b) (simple collation). Numbers of different BSON types with equal value encode to
 * identical bytes (1, Long(1), 1.0, Decimal128("1.0")), so a unique index treats them as duplicates,
 * as mongod does. Every encoding is prefix-free, so concatenating per-field encodings (inverted for
 * descending fields) orders compound keys field by field.
 *
 * Layout: one type byte in canonical order, then a body:
 * - numbers: class byte (NaN < -Inf < negative < zero < positive < +Inf); finite values as decimal
 *   exponent (2 bytes, biased) + base-100 digit pairs (+1) + 0x00, with all bytes inverted for
 *   negatives. Doubles are expanded exactly, so order against Long/Decimal128 is exact.
 * - strings/symbols, field names, regex pattern/flags, code: UTF-8 with 0x00 escaped as 0x00 0xFF,
 *   terminated by 0x00 0x00.
 * - documents: per field (type byte, name, body), then 0x00; arrays: per element (type, body), 0x00.
 * - binData: 4-byte length, subtype, bytes; ObjectId: 12 bytes; bool: 1 byte; Date: int64 ms with
 *   the sign bit flipped; Timestamp: t then i, 4 bytes each.
 * Collated indexes (`keyer` from collation_key.ts): a string (or symbol) with a collation key is
 * type 0x28 + that key; one without (characters outside the keyer's repertoire) is type 0x29 + its
 * binary encoding, so all such strings sort after the collatable ones and before documents.
 *
 * Not decodable back to values: numbers of every BSON type share one encoding (that is what makes
 * 1 and 1.0 collide in a unique index), strings and symbols share one, and collation keys are
 * one-way. Covered queries (answering from the index without FETCH) would need the original types
 * kept beside the key (mongod's TypeBits in the index entry's value); our index entries carry only
 * the record id, so every index scan fetches the document.
 */
import type { Code, ObjectId, Timestamp } from "bson";
import { writeObjectId } from "../bson/object_id.ts";
import type { CollationKeyer } from "./collation_key.ts";
import { digitBuf, doubleDigits } from "./double_digits.ts";
import {
  binaryBytes,
  binarySubtype,
  decimalDigits,
  documentEntries,
  type ExactNumber,
  exactOf,
  kindOf,
} from "../bson/values.ts";

const TYPE_BYTE = {
  minKey: 0x0a,
  undefined: 0x0f,
  null: 0x14,
  number: 0x1e,
  string: 0x28,
  /** A string without a collation key, in a collated index. */
  rawString: 0x29,
  object: 0x32,
  array: 0x3c,
  binData: 0x46,
  objectId: 0x50,
  bool: 0x5a,
  date: 0x64,
  timestamp: 0x6e,
  regex: 0x78,
  dbPointer: 0x82,
  javascript: 0x8c,
  javascriptWithScope: 0x96,
  maxKey: 0xf0,
} as const;

const NUM_NAN = 0x01;
const NUM_NEG_INF = 0x02;
const NUM_NEG = 0x03;
const NUM_ZERO = 0x04;
const NUM_POS = 0x05;
const NUM_POS_INF = 0x06;

const encoder = new TextEncoder();

// Keys are returned as views into 64 KiB slabs: one slab stays alive while any key cut from it is
// referenced. Callers that keep a few keys for a long time may copy them (`key.slice()`).
const SLAB_SIZE = 64 * 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/** A growable byte buffer. */
class Out {
  buf = new Uint8Array(64);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(bs: Uint8Array): void {
    this.ensure(bs.length);
    this.buf.set(bs, this.len);
    this.len += bs.length;
  }
  u32(n: number): void {
    this.ensure(4);
    this.buf[this.len++] = (n >>> 24) & 0xff;
    this.buf[this.len++] = (n >>> 16) & 0xff;
    this.buf[this.len++] = (n >>> 8) & 0xff;
    this.buf[this.len++] = n & 0xff;
  }
  invertFrom(start: number): void {
    for (let i = start; i < this.len; i++) this.buf[i] = 255 - (this.buf[i] as number);
  }
  /** Copies the key out into a shared slab (small typed-array allocations are slow in V8). */
  result(): Uint8Array {
    const n = this.len;
    if (n > SLAB_SIZE / 8) return this.buf.slice(0, n);
    if (slabUsed + n > SLAB_SIZE) {
      slab = new Uint8Array(SLAB_SIZE);
      slabUsed = 0;
    }
    const view = slab.subarray(slabUsed, slabUsed + n);
    view.set(this.buf.subarray(0, n));
    slabUsed += n;
    return view;
  }
}

function writeString(out: Out, s: string): void {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0 || c > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    out.ensure(s.length + 2);
    for (let i = 0; i < s.length; i++) out.buf[out.len++] = s.charCodeAt(i);
  } else {
    const bytes = encoder.encode(s);
    out.ensure(bytes.length * 2 + 2);
    for (const b of bytes) {
      out.buf[out.len++] = b;
      if (b === 0) out.buf[out.len++] = 0xff;
    }
  }
  out.byte(0);
  out.byte(0);
}

function writeDigits(out: Out, digits: string, exp: number): void {
  const e = exp + 0x8000;
  out.byte((e >>> 8) & 0xff);
  out.byte(e & 0xff);
  for (let i = 0; i < digits.length; i += 2) {
    const hi = digits.charCodeAt(i) - 48;
    const lo = i + 1 < digits.length ? digits.charCodeAt(i + 1) - 48 : 0;
    out.byte(hi * 10 + lo + 1);
  }
  out.byte(0);
}

/** Fast path for integers below 1e15 in magnitude: digit pairs computed arithmetically. */
function writeSmallInteger(out: Out, v: number): void {
  if (v === 0) return out.byte(NUM_ZERO);
  const neg = v < 0;
  let m = neg ? -v : v;
  let exp = 1;
  for (let p = 10; p <= m; p *= 10) exp++;
  let nd = exp;
  while (m % 10 === 0) {
    m /= 10;
    nd--;
  }
  if (nd % 2 === 1) {
    m *= 10;
    nd++;
  }
  out.byte(neg ? NUM_NEG : NUM_POS);
  out.ensure(3 + nd / 2);
  const start = out.len;
  const e = exp + 0x8000;
  out.buf[out.len++] = (e >>> 8) & 0xff;
  out.buf[out.len++] = e & 0xff;
  for (let div = 10 ** (nd - 2); div >= 1; div /= 100) {
    out.buf[out.len++] = (Math.floor(m / div) % 100) + 1;
  }
  out.buf[out.len++] = 0;
  if (neg) out.invertFrom(start);
}

/** Any JS number: NaN, ±Inf, zero, a small integer, else its exact decimal digits (double_digits.ts). */
function writeDouble(out: Out, v: number): void {
  if (Number.isInteger(v) && v < 1e15 && v > -1e15) return writeSmallInteger(out, v); // ±0 too
  if (v !== v) return out.byte(NUM_NAN);
  if (v === Infinity) return out.byte(NUM_POS_INF);
  if (v === -Infinity) return out.byte(NUM_NEG_INF);
  const packed = doubleDigits(v);
  const n = Math.floor(packed / 4096);
  const exp = packed % 4096 - 2048;
  out.byte(v < 0 ? NUM_NEG : NUM_POS);
  out.ensure(3 + (n + 1) / 2);
  const start = out.len;
  const e = exp + 0x8000;
  out.buf[out.len++] = (e >>> 8) & 0xff;
  out.buf[out.len++] = e & 0xff;
  for (let i = 0; i < n; i += 2) {
    out.buf[out.len++] = digitBuf[i]! * 10 + (i + 1 < n ? digitBuf[i + 1]! : 0) + 1;
  }
  out.buf[out.len++] = 0;
  if (v < 0) out.invertFrom(start);
}

function writeNumber(out: Out, v: unknown): void {
  if (typeof v === "number") return writeDouble(out, v);
  const tag = (v as { _bsontype?: unknown })._bsontype;
  if (tag === "Double" || tag === "Int32") {
    return writeDouble(out, Number((v as { valueOf(): number }).valueOf()));
  }
  const x = exactOf(v) as ExactNumber;
  if (x.t === "nan") return out.byte(NUM_NAN);
  if (x.t === "inf") return out.byte(x.sign > 0 ? NUM_POS_INF : NUM_NEG_INF);
  const d = decimalDigits(x);
  if (d.sign === 0) return out.byte(NUM_ZERO);
  out.byte(d.sign < 0 ? NUM_NEG : NUM_POS);
  const start = out.len;
  writeDigits(out, d.digits, d.exp);
  if (d.sign < 0) out.invertFrom(start);
}

function typeByteOf(kind: ReturnType<typeof kindOf>): number {
  switch (kind) {
    case "int":
    case "long":
    case "double":
    case "decimal":
      return TYPE_BYTE.number;
    case "symbol":
      return TYPE_BYTE.string;
    default:
      return TYPE_BYTE[kind];
  }
}

/** The collation keyer of the key being encoded (encoding is synchronous and never re-entered). */
let keyer: CollationKeyer | undefined;

function stringOf(v: unknown, kind: ReturnType<typeof kindOf>): string {
  return kind === "string" ? (v as string) : String((v as { value: unknown }).value);
}

/** A string in a collated key: type byte, optional field name, then the collation key or raw bytes. */
function writeCollated(out: Out, k: CollationKeyer, s: string, name?: string): void {
  const body = k.encode(s);
  out.byte(body ? TYPE_BYTE.string : TYPE_BYTE.rawString);
  if (name !== undefined) writeString(out, name);
  if (body) out.bytes(body);
  else writeString(out, s);
}

function writeValue(out: Out, v: unknown): void {
  const kind = kindOf(v);
  if (keyer && (kind === "string" || kind === "symbol")) return writeCollated(out, keyer, stringOf(v, kind));
  out.byte(typeByteOf(kind));
  writeBody(out, v, kind);
}

function writeDocumentBody(out: Out, v: unknown): void {
  for (const [name, val] of documentEntries(v)) {
    const kind = kindOf(val);
    if (keyer && (kind === "string" || kind === "symbol")) {
      writeCollated(out, keyer, stringOf(val, kind), name);
      continue;
    }
    out.byte(typeByteOf(kind));
    writeString(out, name);
    writeBody(out, val, kind);
  }
  out.byte(0);
}

function writeBody(out: Out, v: unknown, kind: ReturnType<typeof kindOf>): void {
  switch (kind) {
    case "int":
    case "long":
    case "double":
    case "decimal":
      return writeNumber(out, v);
    case "string":
      return writeString(out, v as string);
    case "symbol":
      return writeString(out, String((v as { value: unknown }).value));
    case "object":
      return writeDocumentBody(out, v);
    case "array":
      for (const el of v as unknown[]) writeValue(out, el);
      return out.byte(0);
    case "binData": {
      const bytes = binaryBytes(v);
      out.u32(bytes.length);
      out.byte(binarySubtype(v));
      return out.bytes(bytes);
    }
    case "objectId":
      out.ensure(12);
      if (writeObjectId(v as ObjectId, out.buf, out.len)) out.len += 12;
      return;
    case "bool":
      return out.byte(v ? 1 : 0);
    case "date": {
      const ms = BigInt.asUintN(64, BigInt(Math.trunc((v as Date).getTime() || 0))) ^ (1n << 63n);
      out.u32(Number(ms >> 32n));
      return out.u32(Number(ms & 0xffffffffn));
    }
    case "timestamp": {
      const ts = v as Timestamp;
      out.u32(ts.t);
      return out.u32(ts.i);
    }
    case "regex": {
      const [p, f] = v instanceof RegExp
        ? [v.source, v.flags]
        : [(v as { pattern: string }).pattern, (v as { options: string }).options];
      writeString(out, p);
      return writeString(out, f);
    }
    case "javascript":
      return writeString(out, String((v as Code).code));
    case "javascriptWithScope":
      writeString(out, String((v as Code).code));
      return writeDocumentBody(out, (v as Code).scope ?? {});
    default:
      return; // minKey, maxKey, null, undefined, dbPointer: the type byte is the whole key
  }
}

/** One reusable buffer: encoding is synchronous and never re-entered, results are copied out. */
const scratch = new Out();

/** Byte-sortable encoding of one value (ascending); strings as collation keys when `k` is given. */
export function encodeValue(v: unknown, k?: CollationKeyer): Uint8Array {
  const out = scratch;
  out.len = 0;
  keyer = k; // every entry point sets it, so a throw cannot leak it into the next key
  writeValue(out, v);
  return out.result();
}

/** Byte-sortable encoding of a compound key; a -1 direction inverts that field's bytes. */
export function encodeIndexKey(
  values: readonly unknown[],
  directions: readonly (1 | -1)[],
  k?: CollationKeyer,
): Uint8Array {
  const out = scratch;
  out.len = 0;
  keyer = k;
  for (let i = 0; i < values.length; i++) {
    const start = out.len;
    writeValue(out, values[i]);
    if (directions[i] === -1) out.invertFrom(start);
  }
  return out.result();
}

/** memcmp of two keys: -1, 0 or 1. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
