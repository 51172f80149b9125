/**
 * One client connection over a {@link Transport} (Deno's sockets or the shim's frame I/O thread): read loop → decode (src/wire) → injected handler → reply, strictly one request
 * at a time (as mongod does per connection).
 *
 * - OP_MSG requests get OP_MSG replies, OP_QUERY requests get OP_REPLY.
 * - Client `moreToCome`: the handler runs, no reply is written.
 * - Exhaust: see `exhaustReply` in types.ts.
 * - FrameError (garbage, oversize, bad checksum …): logged as WARNING, this connection is closed.
 * - RequestError (bad BSON in a good frame, …): `{ok: 0, errmsg, code, codeName}` reply, connection lives.
 * - A handler that throws: ERROR log line (with stack) and a generic InternalError reply; never a stack to
 *   the client.
 * - Replies larger than 16 MiB + 16 KiB become a BSONObjectTooLarge error reply.
 * - Traffic: every message read counts its bytes and one request, every write its bytes (the
 *   injected TrafficCounters).
 * - Deadlines ({@link ConnectionDeadlines}, checked by the listener's sweep through `checkDeadlines`):
 *   a connection waiting for a request with nothing received is closed after `idleMs`; once the first
 *   bytes of a request are held, the whole message must arrive within `messageMs` (slowloris). The
 *   message clock starts at the first sweep that sees the started message, so the bound is
 *   `messageMs` plus one sweep interval. Neither applies while a command runs. 0 disables either.
 * - Shutdown (`drain`): an idle connection closes at once; a busy one finishes its command and reply,
 *   except that a reply write the peer has not taken within {@link DRAIN_WRITE_GRACE_MS} (a client that
 *   does not read) closes the connection then, rather than holding shutdown for the listener's whole
 *   timeout.
 */
import { BSON } from "bson";
import {
  compressionCodecsLoaded,
  compressMessage,
  COMPRESSOR_NAMES,
  decodeMessage,
  encodeOpMsgReplyPrefix,
  encodeOpReply,
  encodeReplyFor,
  FrameError,
  loadCompressionCodecs,
  MAX_COMMAND_BODY_SIZE,
  OP_COMPRESSED,
  OP_MSG,
  OP_MSG_REPLY_PREFIX_SIZE,
  OP_QUERY,
  OpReplyFlag,
  readInt32LE,
  writeOpMsgReply,
  writeOpMsgReplyPrefix,
} from "../wire/mod.ts";
import { errorReply, isStackOverflow, NESTING_TOO_DEEP } from "../errors/to_reply.ts";
import type { Transport } from "./transport.ts";
import {
  type CloseConnection,
  type CommandHandler,
  type CompressionTraffic,
  type ConnectionState,
  type ExhaustReply,
  isCloseConnection,
  isExhaustReply,
  type LogFn,
  type ReplyBody,
  type TrafficCounters,
} from "./types.ts";
import type { WireRequest } from "../wire/mod.ts";
import { freeNow, freeOwned, OWNED_MIN_BYTES } from "../bson/owned_bytes.ts";
import { withFrontRoom } from "../bson/raw_reply.ts";
import { type Timer, unrefInterval } from "../timers.ts";
import { serializeDocument } from "../bson/undefined_value.ts";

/**
 * During shutdown, a reply write waiting this long for the peer to take its bytes ends the connection
 * (mongod closes every connection at shutdown; a reading client has taken a 16 MB reply long before).
 */
export const DRAIN_WRITE_GRACE_MS = 1000;

/** Bodies above this size are written after a separate 21-byte prefix instead of being copied. */
const SPLIT_WRITE_THRESHOLD = 64 * 1024;

/**
 * Small reply frames are carved from a shared block (as Node's `Buffer.allocUnsafe` does): a typed
 * array of its own costs an ArrayBuffer allocation per reply. A frame is referenced only until its
 * write completes, so a block is pinned no longer than its slowest write; every byte is written.
 */
