/**
 * Decoding index keys back to values, for covered queries (answers built from the index alone).
 * Only encodings that are exact are decoded: strings, ObjectIds, booleans and dates. Numbers (every
 * numeric BSON type shares one encoding), null (also what a missing field indexes as), documents,
 * arrays and the rest make `decodeKeyValues` return undefined, and the caller fetches the document
 * instead — so a covered answer is never different from the fetched one. Symbols share the string
 * encoding and come back as strings (the symbol type is deprecated in BSON). PURE.
 */
import { ObjectId } from "bson";

const STRING = 0x28;
const OBJECT_ID = 0x50;
const BOOL = 0x5a;
const DATE = 0x64;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // (a leading U+FEFF is text)

/**
 * The values of a compound key encoded by `encodeIndexKey` with these directions, or undefined when
 * any field is not exactly decodable.
 */
export function decodeKeyValues(key: Uint8Array, directions: readonly (1 | -1)[]): unknown[] | undefined {
  const out: unknown[] = [];
  let i = 0;
  for (const dir of directions) {
    const flip = dir === -1 ? 255 : 0;
    const at = (k: number): number => (key[k]! ^ flip);
    if (i >= key.length) return undefined;
    const type = at(i++);
    switch (type) {
      case STRING: {
        const bytes: number[] = [];
        for (;;) {
          if (i + 1 >= key.length + 1) return undefined;
          const b = at(i++);
          if (b !== 0) {
            bytes.push(b);
            continue;
          }
          const next = at(i++);
          if (next === 0) break; // terminator 0x00 0x00
          if (next !== 0xff) return undefined;
          bytes.push(0); // escaped zero byte
        }
        try {
          out.push(utf8.decode(new Uint8Array(bytes)));
        } catch {
          return undefined;
        }
        break;
      }
      case OBJECT_ID: {
        if (i + 12 > key.length) return undefined;
        const id = new Uint8Array(12);
        for (let k = 0; k < 12; k++) id[k] = at(i + k);
        out.push(new ObjectId(id));
        i += 12;
        break;
      }
      case BOOL:
        out.push(at(i++) === 1);
        break;
      case DATE: {
        if (i + 8 > key.length) return undefined;
        let u = 0n;
        for (let k = 0; k < 8; k++) u = (u << 8n) | BigInt(at(i + k));
        i += 8;
        out.push(new Date(Number(BigInt.asIntN(64, u ^ (1n << 63n)))));
        break;
      }
      default:
        return undefined;
    }
  }
  return i === key.length ? out : undefined;
}

const NUMBER = 0x1e;
const NUM_ZERO = 0x04;
const NUM_POS = 0x05;

/**
 * The score of a text index entry whose key starts with its term (no prefix fields: keys/text_keys.ts
 * `[term, score, …]`), or undefined when the key is not such an entry. The score is a positive double
 * (or 0), stored as its exact decimal digits `0.d₁d₂… × 10^exp`; the digits' decimal text parses back to
 * the same double.
 */
export function textEntryScore(key: Uint8Array): number | undefined {
  if (key[0] !== STRING) return undefined;
  let i = 1;
  for (;;) { // the term: bytes up to 0x00 0x00 (0x00 0xff is an escaped zero byte)
    if (i + 1 >= key.length) return undefined;
    if (key[i++] !== 0) continue;
    if (key[i++] === 0) break;
  }
  if (key[i++] !== NUMBER) return undefined;
  const sign = key[i++];
  if (sign === NUM_ZERO) return 0;
  if (sign !== NUM_POS || i + 2 > key.length) return undefined;
  const exp = ((key[i]! << 8) | key[i + 1]!) - 0x8000;
  i += 2;
  let digits = "";
  for (; i < key.length && key[i] !== 0; i++) {
    const pair = key[i]! - 1;
    digits += pair < 10 ? "0" + pair : String(pair);
  }
  return i < key.length ? Number(`0.${digits}e${exp}`) : undefined;
}
