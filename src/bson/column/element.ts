/**
 * Raw BSON elements for the BSONColumn decoder: the size of an element's value by type (to read the
 * literals a column holds), and documents assembled from raw elements (so decoded values keep their
 * exact BSON types when the one SecantusDB decoder reads them). PURE.
 */
import { Long, ObjectId } from "bson";
import { decodeDocument, doubleValue } from "../decode.ts";
import { invalidColumn } from "./simple8b.ts";

/** One decoded value: its BSON type byte and the bytes of its value (no type, no field name). */
export interface ColumnElement {
  readonly type: number;
  readonly value: Uint8Array;
}

export const BSON_DOUBLE = 0x01;
export const BSON_STRING = 0x02;
export const BSON_OBJECT = 0x03;
export const BSON_ARRAY = 0x04;
export const BSON_BINARY = 0x05;
export const BSON_OID = 0x07;
export const BSON_BOOL = 0x08;
export const BSON_DATE = 0x09;
export const BSON_CODE = 0x0d;
export const BSON_CODE_W_SCOPE = 0x0f;
export const BSON_INT32 = 0x10;
export const BSON_TIMESTAMP = 0x11;
export const BSON_INT64 = 0x12;
export const BSON_DECIMAL = 0x13;
export const BSON_MIN_KEY = 0xff;
export const BSON_MAX_KEY = 0x7f;

function int32At(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw invalidColumn("element runs past the end of the binary");
  return bytes[at]! | bytes[at + 1]! << 8 | bytes[at + 2]! << 16 | bytes[at + 3]! << 24;
}

function cstringEnd(bytes: Uint8Array, at: number): number {
  const end = bytes.indexOf(0, at);
  if (end < 0) throw invalidColumn("unterminated string in element");
  return end + 1;
}

/** The size in bytes of the value of a `type` element starting at `at`; throws if it does not fit. */
export function valueSize(bytes: Uint8Array, type: number, at: number): number {
  let size: number;
  switch (type) {
    case 0x06: // undefined
    case 0x0a: // null
    case BSON_MIN_KEY:
    case BSON_MAX_KEY:
      size = 0;
      break;
    case BSON_BOOL:
      size = 1;
      break;
    case BSON_INT32:
      size = 4;
      break;
    case BSON_DOUBLE:
    case BSON_DATE:
    case BSON_TIMESTAMP:
    case BSON_INT64:
      size = 8;
      break;
    case BSON_OID:
      size = 12;
      break;
    case BSON_DECIMAL:
      size = 16;
      break;
    case BSON_STRING:
    case BSON_CODE:
    case 0x0e: // symbol
      size = 4 + int32At(bytes, at);
      if (size < 5) throw invalidColumn("bad string length");
      break;
    case 0x0c: { // DBPointer: string then ObjectId
      const n = int32At(bytes, at);
      if (n < 1) throw invalidColumn("bad string length");
      size = 4 + n + 12;
      break;
    }
    case BSON_OBJECT:
    case BSON_ARRAY:
      size = int32At(bytes, at);
      if (size < 5) throw invalidColumn("bad object length");
      break;
    case BSON_BINARY: {
      const n = int32At(bytes, at);
      if (n < 0) throw invalidColumn("bad binary length");
      size = 5 + n;
      break;
    }
    case 0x0b: // regex: pattern and options, two C strings
      size = cstringEnd(bytes, cstringEnd(bytes, at)) - at;
      break;
    case BSON_CODE_W_SCOPE:
      throw invalidColumn("CodeWScope is not a valid BSONColumn element type");
    default:
      throw invalidColumn(`unknown element type 0x${type.toString(16)}`);
  }
  if (at + size > bytes.length) throw invalidColumn("element runs past the end of the binary");
  return size;
}

const utf8 = new TextEncoder();

/** A growable byte buffer for building BSON. */
export class ByteWriter {
  buf = new Uint8Array(256);
  length = 0;

  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  int32At(at: number, v: number): void {
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = (v >>> 8) & 0xff;
    this.buf[at + 2] = (v >>> 16) & 0xff;
    this.buf[at + 3] = (v >>> 24) & 0xff;
  }
  /** Type byte, field name and its terminating zero. */
  header(type: number, name: Uint8Array | string): void {
    this.byte(type);
    this.bytes(typeof name === "string" ? utf8.encode(name) : name);
    this.byte(0);
  }
  take(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** The bytes of a BSON document holding `fields` (name, raw element) in order. */
export function documentOf(fields: readonly (readonly [string, ColumnElement])[]): Uint8Array {
  const w = new ByteWriter();
  w.reserve(4);
  w.length = 4;
  for (const [name, e] of fields) {
    w.header(e.type, name);
    w.bytes(e.value);
  }
  w.byte(0);
  w.int32At(0, w.length);
  return w.take();
}

const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // (a leading U+FEFF is text)

/**
 * The JS value of a decoded element, exactly as the one decoder (src/bson/decode.ts) reads it: common
 * scalar types directly, the others through a one-field document.
 */
export function jsValueOf(e: ColumnElement): unknown {
  const v = e.value;
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  switch (e.type) {
    case BSON_DOUBLE:
      return doubleValue(dv.getFloat64(0, true));
    case BSON_INT32:
      return dv.getInt32(0, true);
    case BSON_INT64:
      return Long.fromBits(dv.getInt32(0, true), dv.getInt32(4, true));
    case BSON_DATE:
      return new Date(Number(dv.getBigInt64(0, true)));
    case BSON_OID:
      return new ObjectId(Uint8Array.from(v));
    case BSON_BOOL:
      return v[0] !== 0;
    case 0x0a:
      return null;
    case BSON_STRING:
      if (v[v.length - 1] !== 0) throw invalidColumn("string without its terminating zero");
      try {
        return utf8Strict.decode(v.subarray(4, v.length - 1));
      } catch {
        throw invalidColumn("string is not valid UTF-8");
      }
    default:
      try {
        return decodeDocument(documentOf([["v", e]]))["v"];
      } catch (err) {
        throw invalidColumn(`undecodable value (${err instanceof Error ? err.message : String(err)})`);
      }
  }
}
