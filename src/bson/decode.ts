/**
 * The one way BSON bytes become JS values in SecantusDB (requests, stored documents, partial
 * decodes), so that every value keeps its BSON type through a decode → encode round trip:
 * - int64 stays `Long` (never a lossy JS number);
 * - int32 becomes a JS number; a double becomes a JS number too, EXCEPT a double whose value looks
 *   like an int32 (integral, in int32 range, or -0): that one stays a `Double` wrapper, because npm
 *   bson would otherwise write the number back as an int32 (`{a: 2.0}` must stay a double). The
 *   engines treat `Double` as a number of type "double" (src/bson/values.ts);
 * - regexes stay `BSONRegExp`; binary stays `Binary` (a view into the input bytes: callers must not
 *   reuse the memory they decode from).
 * - BSON's deprecated undefined (0x06) becomes `BSON_UNDEFINED` (undefined_value.ts), never JS `undefined`
 *   (which means a missing field everywhere in the engines).
 * Strings are validated as UTF-8.
 */
import { Binary, BSON, Double, Int32 } from "bson";
import { BSON_UNDEFINED } from "./undefined_value.ts";
import { looksLikeInt32 } from "./double_value.ts";
import { COPY_BINARY, decodeCommonDocument, UTF8_TEXT } from "./request_decode.ts";

export { DATE_MAX_MS, doubleValue, looksLikeInt32 } from "./double_value.ts";

const RAW_OPTIONS = {
  promoteLongs: false,
  promoteValues: false,
  promoteBuffers: false,
  bsonRegExp: true,
  useBigInt64: false,
  validation: { utf8: true },
} as const;

/** `own`: copy Binary values out of the decoded buffer (decodeDocumentCopy). */
function normalize(v: unknown, own: boolean, strictDates = false): unknown {
  if (v === null) return v;
  if (typeof v !== "object") return v === undefined ? BSON_UNDEFINED : v; // (only a BSON 0x06 decodes so)
  if (v instanceof Int32) return v.value;
  if (v instanceof Double) return looksLikeInt32(v.value) ? v : v.value;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = normalize(v[i], own, strictDates);
    return v;
  }
  if (own && v instanceof Binary) {
    // (through a Binary: the buffer type npm bson expects in this runtime)
    v.buffer = new Binary(Uint8Array.from(v.buffer)).buffer;
    return v;
  }
  if (v instanceof Date) {
    if (strictDates && Number.isNaN(v.getTime())) throw new Error(DATE_OUT_OF_RANGE);
    return v;
  }
  if ((v as { _bsontype?: string })._bsontype !== undefined) return v;
  const o = v as Record<string, unknown>;
  for (const k in o) o[k] = normalize(o[k], own, strictDates);
  return o;
}

/** npm bson's decode of a document with the values normalized as above (the walk's fallback and reference). */
export function decodeWithNpm(bytes: Uint8Array, own = false): Record<string, unknown> {
  return normalize(BSON.deserialize(bytes, RAW_OPTIONS), own) as Record<string, unknown>;
}

/**
 * Decodes one whole BSON document (throws on malformed input). Binary values are views into `bytes`.
 * A document of the common types is walked directly (request_decode.ts: ~2× faster than npm bson and
 * the wrappers it makes for every number); anything else goes through npm bson.
 */
export function decodeDocument(bytes: Uint8Array): Record<string, unknown> {
  return decodeCommonDocument(bytes, UTF8_TEXT) ?? decodeWithNpm(bytes);
}

/** Why a request holding such a datetime is refused (tests/diff/README.md, "Datetimes"). */
export const DATE_OUT_OF_RANGE =
  "a datetime is outside the range SecantusDB can store (±8.64e15 ms from the epoch, years -271821 to 275760)";

/**
 * decodeDocument for a client's request: the same values, but a datetime outside a JS Date's range
 * throws (DATE_OUT_OF_RANGE) instead of becoming an Invalid Date that would be stored as the epoch —
 * a request is refused rather than changed, as invalid UTF-8 is.
 */
export function decodeRequestDocument(bytes: Uint8Array): Record<string, unknown> {
  return normalize(BSON.deserialize(bytes, RAW_OPTIONS), false, true) as Record<string, unknown>;
}

/**
 * decodeDocument for bytes in a buffer that is reused afterwards (a spill file's read buffer, a sort's
 * packed chunk): Binary values get their own copy, nothing else refers to `bytes` — cheaper than
 * copying every document's bytes first (one ArrayBuffer per document, freed only by a GC).
 */
export function decodeDocumentCopy(bytes: Uint8Array): Record<string, unknown> {
  return decodeCommonDocument(bytes, UTF8_TEXT | COPY_BINARY) ?? decodeWithNpm(bytes, true);
}
