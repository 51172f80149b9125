/**
 * The BSONColumn decoder: a BinData subtype 7 ("Column") binary, as mongod writes the data of a
 * compressed time-series bucket, → the sequence of values it holds, `undefined` for a missing value
 * (a skip). Facts from mongod's src/mongo/bson/column/ (README.md, bsoncolumn.cpp, bsoncolumn_util.h,
 * simple8b_type_util.cpp); our own code.
 *
 * The binary is a run of control bytes, ended by a 0 byte at its very end:
 * - a literal: a whole BSON element with an empty field name (type bytes 0x01–0x1F, MinKey 0xFF,
 *   MaxKey 0x7F); it is the next value and the base for the deltas that follow;
 * - Simple-8b deltas: high nibble 0x8 (a 64-bit stream, values as integers — doubles as their bit
 *   patterns) or 0x9–0xD (doubles scaled by 1, 10, 100, 10^4, 10^8), low nibble = blocks − 1
 *   (simple8b.ts). ObjectId, Date and Timestamp store deltas of deltas; int32, int64, bool and
 *   doubles deltas; strings/code (reversed), binaries ≤ 16 bytes and decimals are 128-bit values with
 *   deltas; other types only repeat (delta 0). A missing slot is a skip;
 * - 0xF0 (legacy: arrays not traversed), 0xF1, 0xF2 (array root): interleaved mode. A reference
 *   object follows; each of its scalar fields (depth first) gets its own stream of literals and
 *   Simple-8b deltas, starting from the reference's value, whose control bytes follow one another in
 *   the order the streams need them. Each value of the column is rebuilt from one value of every
 *   stream, missing fields left out (and sub-objects left with no field, unless empty in the
 *   reference); an object with no field at all is a skip. A 0 byte where the first stream needs its
 *   next control ends the mode; the stream that follows repeats the last object on a 0 delta.
 *
 * Malformed input (truncated, bad selector, delta on a type without deltas, ...) throws mongod 8.0's
 * 6067602 "Invalid BSON Column encoding". The output is bounded (`maxElements`, `maxWork`) so no
 * binary can make decoding run away. PURE.
 */
import {
  BSON_ARRAY,
  BSON_BINARY,
  BSON_BOOL,
  BSON_CODE,
  BSON_DATE,
  BSON_DECIMAL,
  BSON_DOUBLE,
  BSON_INT32,
  BSON_INT64,
  BSON_MAX_KEY,
  BSON_MIN_KEY,
  BSON_OBJECT,
  BSON_OID,
  BSON_STRING,
  BSON_TIMESTAMP,
  ByteWriter,
  type ColumnElement,
  valueSize,
} from "./element.ts";
import { decodeSimple8b, invalidColumn, type Slot, zigzagDecode } from "./simple8b.ts";

export type { ColumnElement } from "./element.ts";

/** A decoded value, or undefined for a missing one. */
export type ColumnValue = ColumnElement | undefined;

export interface DecodeColumnOptions {
  /** Most values the column may hold (default 1,000,000). */
  readonly maxElements?: number;
  /** Most values decoded in all, interleaved fields included (default 50,000,000). */
  readonly maxWork?: number;
}

const SCALES = [1, 10, 100, 10000, 100000000];
const MEMORY_AS_INTEGER = 5;
const INTERLEAVED_LEGACY = 0xf0;
const INTERLEAVED = 0xf1;
const INTERLEAVED_ARRAY_ROOT = 0xf2;

function isLiteral(control: number): boolean {
  return (control & 0xe0) === 0 || control === BSON_MIN_KEY || control === BSON_MAX_KEY;
}

function isInterleavedStart(control: number): boolean {
  return control === INTERLEAVED_LEGACY || control === INTERLEAVED || control === INTERLEAVED_ARRAY_ROOT;
}

/** Scale index of a Simple-8b control byte (5: values as integers), or -1. */
function scaleIndexOf(control: number): number {
  const hi = control >> 4;
  return hi === 8 ? MEMORY_AS_INTEGER : hi >= 9 && hi <= 0xd ? hi - 9 : -1;
}

function uses128(type: number): boolean {
  return type === BSON_DECIMAL || type === BSON_BINARY || type === BSON_STRING || type === BSON_CODE;
}

