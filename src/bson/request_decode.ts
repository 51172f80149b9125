/**
 * `decodeCommonDocument`: a request's BSON document decoded without npm bson when it holds only the
 * common types (double, ASCII string, document, array, binary but subtype 2, ObjectId, bool, date,
 * null, int32, timestamp, int64) and ASCII field names — a command body, an update's or a delete's
 * statements. The result equals `decodeDocument`'s (src/bson/decode.ts: int32 a number, int64 a
 * `Long`, a double that looks like an int32 a `Double`, binary a `Binary` viewing the input, a UUID
 * binary a `UUID`, as npm bson gives them); request_decode_test compares the two on many documents.
 *
 * Anything else gives undefined and the caller decodes with npm bson as before, so every refusal
 * (InvalidBSON's message, a DBRef, `__proto__`, a regex, non-ASCII text — npm bson keeps a leading
 * byte-order mark that TextDecoder drops —, a bad length or boolean)
 * stays npm bson's: this reader only ever answers for input npm bson accepts. npm bson's
 * per-call option handling and its frame objects are most of a small body's decode (~1.5–2.5 µs for
 * an update request); this walk is a fraction of it. Names and values of at most 24 bytes come from a
 * small table of the strings decoded last (`INTERNED`): the keys every request repeats allocate nothing.
 */
import { Binary, Long, ObjectId, Timestamp, UUID } from "bson";
import { DATE_MAX_MS, doubleValue } from "./double_value.ts";

/** npm bson's own (internal) constructor that reads the 12 bytes at an offset, as its decoder does. */
const ObjectIdAt = ObjectId as unknown as new (source: Uint8Array, offset: number) => ObjectId;

/**
 * Thrown inside the walk for anything it leaves to npm bson (caught at the top). Not an `Error`: one made
 * at a module's top level captures a stack trace there, and with the start bundle that trace made V8
 * re-parse the whole chunk for its source positions (~6 ms of every start, issue 18).
 */
const GIVE_UP: unknown = Object.freeze({ notCommonDocument: true });

/**
 * The document `bytes` (exactly one document), or undefined when it holds anything but the common
 * types or is malformed (then npm bson decides). Callers check the nesting depth first
 * (`exceedsDepth`): the walk recurses once per level.
 */
export function decodeCommonDocument(bytes: Uint8Array, mode = 0): Record<string, unknown> | undefined {
  if (bytes.length < 5) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getInt32(0, true) !== bytes.length) return undefined;
  try {
    const out: Record<string, unknown> = {};
    if (walk(bytes, dv, 0, out, false, mode) !== bytes.length) return undefined;
    return out;
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    return undefined; // (a RangeError of a DataView read past the end, a fatal UTF-8 decode)
  }
}

/**
 * `decodeCommonDocument` modes. UTF8_TEXT: names and strings beyond ASCII are decoded too (a stored
 * document, valid UTF-8 by construction; a request leaves them to npm bson for its error messages),
 * as npm bson decodes them — a leading byte-order mark kept; invalid UTF-8 gives up. COPY_BINARY:
 * binary values get their own bytes (decode.ts `decodeDocumentCopy`).
 */
export const UTF8_TEXT = 1;
export const COPY_BINARY = 2;

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Fills `out` (an object, or an array when `array`) from the document at `at`; returns its end.
 * Array element names are not read (npm bson numbers the elements in order).
 */
