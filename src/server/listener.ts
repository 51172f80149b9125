/**
 * The accept side: listen, hand each socket to a {@link Connection}, enforce maxConnections, and shut
 * down gracefully.
 *
 * TLS seam: pass `listen` to supply any `Deno.Listener` (e.g. one from `Deno.listenTls`); the default is
 * plain TCP, served by the shim's frame I/O thread (shim_transport.ts; `io: "deno"`: `Deno.listen`).
 * Either way each socket becomes a {@link Transport} and the
 * same {@link Connection} logic serves it.
 *
 * Deadlines: with `idleTimeoutMs` or `messageTimeoutMs` set, one sweep timer (every quarter of the
 * shorter one, between 25 ms and 1 s) asks every connection to check its deadlines
 * (`Connection.checkDeadlines`): cheaper than a timer per request and O(connections) per sweep.
 *
 * Large incoming messages share one {@link ByteBudget} (`messageBudgetBytes`): past it, connections
 * wait before allocating another large message.
 *
 * Refusals past `maxConnections`, or past `maxConnectionsPerAddress` sockets from one client address (the
 * IP, whatever the port), close the socket at once, as mongod does past maxIncomingConnections; each
 * kind's WARNING line is written at most once per {@link REFUSAL_LOG_INTERVAL_MS} and counts the
 * refusals it stood for, so a flood of connection attempts cannot flood the log.
 *
 * Shutdown (`close()`): stop accepting; idle connections close at once; busy ones finish their current
 * command and reply, bounded by `shutdownTimeoutMs` (default 10 s), after which sockets are force-closed.
 */
import { Connection, type ConnectionDeadlines } from "./connection.ts";
import { ByteBudget } from "./byte_budget.ts";
import { DenoTransport } from "./deno_transport.ts";
import { ShimListener } from "./shim_transport.ts";
import type { FastReads } from "../../ffi/io/mod.ts";
import type { Transport } from "./transport.ts";
import { INCOMING_MESSAGE_BUDGET_BYTES } from "../limits.ts";
import { MAX_MESSAGE_SIZE_BYTES } from "../wire/mod.ts";
import { setRequestsWaiting } from "../observability/op_control.ts";
import { delay, timeout, type Timer, unrefInterval } from "../timers.ts";
import type { CommandHandler, LogFn, TrafficCounters } from "./types.ts";

export interface ListenerOptions {
  hostname: string;
  /** 0 picks a free port; the chosen one is reported in the result. */
  port: number;
  maxConnections: number;
  /** Most connections one client address (IP, any port) may hold at once; 0/absent = no limit. */
  maxConnectionsPerAddress?: number;
  handler: CommandHandler;
  log: LogFn;
  /**
   * Listener factory (TLS seam; `tls.ts` supplies one). Default: `Deno.listen({ hostname, port,
   * transport: "tcp" })`. Only `accept`, `close` and `addr` are used.
   */
  listen?: (addr: { hostname: string; port: number }) => Deno.Listener | Promise<Deno.Listener>;
  shutdownTimeoutMs?: number;
  /** Bumped with every message read and written (serverStatus `network`); default: not counted. */
  traffic?: TrafficCounters;
  /** Close a connection that waits this long for a request with nothing received; 0/absent = never. */
  idleTimeoutMs?: number;
  /** Close a connection whose started message has not arrived whole within this; 0/absent = never. */
  messageTimeoutMs?: number;
  /** Server-wide bytes of large incoming messages held at once (see ByteBudget); default limits.ts. */
  messageBudgetBytes?: number;
  /**
   * Who does the socket I/O of plain TCP: the shim's frame I/O thread (default) or Deno's sockets
   * (`[server] io`). Ignored when `listen` is given (TLS keeps Deno's path).
   */
  io?: "deno" | "shim";
  /**
   * With the shim's I/O: µs its thread polls for a connection's next request after answering one itself,
   * before it sleeps (`[server] io_spin_us`; absent/0: never).
   */
  ioSpinMicros?: number;
  /** With the shim's I/O: frame I/O threads, 1 or 2 (`[server] io_loops`; absent: 1). */
  ioLoops?: number;
}

