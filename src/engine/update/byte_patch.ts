/**
 * byte_patch.ts — an operator update applied to a stored document's bytes without decoding or
 * re-encoding the fields it does not touch (pure).
 *
 * The operators only read and write under the top-level fields their paths start with (a `$rename`
 * also under its target's), so the update runs on a partial document of just those fields (and
 * `_id`, which error messages and the immutable-`_id` check read), decoded from the stored bytes,
 * and the new document is the stored bytes with those top-level elements replaced, removed or
 * appended. That is the same document the whole decode → apply → encode produces, byte for byte,
 * for every stored document that re-encodes to its own bytes (every document SecantusDB stores:
 * inserts keep the request's bytes only when they do, bson/raw_source.ts): a touched field is
 * encoded by the same encoder from the same value, an untouched field keeps its bytes, and the order
 * is the one a JS object gives — existing fields keep their place, new ones follow in the order they
 * were created. Names a JS object would reorder (array-index-like names) or treat specially
 * (`__proto__`) are not patched: the caller runs the whole update instead.
 */
import { valueByteLength } from "../../bson/value_length.ts";
import { Double, Long } from "bson";
import type { Document } from "./types.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";
import { encodeSmallDocument } from "../../bson/small_doc.ts";

/** True for a top-level name the patch may handle (see the module doc). */
export function patchableName(name: string): boolean {
  if (name === "__proto__") return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 48 || c > 57) return true;
  }
  return false; // all digits (or empty): a JS object may move it to the front
}

const encoder = new TextEncoder();
const nameCache = new Map<string, Uint8Array>();

