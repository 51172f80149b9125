/**
 * OP_MSG (opcode 2013): parse a request frame into its body and document sequences, and encode OP_MSG
 * messages (replies, and requests for tests/benchmarks).
 *
 * Layout after the 16-byte header: uint32 flagBits, then sections until the end of the message (minus a
 * trailing uint32 CRC-32C when checksumPresent). Section kind 0 = one BSON document (the command body;
 * exactly one per message). Section kind 1 = int32 size (counting itself), cstring identifier, then BSON
 * documents filling the rest of the section (a "document sequence", e.g. `documents` for insert).
 *
 * Flag bits 0–15 are "required": a receiver must refuse bits it does not know. Bits 16–31 are optional
 * and ignored when unknown.
 *
 * Order of checks: checksum (FrameError), section structure (FrameError), unknown section kind / missing
 * or duplicate body / duplicate sequence / unknown required flags (RequestError), then BSON content
 * (RequestError InvalidBSON / BSONObjectTooLarge).
 */
import { rememberSource, validAndCanonical } from "../bson/raw_source.ts";
import { lazyDocuments } from "../bson/lazy_documents.ts";
import { valueByteLength } from "../bson/value_length.ts";
import { crc32c } from "./crc32c.ts";
import { deserializeDocument, documentSpan } from "./bson_doc.ts";
import { Location } from "../errors/locations.ts";
import { FrameError, RequestError } from "./errors.ts";
import { HEADER_SIZE, OP_MSG, readInt32LE, readUint32LE, writeHeader, writeInt32LE } from "./header.ts";
import { MAX_BSON_OBJECT_SIZE, MAX_COMMAND_BODY_SIZE, MAX_REQUEST_BSON_DEPTH } from "../limits.ts";

