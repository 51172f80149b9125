/**
 * Partial decoding of a stored BSON document: only the named top-level fields are decoded, every
 * other element is skipped by its length. A filter on two fields of a 1 KB document then pays for
 * two small values instead of the whole document (decoding is the main cost of a collection scan).
 *
 * Values decode exactly as `decodeDocument` (decode.ts) decodes them (int64 stays `Long`, a double
 * that looks like an int32 stays `Double`, regexes stay `BSONRegExp`): common scalar types are read
 * here directly, anything else is decoded from a one-element document. Field order follows the stored document.
 * Malformed input throws (stored documents are validated on the way in).
 */
import { valueByteLength } from "./value_length.ts";
import { Long, ObjectId } from "bson";
import { decodeDocument, decodeDocumentCopy, doubleValue } from "./decode.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // (a leading U+FEFF is text)

function cstringEnd(b: Uint8Array, i: number): number {
  // field names are short: a loop beats a call into indexOf per element
  for (let k = i, n = b.length; k < n; k++) if (b[k] === 0) return k;
  throw new Error("BSON: unterminated field name");
}

/** Byte length of an element's value (type `t`, value starting at `p`); throws on an unknown type. */
export function valueLength(t: number, b: Uint8Array, _dv: DataView, p: number): number {
  const n = valueByteLength(t, b, p);
  if (n < 0) throw new Error(`BSON: unknown element type 0x${t.toString(16)}`);
  return n;
}

/** Decodes one element (bytes [start, end) of `b`) through npm bson, as a one-field document. */
function decodeElement(b: Uint8Array, start: number, end: number, name: string): unknown {
  const len = 4 + (end - start) + 1;
  const doc = new Uint8Array(len);
  new DataView(doc.buffer).setInt32(0, len, true);
  doc.set(b.subarray(start, end), 4);
  return decodeDocument(doc)[name];
}

interface WantedName {
  readonly name: string;
  readonly bytes: Uint8Array;
}

const encoder = new TextEncoder();
/**
 * The last field set seen and its names' bytes: a scan asks with the same Set for every row, and each
 * query brings a new Set (a WeakMap entry per query cost more than building the list again).
 */
let lastFields: ReadonlySet<string> | undefined;
let lastWanted: WantedName[] = [];
/** Field name → its UTF-8 bytes, shared across queries (each query brings a new Set of the same names). */
const nameBytes = new Map<string, Uint8Array>();
const NAME_BYTES_MAX = 4096;

function utf8Name(name: string): Uint8Array {
  let b = nameBytes.get(name);
  if (b === undefined) {
    if (nameBytes.size >= NAME_BYTES_MAX) nameBytes.clear();
    b = encoder.encode(name);
    nameBytes.set(name, b);
  }
  return b;
}

function wantedNames(fields: ReadonlySet<string>): WantedName[] {
  if (fields !== lastFields) {
    // a new Set of the same names (each write statement compiles its own `{_id: …}`): the list stands
    if (!sameNames(fields, lastWanted)) {
      const w: WantedName[] = [];
      for (const name of fields) w.push({ name, bytes: utf8Name(name) });
      lastWanted = w;
    }
    lastFields = fields;
  }
  return lastWanted;
}

/** `fields` holds exactly the names of `wanted` (their order does not matter to the walk). */
function sameNames(fields: ReadonlySet<string>, wanted: readonly WantedName[]): boolean {
  if (fields.size !== wanted.length) return false;
  for (let i = 0; i < wanted.length; i++) if (!fields.has(wanted[i]!.name)) return false;
  return true;
}

/**
 * The index in `wanted` of the name whose UTF-8 bytes equal b[start, end) and that is not in
 * `found` yet (a bit per index), or -1 (no string is built).
 */
function matchName(
  b: Uint8Array,
  start: number,
  end: number,
  wanted: readonly WantedName[],
  found: number,
): number {
  const len = end - start;
  outer: for (let w = 0; w < wanted.length; w++) {
    const bytes = wanted[w]!.bytes;
    if (bytes.length !== len || (w < 31 && (found & (1 << w)) !== 0)) continue;
    for (let k = 0; k < len; k++) if (b[start + k] !== bytes[k]) continue outer;
    return w;
  }
  return -1;
}

/** UTF-8 → string; short ASCII strings without TextDecoder (much cheaper per call). */
function decodeString(b: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let s = "";
    for (let k = start; k < end; k++) {
      const c = b[k]!;
      if (c >= 0x80) return utf8.decode(b.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(b.subarray(start, end));
}

/**
 * The named top-level fields of `bytes`, decoded; absent fields are absent. A repeated name gives its
 * first element. `own`: nothing decoded refers to `bytes` (Binary values in embedded documents are
 * copied, as `decodeDocumentCopy` does; top-level ones always are).
 */
export function decodeFields(
  bytes: Uint8Array,
  fields: ReadonlySet<string>,
  own = false,
): Record<string, unknown> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decodeFieldsAt(bytes, dv, 0, fields, own);
}

/**
 * `decodeFields` of the document starting at byte `at` of `bytes` (`dv` views all of `bytes`): no
 * view of the document itself is made (a scan batch holds many documents in one buffer).
 */
export function decodeFieldsAt(
  bytes: Uint8Array,
  dv: DataView,
  at: number,
  fields: ReadonlySet<string>,
  own = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const decodeDoc = own ? decodeDocumentCopy : decodeDocument;
  const total = dv.getInt32(at, true);
  const end = at + total;
  if (total < 5 || end > bytes.length) throw new Error("BSON: bad document length");
  const names = wantedNames(fields);
  let i = at + 4;
  let wanted = fields.size;
  // The first element of a name wins (a stored document may repeat a name; mongod's field lookup
  // finds the first): found names are skipped, by bit (the first 31 names) or by lookup.
  let found = 0;
  while (i < end - 1 && wanted > 0) {
    const t = bytes[i]!;
    const nameEnd = cstringEnd(bytes, i + 1);
    const p = nameEnd + 1;
    const vlen = valueLength(t, bytes, dv, p);
    if (p + vlen > end - 1) throw new Error("BSON: element runs past the end of its document");
    const w = matchName(bytes, i + 1, nameEnd, names, found);
    const name = w < 0 ? undefined : names[w]!.name;
    if (name !== undefined && (w < 31 || !Object.hasOwn(out, name))) {
      if (w < 31) found |= 1 << w;
      wanted--;
      switch (t) {
        case 0x01:
          out[name] = doubleValue(dv.getFloat64(p, true));
          break;
        case 0x02:
          out[name] = decodeString(bytes, p + 4, p + vlen - 1);
          break;
        case 0x08:
          out[name] = bytes[p] === 1;
          break;
        case 0x0a:
          out[name] = null;
          break;
        case 0x10:
          out[name] = dv.getInt32(p, true);
          break;
        case 0x12:
          out[name] = new Long(dv.getInt32(p, true), dv.getInt32(p + 4, true));
          break;
        case 0x09:
          out[name] = new Date(Number(dv.getBigInt64(p, true)));
          break;
        case 0x07:
          out[name] = new ObjectId(bytes.subarray(p, p + 12));
          break;
        case 0x03: // an embedded document is itself a whole BSON document
          out[name] = decodeDoc(bytes.subarray(p, p + vlen));
          break;
        case 0x04: // an array is a document keyed "0", "1", …
          out[name] = Object.values(decodeDoc(bytes.subarray(p, p + vlen)));
          break;
        default:
          out[name] = decodeElement(bytes, i, p + vlen, name);
      }
    }
    i = p + vlen;
  }
  return out;
}
