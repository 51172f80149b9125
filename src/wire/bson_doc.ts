/**
 * Turning BSON bytes inside a frame into JS values, with the wire layer's two kinds of checks:
 * the document's declared length must fit its container (else {@link FrameError}: the frame lies about
 * itself), and the content must be valid BSON within the size limit (else {@link RequestError}).
 *
 * Deserialisation options (one place, used for every request document):
 * - `promoteLongs: false` — int64 stays `Long`, never a lossy JS number.
 * - `promoteValues: true` — int32 and double both become JS `number`. KNOWN GAP: the two are then
 *   indistinguishable (`{a: 1}` vs `{a: 1.0}`); acceptable for now because commands mostly need the
 *   numeric value. `$type` / exact round-trip of a stored document must use the raw bytes instead.
 * - `bsonRegExp: true` — regexes stay `BSONRegExp` so their flags round-trip.
 * - `promoteBuffers: false` — binary stays `Binary`. NOTE: npm bson's `Binary` is a VIEW into the input
 *   bytes, so callers must hand in memory they will not reuse (the connection layer copies each frame).
 * - `validation: { utf8: true }` — invalid UTF-8 in strings or keys is malformed BSON.
 */
import { BSON } from "bson";
import { FrameError, RequestError } from "./errors.ts";
import { readInt32LE } from "./header.ts";

export const DESERIALIZE_OPTIONS = {
  promoteLongs: false,
  promoteValues: true,
  promoteBuffers: false,
  bsonRegExp: true,
  useBigInt64: false,
  validation: { utf8: true },
} as const;

/** Smallest BSON document: int32 length + terminating NUL. */
export const MIN_BSON_SIZE = 5;

/**
 * Declared length of the BSON document starting at `offset`, checked to lie within `[offset, end)`.
 * Throws FrameError when it does not: a section claiming bytes it does not have is a framing error.
 */
export function documentSpan(bytes: Uint8Array, offset: number, end: number, what: string): number {
  if (end - offset < 4) throw new FrameError(`truncated ${what}: no room for a BSON length`);
  const len = readInt32LE(bytes, offset);
  if (len < MIN_BSON_SIZE) throw new FrameError(`invalid ${what}: BSON length ${len}`);
  if (len > end - offset) {
    throw new FrameError(`truncated ${what}: BSON length ${len} exceeds the ${end - offset} bytes left`);
  }
  return len;
}

/**
 * Deserialise exactly `bytes` (one whole document) or throw RequestError: InvalidBSON for malformed
 * content, BSONObjectTooLarge when over `limit`.
 */
export function deserializeDocument(
  bytes: Uint8Array,
  limit: number,
  what: string,
): Record<string, unknown> {
  if (bytes.length > limit) {
    throw new RequestError(
      "BSONObjectTooLarge",
      `${what} is too large: ${bytes.length} bytes, the limit is ${limit}`,
    );
  }
  try {
    return BSON.deserialize(bytes, DESERIALIZE_OPTIONS) as Record<string, unknown>;
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new RequestError("InvalidBSON", `invalid BSON in ${what}: ${detail}`);
  }
}
