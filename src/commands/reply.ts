/**
 * What a command hands back to the connection: a document to serialise, already-serialised BSON
 * (cursor replies assembled from stored bytes), a streaming reply (exhaust), or "close the
 * connection". The bottom of the commands layer: imports nothing from it.
 */

import type { Document } from "../bson/document.ts";

/** A command body or reply document (the codebase's one `Document` type). */
export type Doc = Document;

/** A reply: a document to serialise, or an already-serialised BSON document (cursor replies). */
export type Reply = Doc | Uint8Array | StreamingReply | CloseReply;

/** Drop the connection without replying (fail point closeConnection). */
export interface CloseReply {
  readonly closeConnection: true;
}

export function isCloseReply(r: Reply): r is CloseReply {
  return !(r instanceof Uint8Array) && (r as Partial<CloseReply>).closeConnection === true;
}

/**
 * A reply after which the server keeps talking (OP_MSG exhaust: `moreToCome`): the connection layer
 * runs the same command again and sends its next reply without a new request, until a command
 * returns a plain reply. Used by the awaitable hello of drivers' monitors; honoured only when the
 * request allowed exhaust.
 */
export interface StreamingReply {
  readonly streaming: true;
  readonly reply: Doc | Uint8Array;
}

export function isStreamingReply(r: Reply): r is StreamingReply {
  return !(r instanceof Uint8Array) && (r as Partial<StreamingReply>).streaming === true;
}
