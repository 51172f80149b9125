/**
 * Nesting depth of BSON bytes, measured without recursion and without decoding, so a hostile document
 * (a million levels fit in 7 MB) costs one linear scan and a small explicit stack instead of a stack
 * overflow in a recursive decoder or comparer.
 *
 * Depth counts the containers on the deepest path, the root included: `{}` and `{a: 1}` are 1,
 * `{a: {b: 1}}` and `{a: [1]}` are 2. A code-with-scope value counts its scope document as one level.
 * The scan stops as soon as the depth passes `limit`. Malformed bytes are not reported here: the scan
 * stops where they start and returns the depth seen so far, and the decoder that runs next refuses them.
 */
import { valueLength } from "./partial_decode.ts";

/** Fewest bytes one nesting level can add: type byte, empty name's NUL, an empty document (5). */
const MIN_LEVEL_BYTES = 7;
/** Smallest document: int32 length and the terminating NUL. */
const MIN_DOC_BYTES = 5;

/** True when `bytes` (one whole document) nests deeper than `limit` levels (the root being level 1). */
export function exceedsDepth(bytes: Uint8Array, limit: number): boolean {
  // A document shorter than this cannot reach limit + 1 levels: skip the scan (most requests).
  if (bytes.length < MIN_DOC_BYTES + MIN_LEVEL_BYTES * limit) return false;
  return bsonDepth(bytes, limit) > limit;
}

/** Depth of the document in `bytes` (≥ 1), or the first depth above `limit` when it goes deeper. */
export function bsonDepth(bytes: Uint8Array, limit = Number.POSITIVE_INFINITY): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < MIN_DOC_BYTES) return 1;
  let end = dv.getInt32(0, true);
  if (end < MIN_DOC_BYTES || end > bytes.length) return 1;
  /** End offsets of the enclosing documents (the current one's is `end`). */
  const ends: number[] = [];
  let p = 4;
  let max = 1;
  try {
    for (;;) {
      if (p >= end - 1) {
        // At the terminating NUL of the current document: back to the parent's next element.
        const parent = ends.pop();
        if (parent === undefined) return max;
        p = end;
        end = parent;
        continue;
      }
      const type = bytes[p]!;
      const nameEnd = bytes.indexOf(0, p + 1);
      if (type === 0 || nameEnd < 0 || nameEnd >= end) return max;
      const v = nameEnd + 1;
      let child = -1;
      if (type === 0x03 || type === 0x04) {
        child = v;
      } else if (type === 0x0f) {
        // code with scope: int32 total, string (int32 length + bytes), scope document.
        child = v + 8 + dv.getInt32(v + 4, true);
      } else {
        const n = valueLength(type, bytes, dv, v);
        if (!(n >= 0) || v + n > end) return max;
        p = v + n;
        continue;
      }
      if (child < v || child + 4 > end) return max;
      const len = dv.getInt32(child, true);
      if (len < MIN_DOC_BYTES || child + len > end) return max;
      ends.push(end);
      end = child + len;
      p = child + 4;
      if (ends.length + 1 > max) {
        max = ends.length + 1;
        if (max > limit) return max;
      }
    }
  } catch {
    return max; // unknown type or a read past the end: malformed, the decoder will say so
  }
}
