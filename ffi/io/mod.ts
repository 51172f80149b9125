/**
 * ffi/io: the typed binding to the shim's frame I/O thread (`ffi/wiredtiger/shim/io_loop.c`, built into
 * the same library, its symbols in the one table `ffi/wiredtiger/symbols.ts`). Only
 * `src/server/shim_transport.ts` should import this.
 *
 * Owns: one {@link FrameLoop} per listening socket — the C thread accepts, assembles whole wire messages
 * (enforcing [16, maxMessage] bytes), and sends replies; this side waits for events with one read of a
 * doorbell (a Unix socket connected at open: an ordinary reactor read on this thread's event loop),
 * takes every queued event in one synchronous call into a reused buffer, and hands replies back with
 * one synchronous call each. The loop's pointer lives in a `#private` field; after `stop()` every call
 * is a no-op, and the memory is freed once the last `wait()` has returned.
 */
import { shim } from "../wiredtiger/load.ts";
import { FastReads } from "./fast.ts";

export { FastFlag, FastKind, FastReads, FastShape, type ServedFn } from "./fast.ts";

/** Kinds of events the I/O thread queues (io_loop.c EV_*). */
export const IoEvent = { ACCEPT: 1, FRAME: 2, CLOSED: 3, BAD_LENGTH: 4, DRAINED: 5 } as const;

/** Flags of {@link FrameLoop.send} (io_loop.c SCT_IO_*). */
export const SendFlag = {
  /** Done with the connection's current request: the next whole message may be delivered. */
  DONE: 1,
  /** Close the connection after sending what the socket takes now (the rest is dropped). */
  CLOSE: 2,
  /** Close the connection at once, unsent bytes dropped. */
  CLOSE_NOW: 4,
  /**
   * Nothing else waits for this thread: send on it (a nonblocking `send`, no wake-up of the I/O thread)
   * when nothing is queued before these bytes and no request waits to be taken; with DONE, the next
   * request is let in here too. Otherwise (or for what the socket does not take) the I/O thread sends.
   */
  DIRECT: 8,
  /** Queue a DRAINED event once every byte sent to the connection before this is in the kernel. */
  NOTIFY: 32,
} as const;

/**
 * One event: ACCEPT (text `remote\0local`), FRAME (the message, owned), CLOSED (reason text), BAD_LENGTH,
 * DRAINED (the out-queue is empty, after a NOTIFY).
 */
export interface IoEventSink {
  accept(id: number, remote: string, local: string): void;
  frame(id: number, frame: Uint8Array): void;
  closed(id: number, reason: string): void;
  badLength(id: number, length: number): void;
  drained(id: number): void;
}

const HEADER = 12;
/** The largest request a lone connection's reply call takes itself (the I/O thread's small buffer). */
const LONE_MAX = 4096;
const TAKE_BUFFER = 256 * 1024;
const dec = new TextDecoder();

export class FrameLoop {
  #ptr: Deno.PointerValue;
  #stopped = false;
  #waiting: Promise<number | null> | undefined;
  /** The last take() found nothing queued, which armed the doorbell. */
  #armed = false;
  readonly #bell: Deno.Conn;
  readonly #bellBuf = new Uint8Array(64);
  #buf = new Uint8Array(TAKE_BUFFER);
  #view = new DataView(this.#buf.buffer);
  readonly #meta = new BigInt64Array(5);
  #fast: FastReads | undefined;
  readonly #next = new Uint8Array(LONE_MAX);
  readonly port: number;

  private constructor(ptr: Deno.PointerValue, port: number, bell: Deno.Conn) {
    this.#ptr = ptr;
    this.port = port;
    this.#bell = bell;
  }

