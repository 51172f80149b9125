/**
 * The decoded request (what the connection layer hands to the command layer) and `decodeMessage`, the
 * single entry point from one whole frame to a {@link WireRequest} or a reply-able {@link RequestError}.
 */
import { FrameError, RequestError } from "./errors.ts";
import { checkMessageLength, OP_COMPRESSED, OP_MSG, OP_QUERY, readHeader } from "./header.ts";
import { parseOpMsg, readOpMsgFlags } from "./op_msg.ts";
import { commandDatabase, type OpQueryInfo, parseOpQuery, unwrapLegacyCommand } from "./op_query.ts";
import { decompressMessage, readOpCompressedPrefix } from "./op_compressed.ts";

export interface WireRequest {
  /** OP_MSG or OP_QUERY (the reply uses OP_MSG or OP_REPLY accordingly). */
  opCode: number;
  requestId: number;
  /**
   * The command document. OP_MSG: the kind-0 body as sent (`$db` included by the driver).
   * OP_QUERY: the unwrapped command with `$db` set from fullCollectionName's database part.
   */
  body: Record<string, unknown>;
  /** Kind-1 document sequences by identifier (e.g. "documents", "updates", "deletes"). Empty for OP_QUERY. */
  sequences: ReadonlyMap<string, Record<string, unknown>[]>;
  /** The client wants no reply. */
  moreToCome: boolean;
  /** The client accepts an exhaust stream of replies (moreToCome on replies). */
  exhaustAllowed: boolean;
  checksumPresent: boolean;
  /** OP_QUERY fields, present only for legacy requests. */
  legacy?: OpQueryInfo;
  /** The request came in OP_COMPRESSED with this compressor: the reply is compressed with it too. */
  compressorId?: number;
  /** The decompressed message's length (with its header), for compressed requests. */
  uncompressedLength?: number;
}

export type DecodeResult =
  | { ok: true; request: WireRequest }
  | {
    ok: false;
    error: RequestError;
    requestId: number;
    /** Opcode whose reply form the client expects (OP_MSG or OP_QUERY). */
    replyFor: number;
    /** The client expects no reply (OP_MSG moreToCome): log instead of answering. */
    moreToCome: boolean;
  };

/**
 * Decode exactly one whole message (`frame.length` must equal its messageLength).
 * Throws FrameError when the connection must close; returns `{ok: false}` for errors to answer.
 */
export function decodeMessage(frame: Uint8Array): DecodeResult {
  const h = readHeader(frame);
  checkMessageLength(h.messageLength);
  if (h.messageLength !== frame.length) {
    throw new FrameError(`messageLength ${h.messageLength} does not match the ${frame.length}-byte frame`);
  }
  switch (h.opCode) {
    case OP_MSG: {
      const flags = readOpMsgFlags(frame);
      try {
        const m = parseOpMsg(frame, flags);
        return {
          ok: true,
          request: {
            opCode: OP_MSG,
            requestId: h.requestId,
            body: m.body,
            sequences: m.sequences,
            moreToCome: m.moreToCome,
            exhaustAllowed: m.exhaustAllowed,
            checksumPresent: m.checksumPresent,
          },
        };
      } catch (e) {
        if (e instanceof RequestError) {
          return {
            ok: false,
            error: e,
            requestId: h.requestId,
            replyFor: OP_MSG,
            moreToCome: flags.moreToCome,
          };
        }
        throw e;
      }
    }
    case OP_QUERY: {
      try {
        const q = parseOpQuery(frame);
        const db = commandDatabase(q.fullCollectionName);
        const { query, ...legacy } = q;
        return {
          ok: true,
          request: {
            opCode: OP_QUERY,
            requestId: h.requestId,
            body: unwrapLegacyCommand(query, db),
            sequences: new Map(),
            moreToCome: false,
            exhaustAllowed: false,
            checksumPresent: false,
            legacy,
          },
        };
      } catch (e) {
        if (e instanceof RequestError) {
          return { ok: false, error: e, requestId: h.requestId, replyFor: OP_QUERY, moreToCome: false };
        }
        throw e;
      }
    }
    case OP_COMPRESSED: {
      const prefix = readOpCompressedPrefix(frame);
      let inner;
      try {
        inner = decompressMessage(frame);
      } catch (e) {
        if (e instanceof RequestError) {
          return {
            ok: false,
            error: e,
            requestId: h.requestId,
            replyFor: prefix.originalOpcode,
            moreToCome: false,
          };
        }
        throw e;
      }
      const r = decodeMessage(inner.frame);
      if (r.ok) {
        r.request.compressorId = inner.compressorId;
        r.request.uncompressedLength = inner.frame.length;
      }
      return r;
    }
    default:
      throw new FrameError(`unsupported opCode ${h.opCode}`);
  }
}
