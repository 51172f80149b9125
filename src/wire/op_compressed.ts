/**
 * OP_COMPRESSED (opcode 2012): recognised, never decompressed.
 *
 * Why: compression is negotiated — a driver may only compress after the server lists a compressor in its
 * `hello` reply (`compression: [...]`). SecantusDB advertises none (no snappy/zstd codec is available to
 * this runtime yet, and zlib alone is not worth the negotiation surface), so a well-behaved driver never
 * sends OP_COMPRESSED. If one arrives anyway we read its small fixed prefix to learn which reply form the
 * client expects (`originalOpcode`) and answer with a clear error — the same code mongod uses
 * (InternalError) when a message names a compressor it does not have — instead of dropping the connection.
 *
 * Layout after the header: int32 originalOpcode, int32 uncompressedSize, uint8 compressorId, then the
 * compressed original message body.
 */
import { FrameError, RequestError } from "./errors.ts";
import { HEADER_SIZE, OP_MSG, OP_QUERY, readInt32LE } from "./header.ts";

export const COMPRESSOR_NAMES: Readonly<Record<number, string>> = {
  0: "noop",
  1: "snappy",
  2: "zlib",
  3: "zstd",
};

export interface OpCompressedPrefix {
  originalOpcode: number;
  uncompressedSize: number;
  compressorId: number;
}

/** Read the fixed prefix; FrameError when truncated or wrapping an opcode we cannot answer. */
export function readOpCompressedPrefix(frame: Uint8Array): OpCompressedPrefix {
  if (frame.length < HEADER_SIZE + 9) throw new FrameError("truncated OP_COMPRESSED prefix");
  const originalOpcode = readInt32LE(frame, HEADER_SIZE);
  if (originalOpcode !== OP_MSG && originalOpcode !== OP_QUERY) {
    throw new FrameError(`OP_COMPRESSED wraps unsupported opcode ${originalOpcode}`);
  }
  return {
    originalOpcode,
    uncompressedSize: readInt32LE(frame, HEADER_SIZE + 4),
    compressorId: frame[HEADER_SIZE + 8]!,
  };
}

/** The error every OP_COMPRESSED receives. */
export function compressionNotSupported(prefix: OpCompressedPrefix): RequestError {
  const name = COMPRESSOR_NAMES[prefix.compressorId] ?? "unknown";
  return new RequestError(
    "InternalError",
    `Compression algorithm specified in message is not available: OP_COMPRESSED with compressor ` +
      `${prefix.compressorId} (${name}) received, but this server advertises no compressors; ` +
      "send messages uncompressed",
  );
}
