/**
 * The 16-byte standard message header shared by every opcode: messageLength, requestID, responseTo and
 * opCode, all little-endian int32. Also the opcode constants and the frame-length sanity check.
 */
import { FrameError } from "./errors.ts";
import { MAX_MESSAGE_SIZE_BYTES } from "../limits.ts";

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

export const HEADER_SIZE = 16;

export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** Little-endian int32 at `offset` (caller guarantees 4 bytes are there). */
export function readInt32LE(b: Uint8Array, offset: number): number {
  return (b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24));
}

/** Little-endian uint32 at `offset`. */
export function readUint32LE(b: Uint8Array, offset: number): number {
  return readInt32LE(b, offset) >>> 0;
}

export function writeInt32LE(b: Uint8Array, offset: number, value: number): void {
  b[offset] = value & 0xff;
  b[offset + 1] = (value >>> 8) & 0xff;
  b[offset + 2] = (value >>> 16) & 0xff;
  b[offset + 3] = (value >>> 24) & 0xff;
}

export function readHeader(b: Uint8Array, offset = 0): MessageHeader {
  if (b.length - offset < HEADER_SIZE) throw new FrameError("message shorter than the 16-byte header");
  return {
    messageLength: readInt32LE(b, offset),
    requestId: readInt32LE(b, offset + 4),
    responseTo: readInt32LE(b, offset + 8),
    opCode: readInt32LE(b, offset + 12),
  };
}

export function writeHeader(b: Uint8Array, offset: number, h: MessageHeader): void {
  writeInt32LE(b, offset, h.messageLength);
  writeInt32LE(b, offset + 4, h.requestId);
  writeInt32LE(b, offset + 8, h.responseTo);
  writeInt32LE(b, offset + 12, h.opCode);
}

/**
 * Validate a declared messageLength before buffering it: below the header size or above
 * maxMessageSizeBytes means the stream is garbage (or hostile) and the connection must close.
 */
export function checkMessageLength(length: number): void {
  if (length < HEADER_SIZE) {
    throw new FrameError(`invalid message length ${length}: shorter than the 16-byte header`);
  }
  if (length > MAX_MESSAGE_SIZE_BYTES) {
    throw new FrameError(
      `invalid message length ${length}: larger than maxMessageSizeBytes ${MAX_MESSAGE_SIZE_BYTES}`,
    );
  }
}
