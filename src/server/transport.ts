/**
 * The byte transport under one client connection, as {@link Connection} (connection.ts) sees it: whole
 * wire messages in, reply bytes out. Two implementations share every per-connection rule in
 * connection.ts (one request at a time, exhaust, compression, counters, deadlines, limits, logging):
 *
 * - `deno_transport.ts`: a `Deno.Conn` (TCP, TLS, any listener) read through {@link FrameReader};
 * - `shim_transport.ts`: a connection of the shim's frame I/O thread (`[server] io = "shim"`), which
 *   reads, assembles frames and sends in C.
 */
export interface Transport {
  /** `host:port` of the peer, or "unknown". */
  readonly remoteAddress: string;
  readonly localAddress: string | undefined;
  /** The verified TLS client certificate's subject, when there is one. */
  readonly peerSubject: string | undefined;
  /** The next whole message (owned bytes), or null at end of stream. Throws FrameError on garbage. */
  next(): Promise<Uint8Array | null>;
  /** The caller is done with the last message returned (idempotent). */
  release(): void;
  /**
   * Write reply bytes; resolves with how many were taken (all of them, for the shim). `last`: this is
   * the last write for the current request (the shim lets the next request in with it).
   */
  write(bytes: Uint8Array, last: boolean): Promise<number> | number;
  /** Close now (idempotent); a pending `next()` ends. */
  close(): void;
  /**
   * Has the peer hung up while a request of it runs (end of stream, reset)? Best effort, never blocks:
   * the shim polls the socket; Deno's sockets start a read of what follows (kept for the next request)
   * at the first call, so its end of stream shows at a later call. Asked only about requests that have
   * run a while (kill on client disconnect, src/commands/disconnect_watch.ts).
   */
  peerGone(): boolean;
  /** Bytes received but not returned as a message (non-zero at end of stream: the peer cut one). */
  readonly pending: number;
  /** True while a started message has not arrived whole. */
  readonly midMessage: boolean;
  /** True while a large message waits for the shared byte budget (the server, not the peer, stalls). */
  readonly waitingForBudget: boolean;
  /** True when a budget reservation is held by a message arriving too slowly while others wait. */
  hoggingBudget(now: number): boolean;
  /**
   * ms since a request of this connection was last answered without reaching JS (the shim's I/O thread
   * answers point reads itself); undefined when none was. The idle deadline counts from then too.
   */
  quietMs?(): number | undefined;
  /** The shim's frame I/O thread's id of this connection (its point-read grants); absent on Deno's path. */
  readonly ioId?: number;
  /**
   * The current request waits without doing work (`on`: an awaitable hello until its timer) or works
   * again (`!on`). Optional: the shim's transport then stops counting it among the requests being
   * served, so another connection's replies still go the one-thread way (shim_transport.ts).
   */
  park?(on: boolean): void;
}
