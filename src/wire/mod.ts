/**
 * src/wire — the MongoDB wire protocol as pure functions of bytes (no Deno.*, no I/O, no storage).
 *
 * Owns: the 16-byte header, OP_MSG (body, document sequences, flags, CRC-32C checksum), legacy
 * OP_QUERY/OP_REPLY for handshakes, OP_COMPRESSED (noop, snappy, zlib, zstd: decompress requests, compress replies),
 * the size limits, and the split between framing errors (close the connection) and request errors
 * (reply `{ok: 0}` and continue).
 *
 * May import: npm `bson`, src/limits.ts and src/errors (code names, `Location`, `errorReply`). Imported by:
 * src/server (framing and replies), tests and benchmarks.
 *
 * Guarantees: `decodeMessage` either returns a fully deserialised {@link WireRequest}, returns a
 * reply-able {@link RequestError}, or throws {@link FrameError}; it never reads outside the given frame.
 * Decoded values may alias the frame's memory (npm bson `Binary`), so hand it bytes you will not reuse.
 */
export { FrameError, RequestError } from "./errors.ts";
export {
  MAX_BSON_OBJECT_SIZE,
  MAX_COMMAND_BODY_SIZE,
  MAX_MESSAGE_SIZE_BYTES,
  MAX_WRITE_BATCH_SIZE,
} from "../limits.ts";
export {
  checkMessageLength,
  HEADER_SIZE,
  type MessageHeader,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  OP_REPLY,
  readHeader,
  readInt32LE,
  writeHeader,
  writeInt32LE,
} from "./header.ts";
export { crc32c } from "./crc32c.ts";
export {
  encodeOpMsg,
  encodeOpMsgReply,
  encodeOpMsgReplyPrefix,
  OP_MSG_REPLY_PREFIX_SIZE,
  type OpMsgEncodeOptions,
  OpMsgFlag,
  type OpMsgParts,
  parseOpMsg,
  writeOpMsgReply,
  writeOpMsgReplyPrefix,
} from "./op_msg.ts";
export { encodeOpQuery, type OpQueryInfo, parseOpQuery, unwrapLegacyCommand } from "./op_query.ts";
export {
  encodeOpReply,
  OP_REPLY_PREFIX_SIZE,
  OpReplyFlag,
  type OpReplyParts,
  parseOpReply,
} from "./op_reply.ts";
export {
  compressionCodecsLoaded,
  compressMessage,
  COMPRESSOR_NAMES,
  decompressMessage,
  loadCompressionCodecs,
  negotiateCompressors,
  readOpCompressedPrefix,
  SUPPORTED_COMPRESSORS,
} from "./op_compressed.ts";
export { decodeMessage, type DecodeResult, type WireRequest } from "./request.ts";
export { encodeReplyFor } from "./reply.ts";
