/**
 * small_doc.ts — the bytes `BSON.serialize` gives for a small document of plain objects and scalars,
 * written here without npm bson's general serializer (pure). For the per-request documents on the hot
 * path: command replies (`{n: 1, ok: 1}`, a write error's `{n: 0, writeErrors: [...]}`), an update's
 * oplog `{$v: 2, diff}`, and every document `serializeDocument` writes (a pipeline's output: npm bson
 * encodes each name and string through a TextEncoder call, this writes ASCII itself and caches names).
 * Not a second codec: it writes only numbers, strings, booleans, null, `Long`, `Double`, `Int32`,
 * `ObjectId`, valid dates, nested plain objects and arrays of these, and answers `undefined` for
 * anything else (binaries, `undefined` values or array holes, a `toBSON` method, a key holding
 * NUL, a document larger than its scratch buffer) — the caller then
 * uses `BSON.serialize`, so every byte written is one npm bson would write (small_doc_test.ts checks it).
 */
import type { Document } from "./document.ts";
import type { ObjectId } from "bson";
import { writeObjectId } from "./object_id.ts";

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** Documents up to this size are written here; larger ones go to npm bson. */
const SCRATCH_SIZE = 16 * 1024;
/** Nesting this deep goes to npm bson (it reports what is too deep). */
const MAX_DEPTH = 32;

const scratch = new Uint8Array(SCRATCH_SIZE);
const scratchView = new DataView(scratch.buffer);
const encoder = new TextEncoder();

/** A key's UTF-8 bytes, cached (replies and diffs reuse a few names). */
const keyCache = new Map<string, Uint8Array>();

function keyBytes(key: string): Uint8Array | undefined {
  let b = keyCache.get(key);
  if (b === undefined) {
    if (key.includes("\0")) return undefined;
    if (keyCache.size >= 4096) keyCache.clear();
    b = encoder.encode(key);
    keyCache.set(key, b);
  }
  return b;
}

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && !("_bsontype" in v) &&
    typeof (v as { toBSON?: unknown }).toBSON !== "function";
}

/**
 * Writes the elements of `doc` as a document at `at`; returns the end, or -1 when a value is not one
 * this module writes or the scratch buffer is too small.
 */