  /**
   * Listen on hostname:port (0 = a free port) and start the I/O thread. `budgetBytes`: bytes of large
   * messages (over 4 KiB) held at once across connections; past it, connections wait to read more.
   * Throws `Deno.errors.AddrInUse` and the like as `Deno.listen` does.
   */
  static async open(
    hostname: string,
    port: number,
    maxMessageBytes: number,
    budgetBytes: number,
    second = false,
  ): Promise<FrameLoop> {
    const enc = new TextEncoder();
    const dir = Deno.makeTempDirSync({ prefix: "secantus-io-" });
    const bellPath = `${dir}/bell`;
    try {
      const meta = new BigInt64Array(2);
      const rc = shim().sct_io_open(
        enc.encode(hostname + "\0"),
        port,
        maxMessageBytes,
        BigInt(budgetBytes),
        enc.encode(bellPath + "\0"),
        meta,
        second ? IO_OPEN_SECOND : 0,
      );
      if (rc !== 0) throw listenError(rc, hostname, port);
      const ptr = Deno.UnsafePointer.create(meta[0]!);
      let bell: Deno.Conn;
      try {
        bell = await Deno.connect({ transport: "unix", path: bellPath });
        const arc = shim().sct_io_bell_accept(ptr);
        if (arc !== 0) {
          bell.close();
          throw new Error(`frame I/O doorbell: accept failed (errno ${arc})`);
        }
      } catch (e) {
        shim().sct_io_stop(ptr);
        shim().sct_io_free(ptr);
        throw e;
      }
      return new FrameLoop(ptr, Number(meta[1]), bell);
    } finally {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* best effort */ }
    }
  }

  /**
   * After answering a request itself, the I/O thread polls for the next one up to `micros` µs before it
   * sleeps (0: never; shim/io_loop.c sct_io_spin). Returns the value in effect (0 when the process may
   * run on one CPU only).
   */
  spin(micros: number): number {
    return this.#stopped ? 0 : shim().sct_io_spin(this.#ptr, Math.max(0, Math.min(micros, 1_000_000)));
  }

  /**
   * When it goes idle after answering requests itself, the I/O thread takes, touches and frees a block of
   * `bytes` so that its arena's next pages are faulted in before a request needs them (0: never;
   * shim/io_loop.c io_cushion). Keep it below malloc's trim threshold (ffi/libc/malloc.ts ioCushionBytes).
   * Returns the value in effect.
   */
  cushion(bytes: number): number {
    return this.#stopped
      ? 0
      : shim().sct_io_cushion(this.#ptr, Math.max(0, Math.min(Math.trunc(bytes), 1 << 30)));
  }

  /**
   * Resolves true once events are queued, false once the loop has stopped. One wait at a time; every
   * call is one event-loop turn (a doorbell read), even when events are already waiting.
   */
  async wait(): Promise<boolean> {
    if (this.#stopped) return false;
    // a take() that found nothing queued armed the doorbell already
    if (!this.#armed) shim().sct_io_arm(this.#ptr);
    this.#armed = false;
    this.#waiting = this.#bell.read(this.#bellBuf).catch(() => null);
    const r = await this.#waiting;
    this.#waiting = undefined;
    if (this.#stopped) this.#freeIfIdle();
    return r !== null && !this.#stopped;
  }

  /** Events queued right now (a hint that requests are waiting). */
  queued(): number {
    return this.#stopped ? 0 : shim().sct_io_queued(this.#ptr);
  }

  /** Hand every queued event to `sink`, in order; returns how many. */
  take(sink: IoEventSink): number {
    let n = 0;
    while (!this.#stopped) {
      let buf = this.#buf;
      let used = shim().sct_io_take(this.#ptr, buf, buf.length);
      if (used === 0) {
        this.#armed = true;
        break;
      }
      let own = false;
      if (used < 0) {
        // One event larger than the reused buffer (a large message): its own buffer, no second copy.
        buf = new Uint8Array(-used);
        used = shim().sct_io_take(this.#ptr, buf, buf.length);
        own = true;
      }
      const view = own ? new DataView(buf.buffer) : this.#view;
      let off = 0;
      while (off < used) {
        const type = view.getUint32(off, true);
        const id = view.getUint32(off + 4, true);
        const len = view.getUint32(off + 8, true);
        const at = off + HEADER;
        off = at + ((len + 3) & ~3);
        n++;
        switch (type) {
          case IoEvent.FRAME:
            sink.frame(id, own ? buf.subarray(at, at + len) : buf.slice(at, at + len));
            break;
          case IoEvent.ACCEPT: {
            const [remote = "unknown", local = "unknown"] = dec.decode(buf.subarray(at, at + len)).split(
              "\0",
            );
            sink.accept(id, remote, local);
            break;
          }
          case IoEvent.CLOSED:
            sink.closed(id, dec.decode(buf.subarray(at, at + len)));
            break;
          case IoEvent.BAD_LENGTH:
            sink.badLength(id, view.getInt32(at, true));
            break;
          case IoEvent.DRAINED:
            sink.drained(id);
            break;
        }
      }
    }
    return n;
  }

  /**
   * Send `bytes` to connection `id` ({@link SendFlag}s): a copy queued for the I/O thread, or with
   * DIRECT sent from this thread when nothing is queued before it.
   */
  send(id: number, bytes: Uint8Array | null, flags = 0): void {
    if (this.#stopped) return;
    shim().sct_io_send(this.#ptr, id, bytes, bytes === null ? 0 : bytes.length, flags);
  }

  /**
   * The last reply of connection `id`'s request, sent from this thread (DONE | DIRECT: nothing else is
   * served or queued), after which this thread takes the connection's next request itself, waiting up
   * to `waitUs` µs for it (blocking this thread: the I/O thread's events for JS end the wait at once).
   * Returns that request (owned bytes), 0 when none was taken, -1 when none came within `waitUs`; in
   * both cases the connection is the I/O thread's again, as after {@link send}.
   */
  reply(id: number, bytes: Uint8Array | null, flags: number, waitUs: number): Uint8Array | 0 | -1 {
    if (this.#stopped) return 0;
    const n = shim().sct_io_reply(
      this.#ptr,
      id,
      bytes,
      bytes === null ? 0 : bytes.length,
      flags,
      this.#next,
      LONE_MAX,
      waitUs,
    );
    if (n > 0) return this.#next.slice(0, n);
    return n === -1 ? -1 : 0;
  }

  /** Stop accepting new connections (open ones go on). */
  stopListening(): void {
    this.send(0, null, 0);
  }

  /**
   * Has connection `id`'s peer hung up (FIN, reset, error) or is the connection gone? A zero-timeout
   * poll of its socket (the shim's sct_io_peer_gone); asked about requests that run a while.
   */
  peerGone(id: number): boolean {
    return this.#stopped || shim().sct_io_peer_gone(this.#ptr, id) !== 0;
  }

  /** -1: gone; else bit 0 = a started message is held, bit 1 = waiting for the byte budget. */
  state(id: number): number {
    return this.#stopped ? -1 : shim().sct_io_state(this.#ptr, id, this.#meta);
  }

  /**
   * The large message connection `id` is reading under a budget reservation: ms since it got it and
   * its bytes so far, and how many connections wait for the budget; undefined when it holds none.
   */
  reservation(id: number): { ms: number; bytes: number; waiting: number } | undefined {
    if (this.#stopped || shim().sct_io_state(this.#ptr, id, this.#meta) < 0 || this.#meta[0]! < 0) {
      return undefined;
    }
    return { ms: Number(this.#meta[0]), bytes: Number(this.#meta[1]), waiting: Number(this.#meta[2]) };
  }

  /** Reply bytes of connection `id` the kernel has taken so far; undefined when it is gone. */
  sent(id: number): number | undefined {
    if (this.#stopped || shim().sct_io_state(this.#ptr, id, this.#meta) < 0) return undefined;
    return Number(this.#meta[3]);
  }

  /**
   * ms since the I/O thread last answered a request of connection `id` itself (ffi/io/fast.ts); undefined
   * when it never did or the connection is gone.
   */
  quietMs(id: number): number | undefined {
    if (this.#fast === undefined || this.#stopped || shim().sct_io_state(this.#ptr, id, this.#meta) < 0) {
      return undefined;
    }
    const ms = this.#meta[4]!;
    return ms < 0n ? undefined : Number(ms);
  }

  /**
   * Connection `id` was taken in (within the connection limits): the I/O thread may answer its point
   * reads itself from now on (until then, and for a refused one, every request is JS's).
   */
  admit(id: number): void {
    if (!this.#stopped) shim().sct_fast_admit(this.#ptr, id);
  }

  /**
   * Let the I/O thread answer point reads and pings itself, reading through its own session of the
   * WiredTiger connection `wtConnection` (which must stay open until {@link stop}, which detaches first).
   * `logged`: the connection's commits write its log (on disk; not `in_memory`), so the writes made
   * there share one log write per turn of the loop, their replies sent after it.
   * Returns the switches and log ({@link FastReads}); undefined when the shim refused.
   */
  attachFastReads(wtConnection: Deno.PointerObject, logged: boolean): FastReads | undefined {
    if (this.#stopped) return undefined;
    if (this.#fast) return this.#fast;
    if (shim().sct_fast_attach(this.#ptr, wtConnection, logged ? 1 : 0) !== 0) return undefined;
    return this.#fast = new FastReads(this.#ptr);
  }

  /**
   * Hand every other connection this (listening) loop accepts to `second` (opened as a second loop,
   * listening nowhere; shim/io_loop.c sct_io_pair): false when the shim refused.
   */
  pair(second: FrameLoop): boolean {
    if (this.#stopped || second.#ptr === null) return false;
    return shim().sct_io_pair(this.#ptr, second.#ptr) === 0;
  }

  /**
   * This loop's fast path (attached, nothing registered) takes `first`'s clock and record id counters
   * (shim/io_fast.c sct_fast_share): false when the shim refused.
   */
  shareFast(first: FrameLoop): boolean {
    if (this.#stopped || first.#ptr === null) return false;
    return shim().sct_fast_share(this.#ptr, first.#ptr) === 0;
  }

  /** Join the I/O thread, closing every socket (unsent bytes dropped); freed once idle. Idempotent. */
  stop(): void {
    this.halt();
    this.#freeIfIdle();
  }

  /**
   * Join the I/O thread, closing every socket, and free nothing yet: a paired loop (`pair`) uses the other's
   * budget and wakes it, so both are halted before either is freed (`stop`). Idempotent.
   */
  halt(): void {
    if (this.#stopped) return;
    this.#fast?.detach();
    this.#stopped = true;
    shim().sct_io_stop(this.#ptr);
  }

  #freeIfIdle(): void {
    if (this.#waiting !== undefined || this.#ptr === null) return;
    try {
      this.#bell.close();
    } catch { /* already closed */ }
    shim().sct_io_free(this.#ptr);
    this.#ptr = null;
  }
}

/** sct_io_open's flag for a second loop (shim/io_loop.h SCT_IO_OPEN_SECOND): no socket of its own. */
const IO_OPEN_SECOND = 2;

function listenError(errno: number, hostname: string, port: number): Error {
  const where = `${hostname}:${port}`;
  switch (errno) {
    case 98:
      return new Deno.errors.AddrInUse(`Address already in use (os error 98): ${where}`);
    case 99:
      return new Deno.errors.AddrNotAvailable(`Cannot assign requested address (os error 99): ${where}`);
    case 13:
      return new Deno.errors.PermissionDenied(`Permission denied (os error 13): ${where}`);
    default:
      return new Error(`listen on ${where} failed (errno ${errno})`);
  }
}
