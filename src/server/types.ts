/**
 * The contract between the connection layer and the command layer: the handler signature, per-connection
 * state, the log sink, and the exhaust-reply hook.
 */
import type { WireRequest } from "../wire/mod.ts";
import type { CompressionTraffic } from "../observability/counters.ts";

export type { CompressionTraffic };

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";
export type LogFn = (level: LogLevel, msg: string) => void;

/** Per-connection state the command layer may read and annotate. */
export interface ConnectionState {
  readonly id: number;
  /** `host:port` of the peer (`[v6addr]:port` for IPv6). */
  readonly remoteAddress: string;
  /** `host:port` this connection reached the server on (authentication restrictions' serverAddress). */
  readonly localAddress?: string | undefined;
  /** Set by the handshake (`hello.client`), for currentOp / logs. */
  clientMetadata?: Record<string, unknown>;
  /** The verified TLS client certificate's subject (RFC 2253), when the client presented one. */
  readonly peerSubject?: string | undefined;
  /** Free slot for the command layer (auth conversation, session, …). */
  readonly data: Map<string, unknown>;
  /**
   * The current request now waits without doing work (`true`: an awaitable hello's wait) or works
   * again (`false`); passed to the transport (`Transport.park`). Calls must pair up.
   */
  park(on: boolean): void;
  /**
   * Has the peer hung up while its current request runs? Best effort, non-blocking
   * (`Transport.peerGone`); the command layer asks about requests that run a while.
   */
  peerGone(): boolean;
  /** The shim's frame I/O thread's id of this connection (its point-read grants); absent on Deno's sockets. */
  readonly ioId?: number | undefined;
}

/**
 * Wire traffic counters the connection layer bumps (serverStatus `network`): bytes of every message
 * read and written, and one request per message received. A plain mutable object passed in by the
 * composition root, so this layer stays ignorant of who reads it.
 */
export interface TrafficCounters {
  bytesIn: number;
  bytesOut: number;
  numRequests: number;
  /**
   * Per compressor name (serverStatus `network.compression`): bytes fed into and produced by the
   * compressor (replies) and the decompressor (requests). Entries appear on first use.
   */
  compression?: Record<string, CompressionTraffic>;
}

/** A reply: already-serialised BSON, or a document the connection layer serialises. */
export type ReplyBody = Uint8Array | Record<string, unknown>;

const EXHAUST = Symbol("secantusdb.exhaustReply");

/**
 * Exhaust hook. Return `exhaustReply(reply, true)` from a handler to say "more replies follow". When the
 * request allowed it (OP_MSG with exhaustAllowed and not moreToCome), the connection sends the reply with
 * the moreToCome flag and calls the handler AGAIN with the same request (e.g. the same getMore, or the
 * same awaitable hello), chaining responseTo to the previous reply's requestID, until the handler
 * returns `more: false` or a plain reply. When exhaust is not allowed, the reply is sent normally and the
 * client asks for more itself.
 */
export interface ExhaustReply {
  readonly [EXHAUST]: true;
  readonly reply: ReplyBody;
  readonly more: boolean;
}

export function exhaustReply(reply: ReplyBody, more: boolean): ExhaustReply {
  return { [EXHAUST]: true, reply, more };
}

export function isExhaustReply(x: unknown): x is ExhaustReply {
  return typeof x === "object" && x !== null && (x as Partial<ExhaustReply>)[EXHAUST] === true;
}

const CLOSE = Symbol("secantusdb.closeConnection");

/** A handler result that closes the connection without any reply (fail points: closeConnection). */
export interface CloseConnection {
  readonly [CLOSE]: true;
}

export const CLOSE_CONNECTION: CloseConnection = Object.freeze({ [CLOSE]: true as const });

export function isCloseConnection(x: unknown): x is CloseConnection {
  return typeof x === "object" && x !== null && (x as Partial<CloseConnection>)[CLOSE] === true;
}

/**
 * Runs one decoded command, one at a time per connection: a reply at once (a synchronous command is
 * answered in the turn its request arrived) or its promise. Should convert its own errors into
 * `{ok: 0, …}` replies; anything it throws becomes a generic InternalError reply and a server log line.
 */
export type CommandHandler = (
  req: WireRequest,
  conn: ConnectionState,
) => ReplyBody | ExhaustReply | CloseConnection | Promise<ReplyBody | ExhaustReply | CloseConnection>;
