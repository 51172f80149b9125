/**
 * The nesting limit on stored documents (mongod's getMaxDepthForUserStorage, MAX_STORED_DOCUMENT_DEPTH
 * in limits.ts), applied to the serialised bytes of every document about to be written: inserts (also
 * bulkWrite and $out/$merge inserts) with mongod's insert wording, update/replacement/upsert results
 * (also $merge updates) with its update wording; both 15 Overflow.
 *
 * The check is an iterative scan of the bytes (src/bson/depth.ts). A document built at run time (an
 * update pipeline, `$reduce`) can be deeper than any request: if serialising it overflows the stack,
 * that is the same refusal.
 */
import { exceedsDepth } from "../../bson/depth.ts";
import { CommandError } from "../../errors/command_error.ts";
import { isStackOverflow } from "../../errors/to_reply.ts";
import { MAX_STORED_DOCUMENT_DEPTH } from "../../limits.ts";
import { serializeDocument } from "../../bson/undefined_value.ts";
import { encodeSmallDocument } from "../../bson/small_doc.ts";

export type StoredDocKind = "insert" | "update";

function tooDeep(kind: StoredDocKind): CommandError {
  return new CommandError(
    "Overflow",
    kind === "insert"
      ? `cannot insert document because it exceeds ${MAX_STORED_DOCUMENT_DEPTH} levels of nesting`
      : `Document exceeds maximum nesting depth of ${MAX_STORED_DOCUMENT_DEPTH}`,
  );
}

/**
 * BSON bytes of `doc`, refused with 15 Overflow when it nests deeper than storage allows. A small
 * document of plain values (an upsert's, most updated ones) is written by `encodeSmallDocument`
 * (the same bytes, without npm bson's serializer: ~5 µs of an upsert's CPU), any other by npm bson.
 */
export function serializeStorable(doc: Record<string, unknown>, kind: StoredDocKind): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = encodeSmallDocument(doc) ?? serializeDocument(doc);
  } catch (e) {
    if (isStackOverflow(e)) throw tooDeep(kind);
    throw e;
  }
  checkStoredDepth(bytes, kind);
  return bytes;
}

/** Throws 15 Overflow when the document in `bytes` nests deeper than storage allows. */
export function checkStoredDepth(bytes: Uint8Array, kind: StoredDocKind): void {
  if (exceedsDepth(bytes, MAX_STORED_DOCUMENT_DEPTH)) throw tooDeep(kind);
}
