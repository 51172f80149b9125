/**
 * src/server — sockets in, replies out. The only layer with network I/O.
 *
 * Owns: the TCP listener, native TLS and mTLS (`tls.ts`, plugged in through `ListenerOptions.listen`), connection ids, the maxConnections cap,
 * per-connection read loops and framing (via src/wire), one-request-at-a-time dispatch to an injected
 * {@link CommandHandler}, exhaust streaming, and graceful shutdown.
 *
 * May import: src/wire, src/errors (`errorReply`), npm `bson`. Must not import commands/engine/storage: the command layer is
 * injected as a handler, so this layer can be tested with a fake one.
 *
 * Guarantees: a malformed frame closes only its own connection; a handler exception never kills a
 * connection or leaks a stack to the client; nothing is written for a client `moreToCome` request.
 */
export { type ListenerOptions, type RunningServer, startListener } from "./listener.ts";
export { fdLimitWarning, readSoftNoFileLimit } from "./fd_limit.ts";
// Types only: `tls.ts` loads node:tls and node:crypto (~100 ms of start-up CPU), so a server that serves
// TLS imports it itself, dynamically (src/app/start_server.ts); plain TCP never loads it.
export type { TlsListener, TlsListenOptions, TlsMaterial, TlsSettings } from "./tls.ts";
export {
  CLOSE_CONNECTION,
  type CloseConnection,
  type CommandHandler,
  type ConnectionState,
  type ExhaustReply,
  exhaustReply,
  isCloseConnection,
  isExhaustReply,
  type LogFn,
  type LogLevel,
  type ReplyBody,
  type TrafficCounters,
} from "./types.ts";