function walk(
  b: Uint8Array,
  dv: DataView,
  at: number,
  out: Record<string, unknown> | unknown[],
  array: boolean,
  mode: number,
): number {
  const size = dv.getInt32(at, true);
  const end = at + size;
  if (size < 5 || end > b.length || b[end - 1] !== 0) throw GIVE_UP;
  let i = at + 4;
  let n = 0;
  while (i < end - 1) {
    const t = b[i]!;
    // the name: ASCII only (npm bson does not validate names; anything else is left to it)
    let name = "";
    let k = i + 1;
    if (array) {
      while (k < end && b[k] !== 0) k++;
    } else {
      while (k < end && b[k] !== 0) k++;
      if (k >= end - 1) throw GIVE_UP;
      name = asciiString(b, i + 1, k, mode);
      // a DBRef (`$ref`) and `__proto__` are npm bson's special cases
      if (name === "__proto__" || name === "$ref") throw GIVE_UP;
    }
    if (k >= end - 1) throw GIVE_UP;
    const p = k + 1;
    let value: unknown;
    let next: number;
    switch (t) {
      case 0x01:
        value = doubleValue(dv.getFloat64(p, true));
        next = p + 8;
        break;
      case 0x02: {
        const len = dv.getInt32(p, true);
        if (len <= 0 || len > end - 1 - (p + 4) || b[p + 4 + len - 1] !== 0) throw GIVE_UP;
        value = asciiString(b, p + 4, p + 4 + len - 1, mode);
        next = p + 4 + len;
        break;
      }
      case 0x03: {
        const o: Record<string, unknown> = {};
        next = walk(b, dv, p, o, false, mode);
        value = o;
        break;
      }
      case 0x04: {
        const a: unknown[] = [];
        next = walk(b, dv, p, a, true, mode);
        value = a;
        break;
      }
      case 0x05: {
        const len = dv.getInt32(p, true);
        const sub = b[p + 4]!;
        if (len < 0 || sub === 2 || len > end - 1 - (p + 5)) throw GIVE_UP;
        // (a 16-byte subtype 4 is the UUID npm bson's `toUUID` would make of the Binary)
        // (a copy by Uint8Array.from: a Node Buffer's `slice` is a view)
        const view = b.subarray(p + 5, p + 5 + len);
        const bytes = mode & COPY_BINARY ? Uint8Array.from(view) : view;
        value = sub === 4 && len === 16 ? new UUID(bytes) : new Binary(bytes, sub);
        next = p + 5 + len;
        break;
      }
      case 0x07:
        if (p + 12 > end - 1) throw GIVE_UP;
        value = new ObjectIdAt(b, p);
        next = p + 12;
        break;
      case 0x08: {
        const v = b[p];
        if (v !== 0 && v !== 1) throw GIVE_UP;
        value = v === 1;
        next = p + 1;
        break;
      }
      case 0x09: {
        const ms = new Long(dv.getInt32(p, true), dv.getInt32(p + 4, true)).toNumber();
        // (outside a JS Date's range: decodeRequestDocument refuses it with its message)
        if (ms > DATE_MAX_MS || ms < -DATE_MAX_MS) throw GIVE_UP;
        value = new Date(ms);
        next = p + 8;
        break;
      }
      case 0x0a:
        value = null;
        next = p;
        break;
      case 0x10:
        value = dv.getInt32(p, true);
        next = p + 4;
        break;
      case 0x11:
        value = new Timestamp({ i: dv.getUint32(p, true), t: dv.getUint32(p + 4, true) });
        next = p + 8;
        break;
      case 0x12:
        value = new Long(dv.getInt32(p, true), dv.getInt32(p + 4, true));
        next = p + 8;
        break;
      default:
        throw GIVE_UP;
    }
    if (next > end - 1) throw GIVE_UP;
    if (array) (out as unknown[])[n++] = value;
    else (out as Record<string, unknown>)[name] = value;
    i = next;
  }
  if (i !== end - 1) throw GIVE_UP;
  return end;
}

const latin1 = new TextDecoder("latin1");

/** Strings of at most this many bytes are looked up in (and kept by) `INTERNED`. */
const INTERN_MAX = 24;
/** Slots of `INTERNED` (a power of two). */
const INTERN_SLOTS = 1024;
/**
 * The short strings decoded last, by a hash of their bytes: the field names and small values every
 * request repeats (`find`, `filter`, `$db`, a collection's name) come back as the string already made
 * — no allocation, and a property key V8 has already internalized. A slot holds the last string that
 * hashed to it (a collision just makes a new string).
 */
const INTERNED: string[] = new Array<string>(INTERN_SLOTS).fill("");

/** An ASCII string's bytes [start, end) as a string; anything else is left to npm bson (or UTF8_TEXT). */
function asciiString(b: Uint8Array, start: number, end: number, mode: number): string {
  const n = end - start;
  if (n <= INTERN_MAX) {
    let h = n;
    for (let k = start; k < end; k++) {
      const c = b[k]!;
      if (c >= 0x80) return utf8String(b, start, end, mode);
      h = (Math.imul(h, 31) + c) | 0;
    }
    const slot = (h ^ (h >>> 10)) & (INTERN_SLOTS - 1);
    const hit = INTERNED[slot]!;
    if (hit.length === n) {
      let same = true;
      for (let k = 0; k < n; k++) {
        if (hit.charCodeAt(k) !== b[start + k]) {
          same = false;
          break;
        }
      }
      if (same) return hit;
    }
    let s = "";
    for (let k = start; k < end; k++) s += String.fromCharCode(b[k]!);
    INTERNED[slot] = s;
    return s;
  }
  for (let k = start; k < end; k++) if (b[k]! >= 0x80) return utf8String(b, start, end, mode);
  return latin1.decode(b.subarray(start, end));
}

/** A string beyond ASCII: decoded under UTF8_TEXT (invalid UTF-8 throws: the caller gives up), else left. */
function utf8String(b: Uint8Array, start: number, end: number, mode: number): string {
  if (!(mode & UTF8_TEXT)) throw GIVE_UP;
  return utf8.decode(b.subarray(start, end));
}