/** The UTF-8 bytes of a field name (cached). */
export function utf8(name: string): Uint8Array {
  let b = nameCache.get(name);
  if (b === undefined) {
    if (nameCache.size >= 4096) nameCache.clear();
    b = encoder.encode(name);
    nameCache.set(name, b);
  }
  return b;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** How one value is written: a type with a fixed-size value written here, or bytes from the encoder. */
export type Encoded = number | Uint8Array;

const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

/**
 * The BSON type of `value` when it is a scalar written here (its value size is `fixedSize`), else
 * the whole element (type, name, value) as `BSON.serialize` writes it inside a document.
 */
export function encodeValue(name: string, value: unknown): Encoded {
  if (typeof value === "number") {
    return !Object.is(value, -0) && Number.isSafeInteger(value) && value <= INT32_MAX && value >= INT32_MIN
      ? 0x10
      : 0x01;
  }
  if (value instanceof Double) return 0x01;
  if (value instanceof Long && (value as { _bsontype?: string })._bsontype === "Long") return 0x12;
  if (typeof value === "boolean") return 0x08;
  if (value === null) return 0x0a;
  if (value instanceof Date && value.getTime() === value.getTime()) return 0x09;
  if (typeof value === "string" && value.length < 256) return 0x02;
  // (a small value of plain types without npm bson's serializer: the same bytes)
  const one = { [name]: value };
  const doc = encodeSmallDocument(one) ?? serializeDocument(one);
  return doc.subarray(4, doc.length - 1);
}

function fixedSize(type: number): number {
  return type === 0x10 ? 4 : type === 0x08 ? 1 : type === 0x0a ? 0 : 8;
}

/** UTF-8 length of `s` as `TextEncoder` writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Bytes of the element of `value` encoded as `e` under `name`. */
export function elementSize(name: Uint8Array, e: Encoded, value: unknown): number {
  if (typeof e !== "number") return e.length;
  return name.length + 2 + (e === 0x02 ? 5 + utf8Length(value as string) : fixedSize(e));
}

export function writeInt32(out: Uint8Array, o: number, v: number): void {
  out[o] = v;
  out[o + 1] = v >>> 8;
  out[o + 2] = v >>> 16;
  out[o + 3] = v >>> 24;
}

/** Writes the element of `value` (encoded by `encodeValue`) at `o`; returns the end. */
export function writeElement(
  out: Uint8Array,
  o: number,
  name: Uint8Array,
  e: Encoded,
  value: unknown,
): number {
  if (typeof e !== "number") {
    out.set(e, o);
    return o + e.length;
  }
  out[o] = e;
  out.set(name, o + 1);
  let p = o + 1 + name.length;
  out[p++] = 0;
  switch (e) {
    case 0x10:
      writeInt32(out, p, value as number);
      return p + 4;
    case 0x01:
      F64[0] = typeof value === "number" ? value : (value as Double).value;
      out.set(F64_BYTES, p);
      return p + 8;
    case 0x12:
      writeInt32(out, p, (value as Long).low);
      writeInt32(out, p + 4, (value as Long).high);
      return p + 8;
    case 0x08:
      out[p] = value ? 1 : 0;
      return p + 1;
    case 0x09: {
      // (a valid Date's ms: an integer within ±8.64e15, so exact in a double; the int64 little-endian)
      const ms = (value as Date).getTime();
      const high = Math.floor(ms / 0x100000000);
      writeInt32(out, p, ms - high * 0x100000000);
      writeInt32(out, p + 4, high);
      return p + 8;
    }
    case 0x02: {
      const str = value as string;
      let k = p + 4;
      let ascii = true;
      for (let i = 0; i < str.length; i++) {
        const c = str.charCodeAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        out[k++] = c;
      }
      if (!ascii) k = p + 4 + encoder.encodeInto(str, out.subarray(p + 4)).written;
      out[k++] = 0;
      writeInt32(out, p, k - p - 4);
      return k;
    }
    default:
      return p; // null
  }
}

/** One element (type, name, value) as `BSON.serialize` writes it inside a document (tests). */
export function encodeElement(name: string, value: unknown): Uint8Array {
  const n = utf8(name);
  const e = encodeValue(name, value);
  const out = new Uint8Array(elementSize(n, e, value));
  writeElement(out, 0, n, e, value);
  return out;
}

/**
 * Output buffers carved from a shared block, as Node's `Buffer.allocUnsafe` does for small sizes
 * (a typed array of its own costs about a microsecond to allocate; a new 8 KB block every ten
 * documents still cost ~1 µs each, a 64 KB one ~0.4 µs): every byte is written. Nothing keeps an
 * updated document's bytes past its request (storage copies them), so a block is not pinned long.
 */
const POOL_SIZE = 65536;
const POOLED_MAX = 8192;
let pool = new ArrayBuffer(POOL_SIZE);
let poolAt = 0;

/** `size` bytes for an updated document, from the shared pool (every byte must be written). */
export function allocate(size: number): Uint8Array {
  if (size > POOLED_MAX) return new Uint8Array(size);
  if (poolAt + size > POOL_SIZE) {
    pool = new ArrayBuffer(POOL_SIZE);
    poolAt = 0;
  }
  const out = new Uint8Array(pool, poolAt, size);
  poolAt = (poolAt + size + 7) & ~7;
  return out;
}

export function int32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

export function sameName(b: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (b[start + k] !== name[k]) return false;
  return true;
}

/**
 * The stored document `bytes` with the top-level fields `names` as `after` has them (`before`: the
 * same fields as decoded from `bytes`): each present in both is re-encoded in place, each gone from
 * `after` is dropped, each new in `after` is appended in `after`'s order. Undefined when the bytes
 * hold a name of `names` twice or are malformed (the caller then runs the whole update).
 */
export function spliceTopLevel(
  bytes: Uint8Array,
  before: Document,
  after: Document,
  names: readonly string[],
): Uint8Array | undefined {
  const end = int32(bytes, 0) - 1;
  if (end < 4 || end >= bytes.length || bytes[end] !== 0) return undefined;
  // where each named element is in `bytes` ([start, end) pairs, in document order) and what replaces it
  const spans: number[] = [];
  const repl: (Encoded | undefined)[] = [];
  const replName: Uint8Array[] = [];
  const replValue: unknown[] = [];
  let size = end + 1;
  let p = 4;
  while (p < end) {
    const t = bytes[p]!;
    let q = p + 1;
    while (q < end && bytes[q] !== 0) q++;
    const v = q + 1;
    const len = valueByteLength(t, bytes, v);
    if (len < 0 || v + len > end) return undefined;
    for (let k = 0; k < names.length; k++) {
      const n = utf8(names[k]!);
      if (!sameName(bytes, p + 1, q, n)) continue;
      for (let j = 0; j < replName.length; j++) if (replName[j] === n) return undefined; // a repeated name
      const name = names[k]!;
      spans.push(p, v + len);
      size -= v + len - p;
      replName.push(n);
      if (Object.hasOwn(after, name)) {
        const value = after[name];
        const e = encodeValue(name, value);
        repl.push(e);
        replValue.push(value);
        size += elementSize(n, e, value);
      } else {
        repl.push(undefined);
        replValue.push(undefined);
      }
      break;
    }
    p = v + len;
  }
  // fields the update created, in the order it created them
  let added: string[] | undefined;
  let addedEnc: Encoded[] | undefined;
  for (const name in after) {
    if (!Object.hasOwn(after, name) || Object.hasOwn(before, name)) continue;
    const e = encodeValue(name, after[name]);
    (added ??= []).push(name);
    (addedEnc ??= []).push(e);
    size += elementSize(utf8(name), e, after[name]);
  }
  const out = allocate(size);
  writeInt32(out, 0, size);
  let o = 4;
  let from = 4;
  for (let i = 0; i < repl.length; i++) {
    const s = spans[2 * i]!;
    if (from < s) {
      out.set(bytes.subarray(from, s), o);
      o += s - from;
    }
    const e = repl[i];
    if (e !== undefined) o = writeElement(out, o, replName[i]!, e, replValue[i]);
    from = spans[2 * i + 1]!;
  }
  if (from < end) {
    out.set(bytes.subarray(from, end), o);
    o += end - from;
  }
  if (added !== undefined) {
    for (let i = 0; i < added.length; i++) {
      const name = added[i]!;
      o = writeElement(out, o, utf8(name), addedEnc![i]!, after[name]);
    }
  }
  out[o] = 0;
  return out;
}
