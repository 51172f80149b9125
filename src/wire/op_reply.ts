/**
 * Legacy OP_REPLY (opcode 1): the answer to an OP_QUERY. Layout after the header: int32 responseFlags,
 * int64 cursorID, int32 startingFrom, int32 numberReturned, then the documents. A command reply is always
 * one document with cursorID 0 and startingFrom 0. The parser exists for tests and tools.
 */
import { FrameError } from "./errors.ts";
import { HEADER_SIZE, OP_REPLY, readHeader, readInt32LE, writeHeader, writeInt32LE } from "./header.ts";

export const OpReplyFlag = {
  cursorNotFound: 1 << 0,
  queryFailure: 1 << 1,
  awaitCapable: 1 << 3,
} as const;

/** Header + responseFlags + cursorID + startingFrom + numberReturned. */
export const OP_REPLY_PREFIX_SIZE = HEADER_SIZE + 20;

/** Encode an OP_REPLY carrying one already-serialised document. */
export function encodeOpReply(
  doc: Uint8Array,
  requestId: number,
  responseTo: number,
  responseFlags = 0,
): Uint8Array {
  const out = new Uint8Array(OP_REPLY_PREFIX_SIZE + doc.length);
  writeHeader(out, 0, { messageLength: out.length, requestId, responseTo, opCode: OP_REPLY });
  writeInt32LE(out, HEADER_SIZE, responseFlags);
  // cursorID (8 bytes) and startingFrom (4 bytes) stay zero.
  writeInt32LE(out, HEADER_SIZE + 16, 1);
  out.set(doc, OP_REPLY_PREFIX_SIZE);
  return out;
}

export interface OpReplyParts {
  requestId: number;
  responseTo: number;
  responseFlags: number;
  cursorIdLow: number;
  cursorIdHigh: number;
  startingFrom: number;
  numberReturned: number;
  /** The raw documents, each a subarray of the frame. */
  documents: Uint8Array[];
}

/** Parse one whole OP_REPLY frame into raw documents (no deserialisation). */
export function parseOpReply(frame: Uint8Array): OpReplyParts {
  const h = readHeader(frame);
  if (h.opCode !== OP_REPLY) throw new FrameError(`not an OP_REPLY: opCode ${h.opCode}`);
  if (frame.length !== h.messageLength || frame.length < OP_REPLY_PREFIX_SIZE) {
    throw new FrameError("truncated OP_REPLY");
  }
  const documents: Uint8Array[] = [];
  let p = OP_REPLY_PREFIX_SIZE;
  while (p < frame.length) {
    if (frame.length - p < 5) throw new FrameError("truncated OP_REPLY document");
    const len = readInt32LE(frame, p);
    if (len < 5 || len > frame.length - p) throw new FrameError("truncated OP_REPLY document");
    documents.push(frame.subarray(p, p + len));
    p += len;
  }
  return {
    requestId: h.requestId,
    responseTo: h.responseTo,
    responseFlags: readInt32LE(frame, HEADER_SIZE),
    cursorIdLow: readInt32LE(frame, HEADER_SIZE + 4),
    cursorIdHigh: readInt32LE(frame, HEADER_SIZE + 8),
    startingFrom: readInt32LE(frame, HEADER_SIZE + 12),
    numberReturned: readInt32LE(frame, HEADER_SIZE + 16),
    documents,
  };
}