const FRAME_POOL_SIZE = 64 * 1024;
const POOLED_FRAME_MAX = 8 * 1024;
const POOLED_BODY_MAX = POOLED_FRAME_MAX - OP_MSG_REPLY_PREFIX_SIZE;
let framePool = new ArrayBuffer(FRAME_POOL_SIZE);
let framePoolAt = 0;

function pooledFrame(size: number): Uint8Array {
  if (framePoolAt + size > FRAME_POOL_SIZE) {
    framePool = new ArrayBuffer(FRAME_POOL_SIZE);
    framePoolAt = 0;
  }
  const out = new Uint8Array(framePool, framePoolAt, size);
  framePoolAt = (framePoolAt + size + 7) & ~7;
  return out;
}

/**
 * An OP_MSG reply frame written around `body` where it lies, when its encoder left room for the prefix
 * in front of it (a cursor reply carved from bson/raw_reply.ts's shared block: no frame to allocate,
 * no copy); else undefined.
 */
function frameInPlace(
  body: Uint8Array,
  id: number,
  responseTo: number,
  more: boolean,
): Uint8Array | undefined {
  const frame = withFrontRoom(body, OP_MSG_REPLY_PREFIX_SIZE);
  if (frame !== undefined) writeOpMsgReplyPrefix(frame, body.length, id, responseTo, more);
  return frame;
}

const INTERNAL_ERROR_REPLY = Object.freeze(errorReply("InternalError", "internal error"));

let lastReplyId = 0;
/** Server-wide requestID for outgoing messages (int32, wraps, skips 0). */
function nextReplyId(): number {
  lastReplyId = (lastReplyId + 1) | 0;
  if (lastReplyId === 0) lastReplyId = 1;
  return lastReplyId;
}

/** Per-connection time limits in milliseconds; 0 disables one. */
export interface ConnectionDeadlines {
  /** Close a connection that has waited this long for a request with nothing received. */
  readonly idleMs: number;
  /** Close a connection whose started message has not arrived whole within this long. */
  readonly messageMs: number;
}

const NO_DEADLINES: ConnectionDeadlines = { idleMs: 0, messageMs: 0 };

/** What a handler answers. */
type HandlerResult = ReturnType<CommandHandler>;

/** A request whose handler #quickReply already called, for #process to finish. */
interface Started {
  readonly req: WireRequest;
  readonly result: HandlerResult;
}

class State implements ConnectionState {
  clientMetadata?: Record<string, unknown>;
  readonly data = new Map<string, unknown>();
  constructor(
    readonly id: number,
    readonly remoteAddress: string,
    readonly peerSubject: string | undefined,
    readonly localAddress: string | undefined,
    private readonly transport: Transport,
  ) {}

  park(on: boolean): void {
    this.transport.park?.(on);
  }

  get ioId(): number | undefined {
    return this.transport.ioId;
  }

  peerGone(): boolean {
    return this.transport.peerGone();
  }
}

/** 10334 BSONObjectTooLarge for a reply of `size` bytes (or of a document too large to encode). */
function tooLargeReply(size: number | object): object {
  let n = size;
  if (typeof n !== "number") {
    try {
      n = BSON.calculateObjectSize(n as Record<string, unknown>);
    } catch {
      n = NaN;
    }
  }
  return errorReply(
    "BSONObjectTooLarge",
    `BSONObj size: ${
      Number.isNaN(n) ? "too large" : n
    } is invalid. Size must be between 0 and ${MAX_COMMAND_BODY_SIZE}`,
  );
}

export class Connection {
  readonly state: ConnectionState;
  #closed = false;
  #draining = false;
  #busy = false;
  readonly #reader: Transport;
  /** When the loop started waiting for the next request; undefined while a command runs. */
  #waitingSince: number | undefined;
  /** When a sweep first saw the current request started but incomplete. */
  #messageSeenAt: number | undefined;
  /** When the write being awaited started (undefined: none is), and the drain's check of it. */
  #writeSince: number | undefined;
  #drainCheck: Timer | undefined;