export interface RunningServer {
  readonly port: number;
  readonly hostname: string;
  /** Stop accepting, let in-flight commands finish (bounded), close every socket. Idempotent. */
  close(): Promise<void>;
  connectionCount(): number;
  /**
   * The shim's I/O thread answers finds by `_id` and pings itself from here on (ffi/io/fast.ts), reading
   * through its own session of `wtConnection`; undefined on Deno's sockets.
   */
  attachFastReads(wtConnection: Deno.PointerObject, logged: boolean): FastReads | undefined;
  /** µs the shim's I/O thread polls after its own answers (`ioSpinMicros` in effect; 0 on Deno's sockets). */
  readonly ioSpinMicros: number;
  /** Bytes the shim's I/O thread faults in ahead of its requests when idle (0 on Deno's sockets, or off). */
  readonly ioCushionBytes: number;
  /** Frame I/O threads in use (0 on Deno's sockets). */
  readonly ioLoops: number;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** At most one "connection refused" log line per this many ms. */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;

/** The sweep period for the given deadlines: a quarter of the shorter one, within [25 ms, 1 s]. */
export function sweepIntervalMs(d: ConnectionDeadlines): number {
  const on = [d.idleMs, d.messageMs].filter((ms) => ms > 0);
  if (on.length === 0) return 0;
  return Math.min(1000, Math.max(25, Math.min(...on) / 4));
}

export async function startListener(opts: ListenerOptions): Promise<RunningServer> {
  const { handler, log } = opts;
  const budgetBytes = opts.messageBudgetBytes ?? INCOMING_MESSAGE_BUDGET_BYTES;
  const useShim = opts.io !== "deno" && opts.listen === undefined;
  const listen = opts.listen ??
    ((a) => Deno.listen({ hostname: a.hostname, port: a.port, transport: "tcp" }));
  // a static import since `io = "shim"` became the default: its dynamic import cost ~2 ms before the first
  // ping (issue 18, cold start); the frame-loop symbols are still bound only when it opens
  const shimListener = useShim
    ? await ShimListener.open(
      opts.hostname,
      opts.port,
      MAX_MESSAGE_SIZE_BYTES,
      budgetBytes,
      opts.ioSpinMicros,
      opts.ioLoops ?? 1,
    )
    : undefined;
  const listener: Deno.Listener | undefined = shimListener
    ? undefined
    : await listen({ hostname: opts.hostname, port: opts.port });
  const addr = listener
    ? listener.addr as Deno.NetAddr
    : { transport: "tcp" as const, hostname: opts.hostname, port: shimListener!.port };
  // Long operations yield sooner while requests wait in the I/O thread's queue (op_control.ts).
  const uninstallWaiting = shimListener ? setRequestsWaiting(() => shimListener.queued() > 0) : () => {};
  const connections = new Map<number, { conn: Connection; done: Promise<void> }>();
  let nextId = 1;
  let closing = false;
  const deadlines: ConnectionDeadlines = {
    idleMs: opts.idleTimeoutMs ?? 0,
    messageMs: opts.messageTimeoutMs ?? 0,
  };
  const sweepMs = sweepIntervalMs(deadlines);
  // unref'd (src/timers.ts: no Node timers before the first ping); the open listener keeps the process up
  const sweeper = sweepMs > 0
    ? unrefInterval(() => {
      const now = performance.now();
      for (const e of connections.values()) e.conn.checkDeadlines(now);
    }, sweepMs)
    : undefined;
  const messageBudget = new ByteBudget(budgetBytes);
  const perAddressMax = opts.maxConnectionsPerAddress ?? 0;
  /** Open connections per client address, while `perAddressMax` is set. */
  const byAddress = new Map<string, number>();
  const refusals = {
    total: new RefusalLog(log),
    perAddress: new RefusalLog(log),
  };

  const acceptLoop = (async () => {
    while (!closing) {
      let sock: Deno.Conn | Transport;
      try {
        sock = listener ? await listener.accept() : await shimListener!.accept();
      } catch (e) {
        if (closing || e instanceof Deno.errors.BadResource || e instanceof Deno.errors.Interrupted) break;
        log("ERROR", `accept failed: ${e instanceof Error ? e.message : String(e)}`);
        await delay(100);
        continue;
      }
      if (closing) {
        closeQuietly(sock);
        break;
      }
      if (connections.size >= opts.maxConnections) {
        closeQuietly(sock);
        refusals.total.refused(() =>
          `connection refused because too many open connections: ${connections.size} (maxConnections ${opts.maxConnections})`
        );
        continue;
      }
      const host = perAddressMax > 0 ? hostOf(sock) : undefined;
      if (host !== undefined) {
        const open = byAddress.get(host) ?? 0;
        if (open >= perAddressMax) {
          closeQuietly(sock);
          refusals.perAddress.refused(() =>
            `connection refused because too many open connections from ${host}: ${open} (max_connections_per_address ${perAddressMax})`
          );
          continue;
        }
        byAddress.set(host, open + 1);
      }
      try {
        if ("setNoDelay" in sock) {
          const tcp = sock as Deno.TcpConn;
          tcp.setNoDelay(true);
          tcp.setKeepAlive(true);
        }
      } catch { /* option not supported on this socket */ }
      const id = nextId++;
      const transport = isTransport(sock) ? sock : new DenoTransport(sock, messageBudget);
      const conn = new Connection(transport, id, handler, log, opts.traffic, deadlines);
      log(
        "INFO",
        `connection accepted from ${conn.state.remoteAddress} #${id} (${connections.size + 1} open)`,
      );
      const done = conn.run().finally(() => {
        connections.delete(id);
        if (host !== undefined) {
          const left = (byAddress.get(host) ?? 1) - 1;
          if (left > 0) byAddress.set(host, left);
          else byAddress.delete(host);
        }
        log("INFO", `end connection ${conn.state.remoteAddress} #${id} (${connections.size} open)`);
      });
      connections.set(id, { conn, done });
    }
  })();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      sweeper?.cancel();
      try {
        listener?.close();
        shimListener?.close();
      } catch { /* already closed */ }
      await acceptLoop;
      const entries = [...connections.values()];
      for (const e of entries) e.conn.drain();
      let timer: Timer | undefined;
      const timedOut = await Promise.race([
        Promise.all(entries.map((e) => e.done)).then(() => false),
        new Promise<boolean>((r) => {
          timer = timeout(() => r(true), opts.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
        }),
      ]);
      timer?.cancel();
      if (timedOut) {
        log("WARNING", `shutdown: force-closing ${connections.size} connection(s) still busy`);
        for (const e of connections.values()) e.conn.close();
      }
      if (shimListener) {
        uninstallWaiting();
        await shimListener.stop(); // joins the I/O thread; every connection's next read ends
      }
      log("INFO", `stopped listening on ${addr.hostname}:${addr.port}`);
    })();
    return closed;
  };

  log("INFO", `waiting for connections on ${addr.hostname}:${addr.port}`);
  return ({
    port: addr.port,
    hostname: addr.hostname,
    close,
    connectionCount: () => connections.size,
    attachFastReads: (wtConnection, logged) => shimListener?.attachFastReads(wtConnection, logged),
    ioSpinMicros: shimListener?.spinMicros ?? 0,
    ioCushionBytes: shimListener?.cushionBytes ?? 0,
    ioLoops: shimListener?.loopCount ?? 0,
  });
}