function writeDoc(doc: Document, at: number, depth: number): number {
  if (depth > MAX_DEPTH) return -1;
  let p = at + 4;
  const array = Array.isArray(doc);
  // an array's elements are named by their indexes (npm bson: `${i}`, holes included)
  const keys = array ? Array.from({ length: (doc as unknown[]).length }, (_, i) => `${i}`) : Object.keys(doc);
  for (const key of keys) {
    const value = doc[key];
    const name = keyBytes(key);
    if (name === undefined) return -1;
    // type byte, name, NUL, and the largest fixed-size value
    if (p + name.length + 10 > SCRATCH_SIZE) return -1;
    const typeAt = p;
    p += 1;
    scratch.set(name, p);
    p += name.length;
    scratch[p++] = 0;
    switch (typeof value) {
      case "number":
        if (
          !Object.is(value, -0) && Number.isSafeInteger(value) && value <= INT32_MAX && value >= INT32_MIN
        ) {
          scratch[typeAt] = 0x10;
          scratchView.setInt32(p, value, true);
          p += 4;
        } else {
          scratch[typeAt] = 0x01;
          scratchView.setFloat64(p, value, true);
          p += 8;
        }
        break;
      case "boolean":
        scratch[typeAt] = 0x08;
        scratch[p++] = value ? 1 : 0;
        break;
      case "string": {
        scratch[typeAt] = 0x02;
        const start = p + 4;
        if (start + value.length * 3 + 1 > SCRATCH_SIZE) return -1;
        let k = start;
        let ascii = true;
        for (let i = 0; i < value.length; i++) {
          const c = value.charCodeAt(i);
          if (c >= 0x80) {
            ascii = false;
            break;
          }
          scratch[k++] = c;
        }
        if (!ascii) k = start + encoder.encodeInto(value, scratch.subarray(start)).written;
        scratch[k++] = 0;
        scratchView.setInt32(p, k - start, true);
        p = k;
        break;
      }
      case "object": {
        if (value === null) {
          scratch[typeAt] = 0x0a;
          break;
        }
        const tag = (value as { _bsontype?: unknown })._bsontype;
        if (value instanceof Date) {
          // npm bson writes getTime() as an int64 (an invalid date through Long.fromNumber: left to it)
          const ms = value.getTime();
          if (!Number.isSafeInteger(ms) || typeof (value as { toBSON?: unknown }).toBSON === "function") {
            return -1;
          }
          scratch[typeAt] = 0x09;
          scratchView.setBigInt64(p, BigInt(ms), true);
          p += 8;
        } else if (tag === undefined) {
          const isArray = Array.isArray(value);
          if (isArray ? Object.getPrototypeOf(value) !== Array.prototype : !isPlain(value)) return -1;
          scratch[typeAt] = isArray ? 0x04 : 0x03;
          p = writeDoc(value as Document, p, depth + 1);
          if (p < 0) return -1;
        } else if (tag === "ObjectId") {
          if (p + 12 > SCRATCH_SIZE || !writeObjectId(value as ObjectId, scratch, p)) return -1;
          scratch[typeAt] = 0x07;
          p += 12;
        } else if (tag === "Long") {
          scratch[typeAt] = 0x12;
          scratchView.setInt32(p, (value as { low: number }).low, true);
          scratchView.setInt32(p + 4, (value as { high: number }).high, true);
          p += 8;
        } else if (tag === "Double") {
          scratch[typeAt] = 0x01;
          scratchView.setFloat64(p, (value as { value: number }).value, true);
          p += 8;
        } else if (tag === "Int32") {
          scratch[typeAt] = 0x10;
          scratchView.setInt32(p, (value as { value: number }).value, true);
          p += 4;
        } else if (tag === "Undefined") {
          scratch[typeAt] = 0x06; // BSON_UNDEFINED (undefined_value.ts)
        } else return -1;
        break;
      }
      default:
        return -1; // undefined, bigint, function, symbol: npm bson's rules
    }
  }
  if (p + 1 > SCRATCH_SIZE) return -1;
  scratch[p++] = 0;
  scratchView.setInt32(at, p - at, true);
  return p;
}

/** Writes `doc` into the scratch buffer from 0; returns its length, or -1 (see the module doc). */
function encodeIntoScratch(doc: Document): number {
  if (!isPlain(doc)) return -1;
  return writeDoc(doc, 0, 0);
}

/** `BSON.serialize(doc)`'s bytes in a new array, or undefined (the caller serialises it with npm bson). */
export function encodeSmallDocument(doc: Document): Uint8Array | undefined {
  const end = encodeIntoScratch(doc);
  return end < 0 ? undefined : scratch.slice(0, end);
}

/**
 * `BSON.serialize(doc)`'s bytes written at `out[at…)`: their length, or -1 when `doc` is not one this
 * module writes (nothing written); a RangeError when they do not fit (as npm bson's
 * `serializeWithBufferAndIndex`).
 */
export function encodeSmallDocumentInto(doc: Document, out: Uint8Array, at: number): number {
  const end = encodeIntoScratch(doc);
  if (end < 0) return -1;
  if (at < 0 || out.length - at < end) throw new RangeError("the document does not fit in the buffer");
  out.set(scratch.subarray(0, end), at);
  return end;
}

/**
 * `BSON.serialize(doc)`'s bytes with `suffix` (whole elements) inserted before the terminating NUL —
 * the document `{...doc, <suffix's fields>}` when `doc` holds none of them — and its length prefix
 * set; `undefined` as `encodeSmallDocument`.
 */
export function encodeSmallDocumentWith(doc: Document, suffix: Uint8Array): Uint8Array | undefined {
  const end = encodeIntoScratch(doc);
  if (end < 0) return undefined;
  const out = new Uint8Array(end + suffix.length);
  out.set(scratch.subarray(0, end - 1), 0);
  out.set(suffix, end - 1);
  out[out.length - 1] = 0;
  const n = out.length;
  out[0] = n;
  out[1] = n >>> 8;
  out[2] = n >>> 16;
  out[3] = n >>> 24;
  return out;
}