function usesDeltaOfDelta(type: number): boolean {
  return type === BSON_OID || type === BSON_DATE || type === BSON_TIMESTAMP;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The 16 bytes of a 128-bit value, little-endian. */
function bytes128(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  const dv = view(out);
  const u = BigInt.asUintN(128, v);
  dv.setBigUint64(0, BigInt.asUintN(64, u), true);
  dv.setBigUint64(8, u >> 64n, true);
  return out;
}

/** Up to 16 bytes, little-endian, zero-padded, as a signed 128-bit value. */
function int128Of(b: Uint8Array): bigint {
  const padded = new Uint8Array(16);
  padded.set(b);
  const dv = view(padded);
  return BigInt.asIntN(128, dv.getBigUint64(0, true) | dv.getBigUint64(8, true) << 64n);
}

function doubleBits(d: number): bigint {
  scratchView.setFloat64(0, d, true);
  return scratchView.getBigInt64(0, true);
}

/** mongod's encodeDouble: the double as an integer at a scale, or undefined when not exact. */
function encodeDouble(d: number, scaleIndex: number): bigint | undefined {
  if (scaleIndex === MEMORY_AS_INTEGER) return doubleBits(d);
  const scale = SCALES[scaleIndex]!;
  const scaled = d * scale;
  if (!(scaled >= -(2 ** 53) && scaled <= 2 ** 53)) return undefined;
  // llround: halves away from zero
  const rounded = scaled < 0 ? -Math.round(-scaled) : Math.round(scaled);
  if (doubleBits(rounded / scale) !== doubleBits(d)) return undefined;
  return BigInt(rounded);
}

/** Scratch space for numbers on their way to bytes (no allocation per value). */
const scratch = new Uint8Array(16);
const scratchView = new DataView(scratch.buffer);

function decodeDouble(v: bigint, scaleIndex: number): number {
  if (scaleIndex === MEMORY_AS_INTEGER) {
    scratchView.setBigInt64(0, v, true);
    return scratchView.getFloat64(0, true);
  }
  return Number(v) / SCALES[scaleIndex]!;
}

/** ObjectId → 64-bit value: timestamp and counter bytes interleaved, most entropy lowest. */
function encodeObjectId(oid: Uint8Array): bigint {
  const e = new Uint8Array(8);
  e[0] = oid[11]!;
  e[1] = oid[3]!;
  e[2] = oid[10]!;
  e[3] = oid[2]!;
  e[4] = oid[9]!;
  e[5] = oid[1]!;
  e[6] = oid[0]!;
  return view(e).getBigInt64(0, true);
}

function decodeObjectId(v: bigint, previous: Uint8Array): Uint8Array {
  const e = new Uint8Array(8);
  view(e).setBigInt64(0, BigInt.asIntN(64, v), true);
  const oid = Uint8Array.from(previous); // keeps the 5 process-unique bytes
  oid[0] = e[6]!;
  oid[1] = e[5]!;
  oid[2] = e[3]!;
  oid[3] = e[1]!;
  oid[9] = e[4]!;
  oid[10] = e[2]!;
  oid[11] = e[0]!;
  return oid;
}

/** One stream's decoding state (mongod's DecodingState). */
class Stream {
  /** The last value (undefined: none yet, or a skip ended the previous mode). */
  last: ColumnElement | undefined = undefined;
  width: 64 | 128 = 64;
  deltaOfDelta = false;
  scaleIndex = MEMORY_AS_INTEGER;
  /** The last encoded value (for delta of delta: the last delta). */
  encoded = 0n;
  /** For delta of delta: the last encoded value. */
  encodedDoD = 0n;
  /** The Simple-8b values of the current control byte, and the next one to read. */
  slots: Slot[] = [];
  next = 0;
  /** False until a Simple-8b control was read since the last literal (run-length then repeats 0). */
  started = false;

  hasMore(): boolean {
    return this.next < this.slots.length;
  }

  /** A literal element: the next value, and the base of the deltas that follow. */
  loadLiteral(e: ColumnElement): void {
    this.last = e;
    this.slots = [];
    this.next = 0;
    this.started = false;
    this.encoded = 0n;
    this.encodedDoD = 0n;
    this.scaleIndex = MEMORY_AS_INTEGER;
    if (uses128(e.type)) {
      this.width = 128;
      this.deltaOfDelta = false;
      this.encoded = encode128(e);
      return;
    }
    this.width = 64;
    this.deltaOfDelta = usesDeltaOfDelta(e.type);
    const dv = view(e.value);
    switch (e.type) {
      case BSON_OID:
        this.encoded = encodeObjectId(e.value);
        break;
      case BSON_DATE:
      case BSON_INT64:
      case BSON_TIMESTAMP:
        this.encoded = dv.getBigInt64(0, true);
        break;
      case BSON_BOOL:
        this.encoded = e.value[0] ? 1n : 0n;
        break;
      case BSON_INT32:
        this.encoded = BigInt(dv.getInt32(0, true));
        break;
    }
    if (this.deltaOfDelta) {
      this.encodedDoD = this.encoded;
      this.encoded = 0n;
    }
  }

  /** A Simple-8b control byte at `at` with its blocks; returns the bytes it takes. */
  loadSimple8b(bytes: Uint8Array, at: number, control: number): number {
    const blocks = (control & 0x0f) + 1;
    const size = 8 * blocks;
    if (!(at + size + 1 < bytes.length)) throw invalidColumn("control block would overflow buffer");
    const scaleIndex = scaleIndexOf(control);
    if (this.width === 64) {
      if (scaleIndex < 0) throw invalidColumn("invalid control byte in 64-bit stream");
      this.scaleIndex = scaleIndex;
      if (this.last?.type === BSON_DOUBLE) {
        const encoded = encodeDouble(view(this.last.value).getFloat64(0, true), scaleIndex);
        if (encoded === undefined) throw invalidColumn("invalid double encoding");
        this.encoded = encoded;
      } else if (scaleIndex !== MEMORY_AS_INTEGER) {
        throw invalidColumn("unexpected control for type");
      }
    } else if (scaleIndex !== MEMORY_AS_INTEGER) {
      throw invalidColumn("invalid control byte in 128-bit stream");
    }
    const previous = this.started ? this.slots[this.slots.length - 1]! : 0n;
    const slots: Slot[] = [];
    decodeSimple8b(bytes, at + 1, blocks, this.width, previous, slots);
    this.slots = slots;
    this.next = 0;
    this.started = true;
    return size + 1;
  }

  /** The value of the next delta. */
  nextValue(): ColumnValue {
    const delta = this.slots[this.next++]!;
    if (delta === null) return undefined;
    if (this.width === 64) {
      if (this.last === undefined) return undefined;
      if (!this.deltaOfDelta && delta === 0n) return this.last;
      this.encoded = BigInt.asIntN(64, this.encoded + zigzagDecode(delta, 64));
      if (this.deltaOfDelta) this.encodedDoD = BigInt.asIntN(64, this.encodedDoD + this.encoded);
      this.last = materialize64(
        this.last,
        this.deltaOfDelta ? this.encodedDoD : this.encoded,
        this.scaleIndex,
      );
      return this.last;
    }
    if (delta === 0n) return this.last;
    if (this.last === undefined) throw invalidColumn("invalid delta in 128-bit stream");
    this.encoded = BigInt.asIntN(128, this.encoded + zigzagDecode(delta, 128));
    this.last = materialize128(this.last, this.encoded);
    return this.last;
  }
}

function encode128(e: ColumnElement): bigint {
  switch (e.type) {
    case BSON_STRING:
    case BSON_CODE: {
      const len = e.value.length - 5; // int32 length, bytes, 0
      if (len > 16 || (len > 0 && e.value[4] === 0)) return 0n;
      return int128Of(Uint8Array.from(e.value.subarray(4, 4 + len)).reverse());
    }
    case BSON_BINARY: {
      const len = e.value.length - 5;
      return len > 16 ? 0n : int128Of(e.value.subarray(5));
    }
    default: // decimal128: low 64 bits then high 64 bits
      return int128Of(e.value);
  }
}

function materialize64(last: ColumnElement, v: bigint, scaleIndex: number): ColumnElement {
  switch (last.type) {
    case BSON_DOUBLE:
      scratchView.setFloat64(0, decodeDouble(v, scaleIndex), true);
      break;
    case BSON_OID:
      return { type: BSON_OID, value: decodeObjectId(v, last.value) };
    case BSON_DATE:
    case BSON_INT64:
    case BSON_TIMESTAMP:
      scratchView.setBigInt64(0, v, true);
      break;
    case BSON_BOOL:
      scratch[0] = v !== 0n ? 1 : 0;
      break;
    case BSON_INT32:
      scratchView.setInt32(0, Number(BigInt.asIntN(32, v)), true);
      break;
    default:
      throw invalidColumn("invalid delta in 64-bit stream");
  }
  return { type: last.type, value: scratch.slice(0, last.value.length) };
}

function materialize128(last: ColumnElement, v: bigint): ColumnElement {
  const raw = bytes128(v);
  switch (last.type) {
    case BSON_STRING:
    case BSON_CODE: {
      let len = 16;
      while (len > 0 && raw[len - 1] === 0) len--;
      const out = new Uint8Array(len + 5);
      view(out).setInt32(0, len + 1, true);
      out.set(raw.subarray(0, len).reverse(), 4);
      return { type: last.type, value: out };
    }
    case BSON_BINARY: {
      const len = last.value.length - 5;
      if (len > 16) throw invalidColumn("BinData length should not exceed 16 in a delta encoding");
      const out = Uint8Array.from(last.value);
      out.set(raw.subarray(0, len), 5);
      return { type: BSON_BINARY, value: out };
    }
    case BSON_DECIMAL:
      return { type: BSON_DECIMAL, value: raw };
    default:
      throw invalidColumn("invalid delta in 128-bit stream");
  }
}

/** Reads the literal element at `at` (type, empty name, value); returns it and its size. */
function readLiteral(bytes: Uint8Array, at: number): [ColumnElement, number] {
  const type = bytes[at]!;
  if (at + 1 >= bytes.length || bytes[at + 1] !== 0) throw invalidColumn("literal without empty field name");
  const size = valueSize(bytes, type, at + 2);
  return [{ type, value: bytes.subarray(at + 2, at + 2 + size) }, size + 2];
}

/** One entry of the interleaved schema (mongod's InterleavedSchema). */
type SchemaEntry =
  | { readonly op: "enter"; readonly name: Uint8Array; readonly type: number; readonly allowEmpty: boolean }
  | { readonly op: "scalar"; readonly name: Uint8Array; readonly stream: number }
  | { readonly op: "exit"; readonly name: Uint8Array; readonly allowEmpty: boolean };

/** Walks a reference object (BSON bytes): its schema, and one stream per scalar started at its value. */
function schemaOf(
  bytes: Uint8Array,
  arrays: boolean,
  entries: SchemaEntry[],
  streams: Stream[],
  name: Uint8Array,
  type: number,
  depth: number,
): void {
  if (depth > 200) throw invalidColumn("reference object nested too deeply");
  const allowEmpty = bytes.length === 5;
  entries.push({ op: "enter", name, type, allowEmpty });
  let at = 4;
  while (true) {
    if (at >= bytes.length) throw invalidColumn("unterminated reference object");
    const t = bytes[at]!;
    if (t === 0) break;
    const nameEnd = bytes.indexOf(0, at + 1);
    if (nameEnd < 0) throw invalidColumn("unterminated field name in reference object");
    const fieldName = bytes.subarray(at + 1, nameEnd);
    const size = valueSize(bytes, t, nameEnd + 1);
    const value = bytes.subarray(nameEnd + 1, nameEnd + 1 + size);
    if (t === BSON_OBJECT || (arrays && t === BSON_ARRAY)) {
      schemaOf(value, arrays, entries, streams, fieldName, t, depth + 1);
    } else {
      const s = new Stream();
      s.loadLiteral({ type: t, value });
      entries.push({ op: "scalar", name: fieldName, stream: streams.length });
      streams.push(s);
    }
    at = nameEnd + 1 + size;
  }
  if (at !== bytes.length - 1) throw invalidColumn("bad reference object length");
  entries.push({ op: "exit", name, allowEmpty });
}

class Decoder {
  pos = 0;
  readonly out: ColumnValue[] = [];
  work = 0;
  readonly regular = new Stream();

  constructor(
    readonly bytes: Uint8Array,
    readonly maxElements: number,
    readonly maxWork: number,
  ) {}

  emit(v: ColumnValue): void {
    if (this.out.length >= this.maxElements) {
      throw invalidColumn(`more than ${this.maxElements} values`);
    }
    this.out.push(v);
  }

  charge(): void {
    if (++this.work > this.maxWork) throw invalidColumn(`more than ${this.maxWork} values decoded`);
  }

  /** Loads the control byte at `pos` into a stream (literal or Simple-8b); returns its first value. */
  loadControl(s: Stream): ColumnValue {
    const control = this.bytes[this.pos]!;
    if (isLiteral(control)) {
      const [e, size] = readLiteral(this.bytes, this.pos);
      this.pos += size;
      s.loadLiteral(e);
      return e;
    }
    this.pos += s.loadSimple8b(this.bytes, this.pos, control);
    return s.nextValue();
  }

  run(): ColumnValue[] {
    const b = this.bytes;
    if (b.length === 0) throw invalidColumn("BSON Column encoding is empty");
    while (true) {
      this.charge();
      const s = this.regular;
      if (s.hasMore()) {
        this.emit(s.nextValue());
        continue;
      }
      if (this.pos >= b.length) throw invalidColumn("overflowed buffer");
      const control = b[this.pos]!;
      if (control === 0) {
        if (this.pos + 1 !== b.length) throw invalidColumn("final EOO found before reaching end of buffer");
        return this.out;
      }
      if (isInterleavedStart(control)) {
        this.interleaved(control);
        continue;
      }
      this.emit(this.loadControl(s));
    }
  }

  interleaved(control: number): void {
    const b = this.bytes;
    const refAt = this.pos + 1;
    if (refAt + 5 > b.length) throw invalidColumn("truncated reference object");
    const refSize = valueSize(b, BSON_OBJECT, refAt);
    const rootType = control === INTERLEAVED_ARRAY_ROOT ? BSON_ARRAY : BSON_OBJECT;
    const entries: SchemaEntry[] = [];
    const streams: Stream[] = [];
    schemaOf(
      b.subarray(refAt, refAt + refSize),
      control !== INTERLEAVED_LEGACY,
      entries,
      streams,
      new Uint8Array(),
      rootType,
      0,
    );
    if (streams.length === 0) throw invalidColumn("interleaved reference object without a scalar field");
    this.pos = refAt + refSize;
    if (this.pos >= b.length || b[this.pos] === 0) {
      throw invalidColumn("interleaved encoding should contain at least one object");
    }
    let lastObject: ColumnValue = undefined;
    const w = new ByteWriter();
    const starts: number[] = [];
    while (true) {
      w.length = 0;
      for (const entry of entries) {
        if (entry.op === "enter") {
          starts.push(w.length);
          if (starts.length > 1) w.header(entry.type, entry.name);
          w.reserve(4);
          w.length += 4;
        } else if (entry.op === "exit") {
          const start = starts.pop()!;
          const headerEnd = starts.length === 0 ? start + 4 : start + entry.name.length + 6;
          if (w.length === headerEnd && !entry.allowEmpty) {
            w.length = start; // no field: the sub-object is left out
          } else {
            w.byte(0);
            const objStart = headerEnd - 4;
            w.int32At(objStart, w.length - objStart);
          }
        } else {
          this.charge();
          const s = streams[entry.stream]!;
          let v: ColumnValue;
          if (s.hasMore()) {
            v = s.nextValue();
          } else {
            if (this.pos >= b.length) throw invalidColumn("overflowed buffer");
            if (b[this.pos] === 0) {
              if (entry.stream !== 0) throw invalidColumn("cannot load regular mode after interleaved mode");
              this.pos++;
              for (const other of streams) {
                if (other.hasMore()) throw invalidColumn("not all interleaved decoders are exhausted");
              }
              this.regular.loadLiteral({ type: 0x0a, value: new Uint8Array() });
              this.regular.last = lastObject;
              return;
            }
            v = this.loadControl(s);
          }
          if (v !== undefined) {
            w.header(v.type, entry.name);
            w.bytes(v.value);
          }
        }
      }
      lastObject = w.length === 0 ? undefined : { type: rootType, value: w.take() };
      this.emit(lastObject);
    }
  }
}

/** The values of a BSONColumn binary (the bytes of a BinData subtype 7), skips as undefined. */
export function decodeBsonColumn(bytes: Uint8Array, options: DecodeColumnOptions = {}): ColumnValue[] {
  // a plain view (a node Buffer's slice() would share memory), never written to
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Decoder(plain, options.maxElements ?? 1_000_000, options.maxWork ?? 50_000_000).run();
}
