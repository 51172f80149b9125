/**
 * OP_COMPRESSED (opcode 2012): wire compression as mongod negotiates it (the compression spec).
 *
 * A driver lists the compressors it would use in `hello.compression`; the server answers with the ones
 * it also has (`SUPPORTED`, in the client's order of preference) and from then on the client may wrap
 * any request but the handshake and authentication ones. The server decompresses the message, answers
 * it, and compresses the reply with the compressor the request used, as mongod does.
 *
 * Layout after the 16-byte header: int32 originalOpcode, int32 uncompressedSize, uint8 compressorId,
 * then the compressed original message body (everything after the original header).
 *
 * Compressors: noop (0), snappy (1, raw block format: npm `snappyjs`), zlib (2, RFC 1950 stream:
 * `node:zlib`), zstd (3, frame format: `node:zlib`'s zstd). A message naming another compressor, a body
 * that does not decompress, or a size that does not match is refused with mongod's error (a reply in the
 * original opcode's form); a decompressed size past maxMessageSizeBytes closes the connection.
 *
 * The codecs (`node:zlib`, `snappyjs`) load on first use, not at server start (start-up time, issue 18):
 * whoever decodes an OP_COMPRESSED frame awaits `loadCompressionCodecs()` first (the connection does);
 * replies are compressed only after a compressed request, so the codecs are there by then.
 */
import { MAX_MESSAGE_SIZE_BYTES, SUPPORTED_COMPRESSORS } from "../limits.ts";
import { FrameError, RequestError } from "./errors.ts";
import {
  HEADER_SIZE,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  readInt32LE,
  writeHeader,
  writeInt32LE,
} from "./header.ts";

export const COMPRESSOR_NAMES: Readonly<Record<number, string>> = {
  0: "noop",
  1: "snappy",
  2: "zlib",
  3: "zstd",
};

const IDS: Readonly<Record<string, number>> = { noop: 0, snappy: 1, zlib: 2, zstd: 3 };

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

/** What is used of npm `snappyjs` (CommonJS without types of its own: its exports are the module's `default`). */
interface SnappyCodec {
  compress(data: Uint8Array): Uint8Array;
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
}

interface Codecs {
  readonly snappy: SnappyCodec;
  readonly zlib: typeof import("node:zlib");
}

let codecs: Codecs | undefined;
let loading: Promise<void> | undefined;

/** True once `loadCompressionCodecs` has finished (decoding OP_COMPRESSED needs it). */
export function compressionCodecsLoaded(): boolean {
  return codecs !== undefined;
}

/** Loads the snappy, zlib and zstd codecs (idempotent). */
export function loadCompressionCodecs(): Promise<void> {
  loading ??= Promise.all([import("snappyjs"), import("node:zlib")]).then(([snappy, zlib]) => {
    codecs = { snappy: (snappy as unknown as { default: SnappyCodec }).default, zlib };
  });
  return loading;
}

function loaded(): Codecs {
  if (!codecs) throw new Error("compression codecs are not loaded (await loadCompressionCodecs() first)");
  return codecs;
}

function decompress(id: number, data: Uint8Array, size: number): Uint8Array {
  switch (id) {
    case 0:
      return data;
    case 1:
      return loaded().snappy.uncompress(data, size);
    case 2:
      return new Uint8Array(loaded().zlib.inflateSync(data, { maxOutputLength: Math.max(1, size) }));
    case 3:
      return new Uint8Array(loaded().zlib.zstdDecompressSync(data, { maxOutputLength: Math.max(1, size) }));
    default:
      throw new RequestError(
        "InternalError",
        `Compression algorithm specified in message is not available: compressor id ${id}`,
      );
  }
}

function compress(id: number, data: Uint8Array): Uint8Array {
  switch (id) {
    case 1:
      return loaded().snappy.compress(data);
    case 2:
      return new Uint8Array(loaded().zlib.deflateSync(data));
    case 3:
      return new Uint8Array(loaded().zlib.zstdCompressSync(data));
    default:
      return data;
  }
}

/**
 * The original message inside an OP_COMPRESSED frame (its header rebuilt with the original opcode),
 * and the compressor it used. RequestError for an unknown compressor or a corrupt body.
 */
export function decompressMessage(frame: Uint8Array): { frame: Uint8Array; compressorId: number } {
  const p = readOpCompressedPrefix(frame);
  if (p.uncompressedSize < 0 || p.uncompressedSize + HEADER_SIZE > MAX_MESSAGE_SIZE_BYTES) {
    throw new FrameError(`OP_COMPRESSED uncompressedSize ${p.uncompressedSize} out of range`);
  }
  let body: Uint8Array;
  try {
    body = decompress(p.compressorId, frame.subarray(HEADER_SIZE + 9), p.uncompressedSize);
  } catch (e) {
    if (e instanceof RequestError) throw e;
    throw new RequestError(
      "BadValue",
      `Could not decompress message with compressor ${COMPRESSOR_NAMES[p.compressorId]}: ${
        e instanceof Error ? e.message : String(e)
      }`,
    );
  }
  if (body.length !== p.uncompressedSize) {
    throw new RequestError(
      "BadValue",
      `Decompressed message was ${body.length} bytes, not the ${p.uncompressedSize} the header claims`,
    );
  }
  const out = new Uint8Array(HEADER_SIZE + body.length);
  writeHeader(out, 0, {
    messageLength: out.length,
    requestId: readInt32LE(frame, 4),
    responseTo: readInt32LE(frame, 8),
    opCode: p.originalOpcode,
  });
  out.set(body, HEADER_SIZE);
  return { frame: out, compressorId: p.compressorId };
}

/** Wraps an encoded reply frame in OP_COMPRESSED with `compressorId` (same request/response ids). */
export function compressMessage(frame: Uint8Array, compressorId: number): Uint8Array {
  const body = frame.subarray(HEADER_SIZE);
  const packed = compress(compressorId, body);
  const out = new Uint8Array(HEADER_SIZE + 9 + packed.length);
  writeHeader(out, 0, {
    messageLength: out.length,
    requestId: readInt32LE(frame, 4),
    responseTo: readInt32LE(frame, 8),
    opCode: OP_COMPRESSED,
  });
  writeInt32LE(out, HEADER_SIZE, readInt32LE(frame, 12));
  writeInt32LE(out, HEADER_SIZE + 4, body.length);
  out[HEADER_SIZE + 8] = compressorId;
  out.set(packed, HEADER_SIZE + 9);
  return out;
}

/** The compressors of a client's `hello.compression` list this server has, in the client's order. */
export function negotiateCompressors(requested: readonly string[]): string[] {
  return requested.filter((c, i) => SUPPORTED_COMPRESSORS.includes(c) && requested.indexOf(c) === i);
}

export { SUPPORTED_COMPRESSORS };

/** The wire id of a compressor name (tests). */
export function compressorId(name: string): number | undefined {
  return IDS[name];
}
