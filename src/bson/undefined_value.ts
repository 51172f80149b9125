/**
 * BSON's deprecated undefined (type 0x06) as a value of its own, and its way back into bytes.
 *
 * npm:bson decodes 0x06 as JS `undefined`, which the engines read as a missing field, and cannot encode
 * it at all (a document's field is dropped, an array's element becomes null). MongoDB keeps it: a stored
 * undefined reads back as undefined, `$exists: true` and `$type: "undefined"` match it and, since 8.0,
 * `{a: null}` / `$eq: null` / `$in: [null]` do not. So `decode.ts` turns every decoded 0x06 into
 * `BSON_UNDEFINED`, which the engines classify as the kind "undefined" (`values.ts`), and
 * `serializeDocument` writes it back as 0x06.
 *
 * How it is written: npm:bson asks a value for `toBSON()` before encoding it; this one answers null (an
 * element of the same size) and notes it was asked, and `serializeDocument` then turns back into 0x06 each
 * null element whose value in the encoded document is `BSON_UNDEFINED` (a walk made only then). An
 * encoder that calls npm:bson directly writes null for it — as before this value existed.
 */
import { BSON, MinKey } from "bson";
import { valueByteLength } from "./value_length.ts";
import { encodeSmallDocument, encodeSmallDocumentInto } from "./small_doc.ts";
import type { Document } from "./document.ts";

/** npm:bson's version mark, which its Extended JSON writer checks on values that carry a `_bsontype`. */
const VERSION = Symbol.for("@@mdb.bson.version");
const BSON_MAJOR: unknown = (new MinKey() as unknown as Record<symbol, unknown>)[VERSION];

/** Set when npm:bson asked `BSON_UNDEFINED` for its encoding since `serializeDocument` last cleared it. */
let asked = false;

class BsonUndefined {
  get _bsontype(): "Undefined" {
    return "Undefined";
  }
  get [VERSION](): unknown {
    return BSON_MAJOR;
  }
  /** What npm:bson encodes instead: null (see the module's comment). */
  toBSON(): null {
    asked = true;
    return null;
  }
  /** Canonical Extended JSON (dump metadata, logs). */
  toExtendedJSON(): { $undefined: true } {
    return { $undefined: true };
  }
  toJSON(): { $undefined: true } {
    return { $undefined: true };
  }
}

/** The one BSON undefined value. */
export const BSON_UNDEFINED: unknown = Object.freeze(new BsonUndefined());

/** True for a decoded BSON undefined (not for a missing field). */
export function isBsonUndefined(v: unknown): boolean {
  return v === BSON_UNDEFINED;
}

/** `BSON.serialize(doc)`, with every `BSON_UNDEFINED` inside written as BSON undefined (0x06). */
export function serializeDocument(doc: object): Uint8Array {
  const small = encodeSmallDocument(doc as Document);
  if (small !== undefined) return small;
  asked = false;
  const bytes = BSON.serialize(doc as Record<string, unknown>);
  if (asked) restoreUndefined(bytes, 0, doc);
  return bytes;
}

/**
 * `BSON.serializeWithBufferAndIndex(doc, buffer, {index})` (the index of the document's last byte), with
 * `BSON_UNDEFINED` written as 0x06.
 */
export function serializeDocumentInto(doc: object, buffer: Uint8Array, index: number): number {
  const n = encodeSmallDocumentInto(doc as Document, buffer, index);
  if (n >= 0) return index + n - 1;
  asked = false;
  const last = BSON.serializeWithBufferAndIndex(doc as Record<string, unknown>, buffer, { index });
  if (asked) restoreUndefined(buffer, index, doc);
  return last;
}

const utf8 = new TextDecoder();

/**
 * Turns back into 0x06 each null element of the document at `start` of `bytes` (encoded from `doc`) whose
 * value in `doc` is `BSON_UNDEFINED`, in embedded documents and arrays too.
 */
function restoreUndefined(bytes: Uint8Array, start: number, doc: unknown): void {
  const end = start +
    (bytes[start]! | bytes[start + 1]! << 8 | bytes[start + 2]! << 16 | bytes[start + 3]! << 24) - 1;
  const container = doc as Record<string, unknown>;
  let p = start + 4;
  while (p < end) {
    const type = bytes[p]!;
    let q = p + 1;
    while (bytes[q] !== 0) q++;
    const v = q + 1;
    if (type === 0x0a || type === 0x03 || type === 0x04) {
      const name = utf8.decode(bytes.subarray(p + 1, q));
      const value = Object.hasOwn(container, name) ? container[name] : undefined;
      if (type === 0x0a) {
        if (value === BSON_UNDEFINED) bytes[p] = 0x06;
      } else if (
        value !== null && typeof value === "object" &&
        (value as { _bsontype?: unknown })._bsontype === undefined
      ) {
        restoreUndefined(bytes, v, value);
      }
    }
    p = v + valueByteLength(type, bytes, v);
  }
}

/** Whether the BSON document at `start` of `bytes` (whole, valid) holds an undefined (0x06) at any depth. */
export function holdsUndefined(bytes: Uint8Array, start = 0): boolean {
  const end = start +
    (bytes[start]! | bytes[start + 1]! << 8 | bytes[start + 2]! << 16 | bytes[start + 3]! << 24) - 1;
  let p = start + 4;
  while (p < end) {
    const type = bytes[p]!;
    if (type === 0x06) return true;
    let q = p + 1;
    while (bytes[q] !== 0) q++;
    const v = q + 1;
    if ((type === 0x03 || type === 0x04) && holdsUndefined(bytes, v)) return true;
    const len = valueByteLength(type, bytes, v);
    if (len < 0) return false;
    p = v + len;
  }
  return false;
}
