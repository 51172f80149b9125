/**
 * The BSON bytes a request document was decoded from, so a write can store the bytes the client sent
 * instead of encoding the decoded document again (npm bson's encode of a ~760-byte document costs
 * several µs). The wire layer remembers the body of each OP_MSG and each document of a document
 * sequence (`rememberSource`); a command reads them back (`sourceOf`, `arrayDocuments`) and uses them
 * only when `reencodesIdentically` says `BSON.serialize(decodeDocument(bytes))` would give the same
 * bytes — a conservative check: anything it is not sure of (duplicate names, names a JS object would
 * reorder, `$`-names a decoder turns into a DBRef, array keys out of sequence, NaN payloads,
 * deprecated or rarely sent types) makes it say no, and the caller encodes as before.
 */
import { DATE_MAX_MS } from "./decode.ts";

const sources = new WeakMap<object, Uint8Array>();

/** Remember that `doc` was decoded from `bytes` (a view the caller never reuses). */
export function rememberSource(doc: object, bytes: Uint8Array): void {
  sources.set(doc, bytes);
}

/** The bytes `doc` was decoded from, when the wire layer remembered them. */
export function sourceOf(doc: object): Uint8Array | undefined {
  return sources.get(doc);
}

function int32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

/**
 * The embedded documents of the array field `field` (top level) of the document in `bytes`, as views,
 * in order; undefined when the field is absent, not an array, holds anything but documents, or
 * appears twice (a decoder keeps one of them: which one is not for this scan to guess).
 */
export function arrayDocuments(bytes: Uint8Array, field: string): Uint8Array[] | undefined {
  const end = bytes.length - 1;
  let p = 4;
  let out: Uint8Array[] | undefined;
  while (p < end) {
    const type = bytes[p]!;
    const nameStart = p + 1;
    const nameEnd = bytes.indexOf(0, nameStart);
    if (nameEnd < 0) return undefined;
    const v = nameEnd + 1;
    if (isName(bytes, nameStart, nameEnd, field)) {
      if (type !== 0x04 || out !== undefined) return undefined;
      out = elementDocuments(bytes, v);
      if (out === undefined) return undefined;
    }
    const len = valueSize(bytes, type, v);
    if (len < 0) return undefined;
    p = v + len;
  }
  return out;
}

/** The elements of the array at `v`, as views, when every one is a document. */
function elementDocuments(bytes: Uint8Array, v: number): Uint8Array[] | undefined {
  const arrEnd = v + int32(bytes, v) - 1;
  const out: Uint8Array[] = [];
  let q = v + 4;
  while (q < arrEnd) {
    if (bytes[q] !== 0x03) return undefined;
    const e = bytes.indexOf(0, q + 1);
    if (e < 0) return undefined;
    const len = int32(bytes, e + 1);
    out.push(bytes.subarray(e + 1, e + 1 + len));
    q = e + 1 + len;
  }
  return out;
}