/** One kind of refusal's WARNING line: at most once per REFUSAL_LOG_INTERVAL_MS, counting the rest. */
class RefusalLog {
  #last = -Infinity;
  #since = 0;
  constructor(private readonly log: LogFn) {}

  refused(message: () => string): void {
    this.#since++;
    const now = performance.now();
    if (now - this.#last < REFUSAL_LOG_INTERVAL_MS) return;
    const also = this.#since > 1 ? `; ${this.#since} refused since the last such message` : "";
    this.log("WARNING", message() + also);
    this.#last = now;
    this.#since = 0;
  }
}

function isTransport(c: Deno.Conn | Transport): c is Transport {
  return "release" in c;
}

/** The client's address without the port (an IP for TCP), or undefined when it is not known. */
function hostOf(c: Deno.Conn | Transport): string | undefined {
  if (isTransport(c)) {
    const a = c.remoteAddress;
    if (a === "unknown") return undefined;
    const at = a.lastIndexOf(":");
    return at < 0 ? undefined : a.slice(0, at).replace(/^\[|\]$/g, "");
  }
  try {
    const a = c.remoteAddr;
    return a.transport === "tcp" || a.transport === "udp" ? a.hostname : undefined;
  } catch {
    return undefined;
  }
}

function closeQuietly(c: Deno.Conn | Transport): void {
  try {
    c.close();
  } catch { /* ignore */ }
}