  constructor(
    transport: Transport,
    id: number,
    private readonly handler: CommandHandler,
    private readonly log: LogFn,
    private readonly traffic: TrafficCounters = { bytesIn: 0, bytesOut: 0, numRequests: 0 },
    private readonly deadlines: ConnectionDeadlines = NO_DEADLINES,
  ) {
    this.#reader = transport;
    this.state = new State(
      id,
      transport.remoteAddress,
      transport.peerSubject,
      transport.localAddress,
      transport,
    );
  }

  /** True while a command is running or its reply is being written. */
  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Close this connection if it has idled, or held a started message, past its deadline (`now` in
   * ms, same clock as `performance.now()`). Called periodically by the listener.
   */
  checkDeadlines(now: number): void {
    if (this.#closed || this.#waitingSince === undefined) return;
    const { idleMs, messageMs } = this.deadlines;
    if (this.#reader.waitingForBudget) {
      this.#messageSeenAt = undefined; // the server holds this message back: the peer's clock restarts
      return;
    }
    if (this.#reader.hoggingBudget(now)) {
      this.log(
        "INFO",
        `conn${this.state.id} ${this.state.remoteAddress}: closing connection: a large message arrived too slowly while holding the shared message budget others wait for`,
      );
      this.close();
      return;
    }
    if (this.#reader.midMessage) {
      if (messageMs <= 0) return;
      this.#messageSeenAt ??= now;
      if (now - this.#messageSeenAt < messageMs) return;
      this.log(
        "INFO",
        `conn${this.state.id} ${this.state.remoteAddress}: closing connection: a started message did not arrive whole within ${
          seconds(messageMs)
        }`,
      );
      this.close();
    } else {
      this.#messageSeenAt = undefined;
      if (idleMs <= 0 || now - this.#waitingSince < idleMs) return;
      const quiet = this.#reader.quietMs?.(); // requests the I/O thread answered itself
      if (quiet !== undefined && quiet < idleMs) return;
      this.log(
        "INFO",
        `conn${this.state.id} ${this.state.remoteAddress}: closing connection idle for ${seconds(idleMs)}`,
      );
      this.close();
    }
  }

  /** Serve until the peer leaves, a framing error, or shutdown. Never rejects. */
  async run(): Promise<void> {
    const reader = this.#reader;
    const tag = `conn${this.state.id}`;
    try {
      while (!this.#draining) {
        let frame: Uint8Array | null;
        this.#waitingSince = performance.now();
        this.#messageSeenAt = undefined;
        try {
          frame = await reader.next();
        } catch (e) {
          if (e instanceof FrameError) {
            this.log("WARNING", `${tag} ${this.state.remoteAddress}: closing connection: ${e.message}`);
          } else if (!this.#closed) {
            this.log("DEBUG", `${tag}: read failed: ${errorText(e)}`);
          }
          break;
        } finally {
          this.#waitingSince = undefined;
        }
        if (frame === null) {
          if (reader.pending > 0) {
            this.log("DEBUG", `${tag}: peer closed mid-message (${reader.pending} bytes)`);
          }
          break;
        }
        this.traffic.bytesIn += frame.length;
        this.traffic.numRequests++;
        if (this.#draining) break;
        this.#busy = true;
        try {
          // the common request (an OP_MSG whose command answers synchronously with a small reply)
          // is answered here, without #process's frame and its await
          const quick = this.#quickReply(frame, tag);
          if (quick instanceof Uint8Array) {
            let n: number;
            try {
              const w = reader.write(quick, true);
              n = typeof w === "number" ? w : await this.#awaitWrite(w);
            } catch (e) {
              this.#writeFailed(e);
              break;
            }
            this.traffic.bytesOut += n;
            if (n < quick.length && !(await this.#writeFrame(quick.subarray(n), true))) break;
          } else if (!(await this.#process(frame, tag, quick))) break;
        } finally {
          this.#busy = false;
          reader.release(); // the request is done with its frame
        }
      }
    } catch (e) {
      this.log("ERROR", `${tag}: connection loop failed: ${errorText(e)}`);
    } finally {
      reader.release();
      this.close();
    }
  }

  /**
   * Stop after the in-flight command (if any); an idle connection closes at once, and one whose reply
   * waits on a peer that does not read closes after DRAIN_WRITE_GRACE_MS.
   */
  drain(): void {
    this.#draining = true;
    if (!this.#busy) return this.close();
    const since = performance.now();
    this.#drainCheck ??= unrefInterval(() => {
      const at = this.#writeSince;
      if (at === undefined || performance.now() - Math.max(at, since) < DRAIN_WRITE_GRACE_MS) return;
      this.log(
        "INFO",
        `conn${this.state.id} ${this.state.remoteAddress}: shutdown: closing connection whose client has not taken its reply for ${
          seconds(DRAIN_WRITE_GRACE_MS)
        }`,
      );
      this.close();
    }, DRAIN_WRITE_GRACE_MS / 4);
  }

  /** Close the socket now (idempotent). */
  close(): void {
    this.#drainCheck?.cancel();
    if (this.#closed) return;
    this.#closed = true;
    this.#reader.close();
  }

  /** A write that did not complete at once: timed while awaited (the drain's grace above). */
  async #awaitWrite(w: Promise<number>): Promise<number> {
    this.#writeSince = performance.now();
    try {
      return await w;
    } finally {
      this.#writeSince = undefined;
    }
  }

  /** Handle one frame; false means "close the connection". */
  /**
   * The reply frame of an OP_MSG request whose handler answered synchronously with a small reply; else
   * undefined (not such a request: #process starts over, an error included) or the request and the
   * handler's answer for #process to carry on with.
   */
  #quickReply(frame: Uint8Array, tag: string): Uint8Array | Started | undefined {
    if (frame.length < 16 || readInt32LE(frame, 12) !== OP_MSG) return undefined;
    let decoded;
    try {
      decoded = decodeMessage(frame);
    } catch {
      return undefined;
    }
    if (!decoded.ok) return undefined;
    const req = decoded.request;
    let result: HandlerResult;
    try {
      result = this.handler(req, this.state);
    } catch (e) {
      this.#handlerThrew(e, tag);
      result = INTERNAL_ERROR_REPLY;
    }
    if (result instanceof Promise || req.moreToCome || isCloseConnection(result) || isExhaustReply(result)) {
      return { req, result };
    }
    const body = this.#serialize(result, tag);
    const id = nextReplyId();
    const framed = frameInPlace(body, id, req.requestId, false);
    if (framed !== undefined) return framed;
    if (body.length > POOLED_BODY_MAX) return { req, result: body };
    const out = pooledFrame(OP_MSG_REPLY_PREFIX_SIZE + body.length);
    return writeOpMsgReply(out, body, id, req.requestId, false);
  }

  /** Write one whole reply frame; false when the socket is gone. */
  async #writeFrame(frame: Uint8Array, last: boolean): Promise<boolean> {
    try {
      const w = this.#reader.write(frame, last);
      const n = typeof w === "number" ? w : await this.#awaitWrite(w);
      this.traffic.bytesOut += n;
      if (n < frame.length) await this.#writeAll(frame.subarray(n), last);
      return true;
    } catch (e) {
      this.#writeFailed(e);
      return false;
    }
  }

  #writeFailed(e: unknown): void {
    if (!this.#closed) this.log("DEBUG", `conn${this.state.id}: write failed: ${errorText(e)}`);
  }

  async #process(frame: Uint8Array, tag: string, started?: Started): Promise<boolean> {
    if (started) return await this.#reply(started.req, tag, started.result);
    if (!compressionCodecsLoaded() && readInt32LE(frame, 12) === OP_COMPRESSED) await loadCompressionCodecs();
    let decoded;
    try {
      decoded = decodeMessage(frame);
    } catch (e) {
      if (e instanceof FrameError) {
        this.log("WARNING", `${tag} ${this.state.remoteAddress}: closing connection: ${e.message}`);
        return false;
      }
      throw e;
    }
    if (!decoded.ok) {
      this.log("DEBUG", `${tag}: request ${decoded.requestId} refused: ${decoded.error.message}`);
      if (decoded.moreToCome) return true;
      if (decoded.replyFor === OP_QUERY) {
        // A refused legacy query is a query failure (flag + $err), so drivers raise it instead of
        // reading the error document as a result.
        const reply = decoded.error.toReply();
        const body = BSON.serialize({ $err: reply["errmsg"], ...reply });
        return await this.#sendQueryFailure(body, decoded.requestId);
      }
      const errBody = BSON.serialize(decoded.error.toReply());
      return await this.#send(decoded.replyFor, errBody, nextReplyId(), decoded.requestId, false);
    }
    const req = decoded.request;
    if (req.compressorId !== undefined && req.uncompressedLength !== undefined) {
      const d = this.#compressionOf(req.compressorId).decompressor;
      d.bytesIn += frame.length;
      d.bytesOut += req.uncompressedLength;
    }
    return await this.#reply(req, tag, undefined);
  }

  /** Run the handler (`first`: its answer to the first call, when made already) and write the replies. */
  async #reply(req: WireRequest, tag: string, first: HandlerResult | undefined): Promise<boolean> {
    const exhaustOk = req.opCode === OP_MSG && req.exhaustAllowed;
    let responseTo = req.requestId;
    for (;;) {
      // the handler inline (no frame of its own): a synchronous command's reply is not awaited
      let result: ReplyBody | ExhaustReply | CloseConnection;
      try {
        const r = first ?? this.handler(req, this.state);
        first = undefined;
        result = r instanceof Promise ? await r : r;
      } catch (e) {
        this.#handlerThrew(e, tag);
        result = INTERNAL_ERROR_REPLY;
      }
      if (isCloseConnection(result)) return false; // the handler asked to drop the connection, no reply
      if (req.moreToCome) return true;
      const more = exhaustOk && isExhaustReply(result) && result.more;
      const body = this.#serialize(isExhaustReply(result) ? result.reply : result, tag);
      const id = nextReplyId();
      const inPlace = req.compressorId === undefined && req.opCode === OP_MSG
        ? frameInPlace(body, id, responseTo, more)
        : undefined;
      if (
        inPlace !== undefined ||
        req.compressorId === undefined && req.opCode === OP_MSG && body.length <= POOLED_BODY_MAX
      ) {
        // the common reply, written here rather than through #send / #writeAll (two frames fewer)
        const frame = inPlace ?? writeOpMsgReply(
          pooledFrame(OP_MSG_REPLY_PREFIX_SIZE + body.length),
          body,
          id,
          responseTo,
          more,
        );
        if (!(await this.#writeFrame(frame, !more))) return false;
      } else {
        const sent = await this.#send(req.opCode, body, id, responseTo, more, req.compressorId);
        // a large body the command built for this reply alone goes back to the system now, not at a GC
        freeOwned(body);
        if (!sent) return false;
      }
      if (!more || this.#draining || this.#closed) return !this.#closed;
      responseTo = id;
    }
  }

  #handlerThrew(e: unknown, tag: string): void {
    this.log(
      "ERROR",
      `${tag}: command handler threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}`,
    );
  }

  #serialize(reply: ReplyBody, tag: string): Uint8Array {
    let bytes: Uint8Array;
    if (reply instanceof Uint8Array) {
      bytes = reply;
    } else {
      try {
        bytes = serializeDocument(reply);
      } catch (e) {
        this.log("ERROR", `${tag}: reply could not be serialised: ${errorText(e)}`);
        // A value built at run time (e.g. by $reduce) too deep for the recursive encoder.
        if (isStackOverflow(e)) return BSON.serialize(errorReply("Overflow", NESTING_TOO_DEEP));
        // npm bson's encoder runs out of its (~17 MiB) buffer: the reply is too large
        if (e instanceof RangeError) return BSON.serialize(tooLargeReply(reply));
        return BSON.serialize(INTERNAL_ERROR_REPLY);
      }
    }
    if (bytes.length > MAX_COMMAND_BODY_SIZE) {
      this.log("WARNING", `${tag}: reply of ${bytes.length} bytes exceeds the limit`);
      return BSON.serialize(tooLargeReply(bytes.length));
    }
    return bytes;
  }

  /** Frame and write one reply; false when the socket is gone. */
  async #send(
    requestOpCode: number,
    body: Uint8Array,
    id: number,
    respondTo: number,
    moreToCome: boolean,
    compressorId?: number,
  ): Promise<boolean> {
    try {
      if (compressorId !== undefined) {
        // The request came compressed: answer with the same compressor (as mongod).
        const frame = encodeReplyFor(requestOpCode, body, id, respondTo, moreToCome);
        const compressed = compressMessage(frame, compressorId);
        const c = this.#compressionOf(compressorId).compressor;
        c.bytesIn += frame.length;
        c.bytesOut += compressed.length;
        if (frame.length >= OWNED_MIN_BYTES) freeNow(frame); // built here, read by nothing else
        await this.#writeAll(compressed, !moreToCome);
        if (compressed.length >= OWNED_MIN_BYTES) freeNow(compressed);
      } else if (requestOpCode === OP_MSG && body.length <= POOLED_BODY_MAX) {
        const frame = pooledFrame(OP_MSG_REPLY_PREFIX_SIZE + body.length);
        await this.#writeAll(writeOpMsgReply(frame, body, id, respondTo, moreToCome), !moreToCome);
      } else if (requestOpCode === OP_MSG && body.length > SPLIT_WRITE_THRESHOLD) {
        await this.#writeAll(encodeOpMsgReplyPrefix(body.length, id, respondTo, moreToCome), false);
        await this.#writeAll(body, !moreToCome);
      } else {
        const frame = encodeReplyFor(requestOpCode, body, id, respondTo, moreToCome);
        await this.#writeAll(frame, !moreToCome);
        if (frame.length >= OWNED_MIN_BYTES) freeNow(frame); // built here, read by nothing else
      }
      return true;
    } catch (e) {
      if (!this.#closed) this.log("DEBUG", `conn${this.state.id}: write failed: ${errorText(e)}`);
      return false;
    }
  }

  async #sendQueryFailure(body: Uint8Array, respondTo: number): Promise<boolean> {
    try {
      await this.#writeAll(encodeOpReply(body, nextReplyId(), respondTo, OpReplyFlag.queryFailure), true);
      return true;
    } catch {
      return false;
    }
  }

  /** The traffic counters of one compressor (created on first use). */
  #compressionOf(compressorId: number): CompressionTraffic {
    const all = this.traffic.compression ??= {};
    const name = COMPRESSOR_NAMES[compressorId] ?? String(compressorId);
    return all[name] ??= {
      compressor: { bytesIn: 0, bytesOut: 0 },
      decompressor: { bytesIn: 0, bytesOut: 0 },
    };
  }

  /** `last`: the last write of the current request's replies. */
  async #writeAll(bytes: Uint8Array, last: boolean): Promise<void> {
    let off = 0;
    while (off < bytes.length) {
      const w = this.#reader.write(off === 0 ? bytes : bytes.subarray(off), last);
      const n = typeof w === "number" ? w : await this.#awaitWrite(w);
      off += n;
      this.traffic.bytesOut += n;
    }
  }
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
