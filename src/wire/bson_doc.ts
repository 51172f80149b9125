/**
 * Turning BSON bytes inside a frame into JS values, with the wire layer's two kinds of checks:
 * the document's declared length must fit its container (else {@link FrameError}: the frame lies about
 * itself), and the content must be valid BSON within the size limit (else {@link RequestError}).
 *
 * Values are decoded by `src/bson/request_decode.ts` when the document holds only the common types, else
 * by `src/bson/decode.ts`, with the same result (the one decoder: int64 stays `Long`, a double that looks
 * like an int32 stays a `Double` so it is stored back as a double, regexes stay `BSONRegExp`, binary
 * stays `Binary` — a VIEW into the input bytes, so callers must hand in memory they will not reuse;
 * the connection layer copies each frame — and invalid UTF-8 is malformed BSON, as is a datetime outside
 * a JS Date's range: refused, not stored as the epoch).
 */
import { decodeRequestDocument } from "../bson/decode.ts";
import { decodeCommonDocument } from "../bson/request_decode.ts";
import { exceedsDepth } from "../bson/depth.ts";
import { MAX_REQUEST_BSON_DEPTH } from "../limits.ts";
import { FrameError, RequestError } from "./errors.ts";
import { readInt32LE } from "./header.ts";

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
 * content, BSONObjectTooLarge when over `limit`, Overflow when nested deeper than
 * MAX_REQUEST_BSON_DEPTH (checked by an iterative scan before the recursive decoder runs).
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
  if (exceedsDepth(bytes, MAX_REQUEST_BSON_DEPTH)) {
    throw new RequestError("Overflow", "BSONObj exceeds maximum nested object depth");
  }
  try {
    return decodeCommonDocument(bytes) ?? decodeRequestDocument(bytes);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new RequestError("InvalidBSON", `invalid BSON in ${what}: ${detail}`);
  }
}