function isName(b: Uint8Array, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (b[start + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** Size of the value of an element of `type` starting at `v`; -1 for a type not handled here. */
function valueSize(b: Uint8Array, type: number, v: number): number {
  switch (type) {
    case 0x01:
    case 0x09:
    case 0x11:
    case 0x12:
      return 8;
    case 0x02:
    case 0x0d:
    case 0x0e:
      return 4 + int32(b, v);
    case 0x03:
    case 0x04:
    case 0x0f:
      return int32(b, v);
    case 0x05:
      return 5 + int32(b, v);
    case 0x06:
    case 0x0a:
    case 0x7f:
    case 0xff:
      return 0;
    case 0x07:
      return 12;
    case 0x08:
      return 1;
    case 0x10:
      return 4;
    case 0x13:
      return 16;
    default:
      return -1;
  }
}

/**
 * True only when decoding `bytes` (one whole, already validated document) with `decodeDocument`
 * and encoding the result with `BSON.serialize` is known to give `bytes` back.
 */
export function reencodesIdentically(bytes: Uint8Array): boolean {
  return canonicalDoc(bytes, 0, false, 0, bytes.length, false);
}

/**
 * `reencodesIdentically` for bytes nobody has validated yet (a request's document, before any decode):
 * true only when `bytes` is one whole, well-formed document `decodeDocument` accepts — every length
 * inside its container, string values valid UTF-8, booleans 0 or 1 — nesting at most `maxDepth`
 * levels, and re-encoding its decode would give `bytes` back. False says nothing about validity: the
 * caller decodes as before, and the decoder refuses what is malformed with its usual error.
 */
export function validAndCanonical(bytes: Uint8Array, maxDepth: number): boolean {
  if (bytes.length < 5 || int32(bytes, 0) !== bytes.length) return false;
  // (the root starts that many levels down, so that a document deeper than maxDepth passes MAX_DEPTH)
  const rootDepth = MAX_DEPTH + 1 - Math.min(maxDepth, MAX_DEPTH + 1);
  return canonicalDoc(bytes, 0, false, rootDepth, bytes.length, true);
}

const MAX_DEPTH = 100;

/**
 * The document at `start` (inside a container ending at `limit`) re-encodes identically. `strict`: the
 * bytes are not validated yet — also check UTF-8 of string values (lengths are always checked).
 */
function canonicalDoc(
  b: Uint8Array,
  start: number,
  isArray: boolean,
  depth: number,
  limit: number,
  strict: boolean,
): boolean {
  if (depth > MAX_DEPTH) return false;
  const size = int32(b, start);
  if (size < 5 || size > limit - start) return false;
  const end = start + size - 1;
  if (b[end] !== 0) return false;
  let p = start + 4;
  let index = 0;
  // the names seen so far, as [start, end) offsets into `b` in this level's part of SEEN (compared
  // byte by byte: no string is built), or a Set of them once a document has more than SMALL_NAMES
  const base = depth * 2 * SMALL_NAMES;
  let seen = 0;
  let names: Set<string> | undefined;
  while (p < end) {
    const type = b[p]!;
    const nameStart = p + 1;
    const nameEnd = b.indexOf(0, nameStart);
    if (nameEnd < 0 || nameEnd >= end) return false;
    if (isArray) {
      if (!isIndexName(b, nameStart, nameEnd, index++)) return false;
    } else {
      const c = b[nameStart];
      // "$…" (DBRef detection), digits (a JS object orders integer keys first), "__proto__"
      if (c === 0x24 || (c !== undefined && c >= 0x30 && c <= 0x39)) return false;
      let ascii = true;
      for (let k = nameStart; k < nameEnd; k++) {
        if (b[k]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      // names are decoded without UTF-8 validation: an invalid one would come back as U+FFFD
      if (!ascii && !utf8At(b, nameStart, nameEnd)) return false;
      if (isName(b, nameStart, nameEnd, "__proto__")) return false;
      if (names !== undefined) {
        const name = latin1(b, nameStart, nameEnd);
        if (names.has(name)) return false;
        names.add(name);
      } else {
        const top = base + 2 * seen;
        for (let j = base; j < top; j += 2) {
          if (sameBytes(b, SEEN[j]!, SEEN[j + 1]!, nameStart, nameEnd)) return false;
        }
        if (seen < SMALL_NAMES) {
          SEEN[top] = nameStart;
          SEEN[top + 1] = nameEnd;
          seen++;
        } else {
          names = new Set();
          for (let j = base; j < top; j += 2) names.add(latin1(b, SEEN[j]!, SEEN[j + 1]!));
          names.add(latin1(b, nameStart, nameEnd));
        }
      }
    }
    const v = nameEnd + 1;
    switch (type) {
      case 0x01: {
        if (isNaNAt(b, v)) return false;
        p = v + 8;
        break;
      }
      case 0x02: {
        const len = int32(b, v);
        if (len < 1 || len > end - v - 4 || b[v + 4 + len - 1] !== 0) return false;
        if (strict && !utf8At(b, v + 4, v + 3 + len)) return false;
        p = v + 4 + len;
        break;
      }
      case 0x03:
      case 0x04: {
        if (!canonicalDoc(b, v, type === 0x04, depth + 1, end, strict)) return false;
        p = v + int32(b, v);
        break;
      }
      case 0x05: {
        // the old binary subtype carries a second length; a vector is checked by the encoder
        if (b[v + 4] === 0x02 || b[v + 4] === 0x09) return false;
        const len = int32(b, v);
        if (len < 0) return false;
        p = v + 5 + len;
        break;
      }
      case 0x07:
        p = v + 12;
        break;
      case 0x08:
        if (b[v]! > 1) return false;
        p = v + 1;
        break;
      case 0x09: {
        // (exact below 2^53, so exact around the bound)
        const ms = int32(b, v + 4) * 4294967296 + (int32(b, v) >>> 0);
        if (ms > DATE_MAX_MS || ms < -DATE_MAX_MS) return false;
        p = v + 8;
        break;
      }
      case 0x0a:
      case 0x7f:
      case 0xff:
        p = v;
        break;
      case 0x10:
        p = v + 4;
        break;
      case 0x11:
      case 0x12:
        p = v + 8;
        break;
      case 0x13:
        p = v + 16;
        break;
      default:
        return false; // undefined, regex, DBPointer, code, symbol, code with scope: encode as before
    }
    if (p > end) return false; // the value runs over the document's terminator
  }
  return p === end;
}

/**
 * b[start, end) is valid UTF-8 (what a fatal TextDecoder accepts: no overlong forms, no surrogates,
 * nothing above U+10FFFF), checked without building a string.
 */
function utf8At(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    // ASCII, four bytes at a time
    while (i + 4 <= end && ((b[i]! | b[i + 1]! | b[i + 2]! | b[i + 3]!) & 0x80) === 0) i += 4;
    if (i >= end) break;
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return false;
    if (i + need >= end) return false;
    const c1 = b[i + 1]!;
    if (c1 < lo || c1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const ck = b[i + k]!;
      if (ck < 0x80 || ck > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/** The element name is the decimal form of `index` (what an encoder writes for array elements). */
function isIndexName(b: Uint8Array, start: number, end: number, index: number): boolean {
  // digits from the last: no string is built
  let i = end - 1;
  let n = index;
  do {
    if (i < start || b[i] !== 0x30 + (n % 10)) return false;
    n = Math.floor(n / 10);
    i--;
  } while (n > 0);
  return i === start - 1;
}

/** Names of a document compared pairwise up to this many; a Set of them beyond. */
const SMALL_NAMES = 24;

/** The names' offsets of the documents being walked, SMALL_NAMES pairs per level (no array per document). */
const SEEN = new Int32Array(2 * SMALL_NAMES * (MAX_DEPTH + 1));

/** The little-endian double at `v` is a NaN (all exponent bits set, a mantissa bit set). */
function isNaNAt(b: Uint8Array, v: number): boolean {
  if ((b[v + 7]! & 0x7f) !== 0x7f || (b[v + 6]! & 0xf0) !== 0xf0) return false;
  return ((b[v + 6]! & 0x0f) | b[v + 5]! | b[v + 4]! | b[v + 3]! | b[v + 2]! | b[v + 1]! | b[v]!) !== 0;
}

/** The bytes [as, ae) and [bs, be) of `b` are equal. */
function sameBytes(b: Uint8Array, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) if (b[as + i] !== b[bs + i]) return false;
  return true;
}

/** The bytes [start, end) as a string of one char per byte (equal bytes, equal strings). */
function latin1(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let k = start; k < end; k++) s += String.fromCharCode(b[k]!);
  return s;
}