export const OpMsgFlag = {
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const;

const REQUIRED_BITS = 0xffff;
const KNOWN_REQUIRED_BITS = OpMsgFlag.checksumPresent | OpMsgFlag.moreToCome;

/** Header + flagBits. */
const FLAGS_END = HEADER_SIZE + 4;

export interface OpMsgFlags {
  flagBits: number;
  checksumPresent: boolean;
  moreToCome: boolean;
  exhaustAllowed: boolean;
}

export interface OpMsgParts extends OpMsgFlags {
  body: Record<string, unknown>;
  sequences: ReadonlyMap<string, Record<string, unknown>[]>;
}

/** The sequences of a message without any (most requests): one shared empty map. */
const NO_SEQUENCES: ReadonlyMap<string, Record<string, unknown>[]> = new Map();

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

/** Read the flag bits of an OP_MSG frame (FrameError when the frame is too short to hold them). */
export function readOpMsgFlags(frame: Uint8Array): OpMsgFlags {
  if (frame.length < FLAGS_END + 1) throw new FrameError("OP_MSG too short for flagBits and a section");
  const flagBits = readUint32LE(frame, HEADER_SIZE);
  return {
    flagBits,
    checksumPresent: (flagBits & OpMsgFlag.checksumPresent) !== 0,
    moreToCome: (flagBits & OpMsgFlag.moreToCome) !== 0,
    exhaustAllowed: (flagBits & OpMsgFlag.exhaustAllowed) !== 0,
  };
}

interface SequenceSpan {
  identifier: string;
  docs: Array<[start: number, end: number]>;
}

/**
 * Parse one whole OP_MSG frame (header included; `frame.length` equals its messageLength).
 * Throws FrameError (close the connection) or RequestError (reply with an error).
 */
export function parseOpMsg(frame: Uint8Array, flags: OpMsgFlags = readOpMsgFlags(frame)): OpMsgParts {
  let end = frame.length;
  if (flags.checksumPresent) {
    if (end < FLAGS_END + 4 + 1) throw new FrameError("OP_MSG too short to hold its checksum");
    end -= 4;
    const expected = readUint32LE(frame, end);
    const actual = crc32c(frame.subarray(0, end));
    if (expected !== actual) {
      throw new FrameError(
        `OP_MSG checksum mismatch: message says 0x${expected.toString(16)}, computed 0x${
          actual.toString(16)
        }`,
      );
    }
  }

  // Pass 1: structure only, so every framing error wins over content errors.
  let bodies = 0;
  let bStart = 0;
  let bEnd = 0;
  let sequences: SequenceSpan[] | undefined;
  let pos = FLAGS_END;
  while (pos < end) {
    const kind = frame[pos++]!;
    if (kind === 0) {
      const len = documentSpan(frame, pos, end, "OP_MSG body section");
      if (++bodies === 1) {
        bStart = pos;
        bEnd = pos + len;
      }
      pos += len;
    } else if (kind === 1) {
      if (end - pos < 4) throw new FrameError("truncated OP_MSG document sequence: no size");
      const size = readInt32LE(frame, pos);
      if (size < 5 || size > end - pos) {
        throw new FrameError(`invalid OP_MSG document sequence size ${size} (${end - pos} bytes left)`);
      }
      const secEnd = pos + size;
      let p = pos + 4;
      const nul = frame.indexOf(0, p);
      if (nul < 0 || nul >= secEnd) {
        throw new FrameError("OP_MSG document sequence identifier is not NUL-terminated within its section");
      }
      let identifier: string;
      try {
        identifier = utf8.decode(frame.subarray(p, nul));
      } catch {
        throw new RequestError("InvalidBSON", "OP_MSG document sequence identifier is not valid UTF-8");
      }
      p = nul + 1;
      const docs: Array<[number, number]> = [];
      while (p < secEnd) {
        const len = documentSpan(frame, p, secEnd, `OP_MSG document sequence '${identifier}'`);
        docs.push([p, p + len]);
        p += len;
      }
      (sequences ??= []).push({ identifier, docs });
      pos = secEnd;
    } else {
      throw new RequestError(Location.OpMsgUnknownSectionKind, `Unknown OP_MSG section kind ${kind}`);
    }
  }

  // Semantic checks on a structurally sound frame.
  const unknownRequired = flags.flagBits & REQUIRED_BITS & ~KNOWN_REQUIRED_BITS;
  if (unknownRequired !== 0) {
    throw new RequestError(
      "IllegalOpMsgFlag",
      `OP_MSG contains unknown required flag bits: 0x${unknownRequired.toString(16)}`,
    );
  }
  if (bodies === 0) {
    throw new RequestError(Location.OpMsgMissingBody, "OP_MSG requests require a body section");
  }
  if (bodies > 1) {
    throw new RequestError(Location.OpMsgMultipleBodies, "Multiple body sections in OP_MSG message");
  }

  const bodyBytes = frame.subarray(bStart, bEnd);
  const insert = isInsertBody(bodyBytes);
  const body = (insert && bodyBytes.length <= MAX_COMMAND_BODY_SIZE && insertBodyLazily(bodyBytes)) ||
    deserializeDocument(bodyBytes, MAX_COMMAND_BODY_SIZE, "OP_MSG body");
  rememberSource(body, bodyBytes);
  if (sequences === undefined) {
    return parts(flags, body, NO_SEQUENCES);
  }
  const seqMap = new Map<string, Record<string, unknown>[]>();
  for (const seq of sequences) {
    if (seqMap.has(seq.identifier)) {
      throw new RequestError(
        Location.OpMsgDuplicateSequence,
        `Duplicate OP_MSG document sequence '${seq.identifier}'`,
      );
    }
    const lazy = insert && seq.identifier === "documents" ? lazySequence(frame, seq) : undefined;
    if (lazy) {
      seqMap.set(seq.identifier, lazy);
      continue;
    }
    const docs = new Array<Record<string, unknown>>(seq.docs.length);
    for (let i = 0; i < seq.docs.length; i++) {
      const [s, e] = seq.docs[i]!;
      const bytes = frame.subarray(s, e);
      // (as mongod's: a statement of an update holds its filter and a replacement of up to 16 MiB; the
      // command checks each document it stores against maxBsonObjectSize)
      docs[i] = deserializeDocument(
        bytes,
        MAX_COMMAND_BODY_SIZE,
        `document ${i} of OP_MSG document sequence '${seq.identifier}'`,
      );
      rememberSource(docs[i]!, bytes);
    }
    seqMap.set(seq.identifier, docs);
  }
  return parts(flags, body, seqMap);
}

// ---- insert's documents, kept as bytes (src/bson/lazy_documents.ts) -------------------------------

/** Type byte (string) and NUL-terminated name of a body's first element `insert`. */
const INSERT_HEAD = [0x02, 0x69, 0x6e, 0x73, 0x65, 0x72, 0x74, 0x00];
/** The name `documents`, NUL-terminated. */
const DOCUMENTS_NAME = [0x64, 0x6f, 0x63, 0x75, 0x6d, 0x65, 0x6e, 0x74, 0x73, 0x00];

/** The body's first element is the string `insert` (the insert command). */
function isInsertBody(b: Uint8Array): boolean {
  if (b.length < 4 + INSERT_HEAD.length) return false;
  for (let i = 0; i < INSERT_HEAD.length; i++) if (b[4 + i] !== INSERT_HEAD[i]) return false;
  return true;
}

/**
 * A document of insert's `documents` is kept as its bytes when `validAndCanonical` vouches for it
 * (decodeDocument would accept it, and insert may store it as sent), with room for the request's
 * nesting limit below the levels above it (the body and the array: 2).
 */
function keepable(doc: Uint8Array, levelsAbove: number): boolean {
  return doc.length <= MAX_BSON_OBJECT_SIZE && validAndCanonical(doc, MAX_REQUEST_BSON_DEPTH - levelsAbove);
}

/** A kind-1 `documents` sequence of an insert as a lazy list, when every document is keepable. */
function lazySequence(frame: Uint8Array, seq: SequenceSpan): Record<string, unknown>[] | undefined {
  const raw = new Array<Uint8Array>(seq.docs.length);
  for (let i = 0; i < seq.docs.length; i++) {
    const [s, e] = seq.docs[i]!;
    const bytes = frame.subarray(s, e);
    if (!keepable(bytes, 0)) return undefined;
    raw[i] = bytes;
  }
  return lazyDocuments(raw);
}

/**
 * An insert's body with its `documents` array as a lazy list of the documents' bytes (the rest of the
 * body decoded as usual); undefined — decode it whole as before, errors
 * included — unless the array appears once and holds only keepable documents.
 */
function insertBodyLazily(b: Uint8Array): Record<string, unknown> | undefined {
  const end = b.length - 1;
  let p = 4;
  let at = -1; // the array element's start, its value's start and end
  let v = 0;
  let vEnd = 0;
  while (p < end) {
    const type = b[p]!;
    const nameEnd = b.indexOf(0, p + 1);
    if (nameEnd < 0 || nameEnd >= end) return undefined;
    const value = nameEnd + 1;
    // (a regex's length is a scan for two NULs that does not stop at the end: decoded whole instead)
    const len = type === 0x0b ? -1 : valueByteLength(type, b, value);
    if (len < 0 || value + len > end) return undefined;
    if (nameEnd - p === DOCUMENTS_NAME.length && sameName(b, p + 1, DOCUMENTS_NAME)) {
      if (type !== 0x04 || at >= 0) return undefined;
      at = p;
      v = value;
      vEnd = value + len;
    }
    p = value + len;
  }
  if (at < 0 || p !== end) return undefined;
  // the array: documents named "0", "1", …; each one whole and keepable
  if (readInt32LE(b, v) !== vEnd - v || b[vEnd - 1] !== 0) return undefined;
  const raw: Uint8Array[] = [];
  let q = v + 4;
  while (q < vEnd - 1) {
    if (b[q] !== 0x03) return undefined;
    const nameEnd = b.indexOf(0, q + 1);
    if (nameEnd < 0 || nameEnd >= vEnd - 1) return undefined;
    const d = nameEnd + 1;
    if (vEnd - 1 - d < 5) return undefined;
    const len = readInt32LE(b, d);
    if (len < 5 || len > vEnd - 1 - d) return undefined;
    const doc = b.subarray(d, d + len);
    if (!keepable(doc, 2)) return undefined;
    raw.push(doc);
    q = d + len;
  }
  if (q !== vEnd - 1) return undefined;
  // the rest of the body decoded as usual, the array meanwhile read as one binary value: its type,
  // length and first byte rewritten in place and put back (a copy of the body without the array
  // would cost a new ArrayBuffer: several µs in Deno). Nothing else runs in between.
  const type = b[at]!;
  const size = readInt32LE(b, v);
  const first = b[v + 4]!;
  let body: Record<string, unknown> | undefined;
  b[at] = 0x05;
  writeInt32LE(b, v, size - 5);
  b[v + 4] = 0;
  try {
    body = deserializeDocument(b, MAX_COMMAND_BODY_SIZE, "OP_MSG body");
  } catch {
    body = undefined; // decoded again whole: its own error
  } finally {
    b[at] = type;
    writeInt32LE(b, v, size);
    b[v + 4] = first;
  }
  if (body === undefined || !Object.hasOwn(body, "documents")) return undefined;
  body["documents"] = lazyDocuments(raw); // (in the field's place)
  return body;
}

function sameName(b: Uint8Array, start: number, name: readonly number[]): boolean {
  for (let i = 0; i < name.length; i++) if (b[start + i] !== name[i]) return false;
  return true;
}

function parts(
  flags: OpMsgFlags,
  body: Record<string, unknown>,
  sequences: ReadonlyMap<string, Record<string, unknown>[]>,
): OpMsgParts {
  return {
    flagBits: flags.flagBits,
    checksumPresent: flags.checksumPresent,
    moreToCome: flags.moreToCome,
    exhaustAllowed: flags.exhaustAllowed,
    body,
    sequences,
  };
}

/** Size of an OP_MSG reply prefix: header + flagBits + section kind byte. */
export const OP_MSG_REPLY_PREFIX_SIZE = FLAGS_END + 1;

/**
 * The 21 bytes that precede a reply body: header, flagBits (moreToCome for exhaust replies) and the
 * kind-0 byte. Lets the connection layer write large bodies without copying them into a new buffer.
 */
export function encodeOpMsgReplyPrefix(
  bodyLength: number,
  requestId: number,
  responseTo: number,
  moreToCome: boolean,
): Uint8Array {
  const out = new Uint8Array(OP_MSG_REPLY_PREFIX_SIZE);
  writeOpMsgReplyPrefix(out, bodyLength, requestId, responseTo, moreToCome);
  return out;
}

/** The 21-byte prefix of a reply written at the start of `out` (whose body follows it in `out`). */
export function writeOpMsgReplyPrefix(
  out: Uint8Array,
  bodyLength: number,
  requestId: number,
  responseTo: number,
  moreToCome: boolean,
): void {
  writeHeader(out, 0, {
    messageLength: OP_MSG_REPLY_PREFIX_SIZE + bodyLength,
    requestId,
    responseTo,
    opCode: OP_MSG,
  });
  writeInt32LE(out, HEADER_SIZE, moreToCome ? OpMsgFlag.moreToCome : 0);
  out[FLAGS_END] = 0;
}

/** `encodeOpMsgReply` written into `out` (exactly `OP_MSG_REPLY_PREFIX_SIZE + body.length` bytes). */
export function writeOpMsgReply(
  out: Uint8Array,
  body: Uint8Array,
  requestId: number,
  responseTo: number,
  moreToCome = false,
): Uint8Array {
  writeOpMsgReplyPrefix(out, body.length, requestId, responseTo, moreToCome);
  out.set(body, OP_MSG_REPLY_PREFIX_SIZE);
  return out;
}

/** A whole OP_MSG reply around an already-serialised BSON body (one allocation, one copy). */
export function encodeOpMsgReply(
  body: Uint8Array,
  requestId: number,
  responseTo: number,
  moreToCome = false,
): Uint8Array {
  const out = new Uint8Array(OP_MSG_REPLY_PREFIX_SIZE + body.length);
  writeOpMsgReplyPrefix(out, body.length, requestId, responseTo, moreToCome);
  out.set(body, OP_MSG_REPLY_PREFIX_SIZE);
  return out;
}

export interface OpMsgEncodeOptions {
  requestId: number;
  responseTo?: number;
  flagBits?: number;
  /** Serialised kind-0 body. */
  body: Uint8Array;
  /** Kind-1 sections, each of serialised documents. */
  sequences?: ReadonlyArray<{ identifier: string; documents: readonly Uint8Array[] }>;
  /** Append a CRC-32C and set checksumPresent. */
  checksum?: boolean;
}

/** General OP_MSG encoder (requests in tests and benchmarks; any message shape). */
export function encodeOpMsg(opts: OpMsgEncodeOptions): Uint8Array {
  const seqs = (opts.sequences ?? []).map((s) => {
    const id = utf8Encoder.encode(s.identifier);
    let size = 4 + id.length + 1;
    for (const d of s.documents) size += d.length;
    return { id, size, documents: s.documents };
  });
  let total = FLAGS_END + 1 + opts.body.length;
  for (const s of seqs) total += 1 + s.size;
  let flagBits = opts.flagBits ?? 0;
  if (opts.checksum) {
    total += 4;
    flagBits |= OpMsgFlag.checksumPresent;
  }
  const out = new Uint8Array(total);
  writeHeader(out, 0, {
    messageLength: total,
    requestId: opts.requestId,
    responseTo: opts.responseTo ?? 0,
    opCode: OP_MSG,
  });
  writeInt32LE(out, HEADER_SIZE, flagBits);
  let p = FLAGS_END;
  out[p++] = 0;
  out.set(opts.body, p);
  p += opts.body.length;
  for (const s of seqs) {
    out[p++] = 1;
    writeInt32LE(out, p, s.size);
    p += 4;
    out.set(s.id, p);
    p += s.id.length;
    out[p++] = 0;
    for (const d of s.documents) {
      out.set(d, p);
      p += d.length;
    }
  }
  if (opts.checksum) writeInt32LE(out, p, crc32c(out.subarray(0, p)));
  return out;
}
