/**
 * `[server] io = "shim"`: the listening socket and every accepted socket are served by the shim's frame
 * I/O thread (ffi/io, `io_loop.c`): it accepts, reads, assembles whole wire messages (the same
 * [16, maxMessageSizeBytes] bounds as frame_reader.ts, and a shared byte budget for large ones) and
 * sends replies, on the machine's other core. This module turns its events into
 * {@link Transport}s for connection.ts, so every per-connection rule stays in one place.
 *
 * One pump per listener: `await loop.wait()` (one doorbell read, rung by the I/O thread), then
 * `loop.take()` hands over every queued event at once — accepts, whole messages, closes — so at 16
 * busy connections one wake-up serves many requests (the doorbell read is the same reactor read a Deno socket
 * costs, once per batch instead of once per request). A reply is one synchronous `send` that copies it into the connection's out-queue; the
 * last write of a request also lets the connection's next message in (one request at a time). When no
 * other request is being served (`held.n` ≤ 1: one busy connection; a request parked in a wait without
 * work, `park`, does not count), the reply is sent from this thread instead (`SendFlag.DIRECT`): at one
 * connection a request then crosses one thread, not two.
 *
 * A lone connection goes further (`FrameLoop.reply`): after its direct last reply this thread takes the
 * connection's next request itself, waiting up to {@link LONE_WAIT_US} for it in the shim (the I/O
 * thread stops watching that socket meanwhile), so at one busy connection a request wakes this thread
 * alone, as on Deno's sockets. A wait that runs out (a client with think time) or is cut short by other
 * events backs off: the next 1, 2, 4 … 64 requests of that connection skip it. A request taken this way
 * is handed on without an event-loop turn (a synchronous command answers it in the same chain of
 * microtasks), so after {@link LONE_RUN_MAX} of them in a row the next one goes through the I/O thread
 * and the doorbell again: timers and other I/O get their turn at least that often.
 *
 * The byte budget and its slow-sender rule (`hoggingBudget`, frame_reader.ts's `arrivesTooSlowly`)
 * apply as on Deno's path, from the I/O thread's reservation figures. TLS keeps Deno's path (tls.ts).
 *
 * Output backpressure: a `write` is a copy into the I/O thread's out-queue, so a client that sends
 * requests and never reads would have their replies pile up there without bound. Once a connection's
 * reply bytes not yet taken by the kernel pass {@link OUT_BACKLOG_MAX}, `write` returns a promise that
 * resolves when the I/O thread has sent them all (a NOTIFY / DRAINED pair), so connection.ts produces
 * the next reply (or reads the next request) only then — as Deno's path awaits `conn.write`. A stalled
 * reader so holds at most one reply plus that bound, and is a busy connection (no idle timeout), as on
 * Deno's path; shutdown force-closes it after its timeout.
 */
import { type FastReads, FrameLoop, type IoEventSink, SendFlag } from "../../ffi/io/mod.ts";
import { ioCushionBytes } from "../../ffi/libc/malloc.ts";
import { checkMessageLength, FrameError } from "../wire/mod.ts";
import { arrivesTooSlowly } from "./frame_reader.ts";
import { readCpuQuota, spinMicrosUnder } from "./cpu_quota.ts";
import type { Transport } from "./transport.ts";

/**
 * How long (µs) the JS thread waits in the shim for a lone connection's next request after replying: a
 * bounded block of this thread (no CPU: a ppoll), ended at once by any other event for JS.
 */
export const LONE_WAIT_US = loneWaitUs();

function loneWaitUs(): number {
  try {
    const v = Deno.env.get("SECANTUS_IO_LONE_US");
    if (v !== undefined && /^\d+$/.test(v)) return Number(v);
  } catch { /* no env permission */ }
  return 200;
}

/** Requests of a connection that skip the lone wait after it ran out, at most (doubling from 1). */
const LONE_BACKOFF_MAX = 64;

/** Requests taken on the JS thread in a row before one goes through the doorbell (an event-loop turn). */
const LONE_RUN_MAX = 32;

/**
 * Reply bytes of one connection handed to the I/O thread and not yet taken by the kernel, past which a
 * write waits for them to go out (a client that does not read its replies holds at most this plus one).
 */
export const OUT_BACKLOG_MAX = 1024 * 1024;

/** Listener-wide: messages delivered and not yet done with; lone takes since the doorbell last rang. */
export interface Held {
  n: number;
  run: number;
}

/** One connection of the I/O thread. */
export class ShimTransport implements Transport {
  readonly peerSubject = undefined;
  #frame: Uint8Array | null = null;
  #waiter: { resolve: (f: Uint8Array | null) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: FrameError | undefined;
  #closed = false;
  /** DONE already sent for the current request (with its last reply). */
  #doneSent = true;
  #cutMidMessage = false;
  /** A message delivered and not yet done with (counted in `held.n` unless parked). */
  #held = false;
  /** The held message waits without work (`park`): not counted in `held.n` meanwhile. */
  #parked = false;
  /** Lone replies to skip before trying one again, and the next skip after a miss. */
  #loneSkip = 0;
  #loneBackoff = 1;
  /** Reply bytes handed to the I/O thread, and the kernel's total when last asked (ffi `sent`). */
  #handed = 0;
  #sentSeen = 0;
  /** The connection layer has asked for a request (the connection was not refused). */
  #admitted = false;
  /** A write waiting for the out-queue to drain (over OUT_BACKLOG_MAX). */
  #drain: { resolve: () => void; reject: (e: unknown) => void } | undefined;

  constructor(
    private readonly loop: FrameLoop,
    readonly id: number,
    readonly remoteAddress: string,
    readonly localAddress: string | undefined,
    /** Messages delivered to the listener's connections and not yet done with. */
    private readonly held: Held = { n: 0, run: 0 },
  ) {}

  /** The current message is done with (its DONE sent, or the connection gone). */
  #unhold(): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#parked) this.#parked = false;
    else this.held.n--;
  }

  /**
   * The held request waits without work (an awaitable hello: a driver's monitor keeps one waiting on
   * its own connection all the time) or works again. A parked request does not count as one being
   * served, so the others still get direct replies and the lone take: with it counted, every request of
   * a driver's pool went through the I/O thread and the doorbell both ways (a raw ping's server CPU 37 →
   * 152 µs beside one waiting hello, wr16).
   */
  park(on: boolean): void {
    if (on) {
      if (!this.#held || this.#parked) return;
      this.#parked = true;
      this.held.n--;
    } else if (this.#parked) {
      this.#parked = false;
      this.held.n++;
    }
  }

  next(): Promise<Uint8Array | null> {
    if (!this.#admitted) {
      // the connection layer reads it: it was taken in, not refused (listener.ts's limits), so the I/O
      // thread may answer its point reads itself from now on
      this.#admitted = true;
      if (!this.#closed && !this.#ended) this.loop.admit(this.id);
    }
    const f = this.#frame;
    if (f !== null) {
      this.#frame = null;
      this.#doneSent = false;
      return Promise.resolve(f);
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended || this.#closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.#waiter = { resolve, reject });
  }

  release(): void {
    if (this.#doneSent) return;
    this.#doneSent = true;
    const direct = this.held.n <= 1 ? SendFlag.DIRECT : 0;
    this.#unhold();
    if (this.#closed || this.#ended) return;
    if (direct !== 0 && this.#lone(null)) return;
    this.loop.send(this.id, null, SendFlag.DONE | direct);
  }

  /**
   * The last reply of a lone connection's request, then its next request taken on this thread (when
   * one comes within LONE_WAIT_US): false when the connection skips that this time (send as usual).
   */
  #lone(bytes: Uint8Array | null): boolean {
    if (LONE_WAIT_US <= 0) return false;
    if (this.#loneSkip > 0) {
      this.#loneSkip--;
      return false;
    }
    if (this.held.run >= LONE_RUN_MAX) return false; // the next request comes by the doorbell
    const r = this.loop.reply(this.id, bytes, SendFlag.DONE | SendFlag.DIRECT, LONE_WAIT_US);
    if (r instanceof Uint8Array) {
      this.held.run++;
      this.#loneBackoff = 1;
      this.deliver(r);
    } else {
      this.#loneSkip = this.#loneBackoff;
      this.#loneBackoff = Math.min(this.#loneBackoff * 2, LONE_BACKOFF_MAX);
    }
    return true;
  }

  /**
   * Hand reply bytes to the I/O thread; when no other request is being served (one connection busy),
   * sent from this thread instead (`SendFlag.DIRECT`: no thread hand-off for the reply).
   */
  write(bytes: Uint8Array, last: boolean): number | Promise<number> {
    if (this.#closed || this.#ended) throw new Deno.errors.BrokenPipe("connection closed");
    const done = last && !this.#doneSent;
    const direct = this.held.n <= 1 ? SendFlag.DIRECT : 0;
    if (done) {
      this.#doneSent = true;
      this.#unhold();
      if (direct !== 0 && this.#lone(bytes)) return this.#backpressure(bytes.length);
    }
    this.loop.send(this.id, bytes, (done ? SendFlag.DONE : 0) | direct);
    return this.#backpressure(bytes.length);
  }

  /**
   * `n` more bytes were handed over: n, or (past OUT_BACKLOG_MAX not yet in the kernel) a promise of n
   * once the I/O thread has sent everything. The kernel's count is asked for only when the bytes handed
   * since it was last asked pass the bound (no FFI call per small reply).
   */
  #backpressure(n: number): number | Promise<number> {
    this.#handed += n;
    if (this.#handed - this.#sentSeen <= OUT_BACKLOG_MAX) return n;
    const sent = this.loop.sent(this.id);
    if (sent === undefined) return n; // gone: its CLOSED event follows
    this.#sentSeen = sent;
    if (this.#handed - sent <= OUT_BACKLOG_MAX) return n;
    return new Promise<number>((resolve, reject) => {
      this.#drain = { resolve: () => resolve(n), reject };
      this.loop.send(this.id, null, SendFlag.NOTIFY);
    });
  }

  /** The I/O thread sent every byte handed to it (after a NOTIFY). */
  drained(): void {
    const d = this.#drain;
    this.#drain = undefined;
    this.#sentSeen = this.#handed;
    d?.resolve();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#ended) this.loop.send(this.id, null, SendFlag.CLOSE);
    this.#end(null);
  }

  peerGone(): boolean {
    return this.#closed || this.#ended || this.loop.peerGone(this.id);
  }

  get pending(): number {
    return this.#cutMidMessage ? 1 : 0;
  }

  get midMessage(): boolean {
    return this.#state() & 1 ? true : false;
  }

  get waitingForBudget(): boolean {
    return this.#state() & 2 ? true : false;
  }

  hoggingBudget(_now: number): boolean {
    if (this.#closed || this.#ended) return false;
    const r = this.loop.reservation(this.id);
    return r !== undefined && r.waiting > 0 && arrivesTooSlowly(r.ms / 1000, r.bytes);
  }

  get ioId(): number {
    return this.id;
  }

  quietMs(): number | undefined {
    return this.#closed || this.#ended ? undefined : this.loop.quietMs(this.id);
  }

  #state(): number {
    if (this.#closed || this.#ended) return 0;
    const s = this.loop.state(this.id);
    return s < 0 ? 0 : s;
  }

  /** A whole message from the I/O thread (at most one is outstanding: the next waits for DONE). */
  deliver(frame: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#held) {
      this.#held = true;
      this.held.n++;
    }
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      this.#doneSent = false;
      w.resolve(frame);
    } else {
      this.#frame = frame;
    }
  }

  /** The I/O thread closed the socket (peer left, error, or server stop). */
  ended(reason: string): void {
    this.#cutMidMessage = reason === "peer closed mid-message";
    this.#ended = true;
    this.#end(null);
  }

  /** The I/O thread refused a message length and stopped reading; the connection then closes it. */
  badLength(length: number): void {
    let err: FrameError;
    try {
      checkMessageLength(length);
      err = new FrameError(`invalid message length ${length}`);
    } catch (e) {
      err = e instanceof FrameError ? e : new FrameError(String(e));
    }
    this.#error = err;
    this.#end(err);
  }

  #end(err: FrameError | null): void {
    this.#unhold();
    const d = this.#drain;
    this.#drain = undefined;
    d?.reject(new Deno.errors.BrokenPipe("connection closed"));
    const w = this.#waiter;
    if (!w) return;
    this.#waiter = undefined;
    if (err) w.reject(err);
    else w.resolve(null);
  }
}

/** A listening socket of the I/O thread, with the `accept()` shape listener.ts uses. */
export class ShimListener {
  readonly port: number;
  readonly hostname: string;
  /** The I/O loops (one, or two sharing the port: connection ids are unique across them). */
  readonly #loops: FrameLoop[];
  readonly #conns = new Map<number, ShimTransport>();
  /** Messages delivered and not yet done with, across connections (a reply is sent directly at ≤ 1). */
  readonly #held: Held = { n: 0, run: 0 };
  readonly #accepted: ShimTransport[] = [];
  #acceptWaiter: { resolve: (t: ShimTransport) => void; reject: (e: unknown) => void } | undefined;
  #listening = true;
  readonly #pumps: Promise<void>[];

  /** µs the I/O thread polls for a next request after answering one itself before it sleeps (in effect). */
  readonly spinMicros: number;
  /** Frame I/O threads serving the connections (1, or 2 when a second one was asked for and started). */
  get loopCount(): number {
    return this.#loops.length;
  }
  /** Bytes the I/O thread faults in for its next requests when it goes idle (FrameLoop.cushion; 0: none). */
  readonly cushionBytes: number;

  /** Listen on hostname:port and start the I/O thread (polling `spinMicros` µs after its own answers). */
  static async open(
    hostname: string,
    port: number,
    maxMessageBytes: number,
    budgetBytes: number,
    spinMicros = 0,
    loopCount = 1,
  ): Promise<ShimListener> {
    // (a second loop only where two CPUs may run it: the CPUs the process may use, and its quota)
    const quota = readCpuQuota();
    const two = loopCount >= 2 && navigator.hardwareConcurrency >= 2 && (quota === undefined || quota >= 2);
    const loops = [await FrameLoop.open(hostname, port, maxMessageBytes, budgetBytes)];
    if (two) {
      // the second listens nowhere: the first hands it every other connection it accepts
      try {
        const second = await FrameLoop.open(hostname, loops[0]!.port, maxMessageBytes, budgetBytes, true);
        if (loops[0]!.pair(second)) loops.push(second);
        else second.stop();
      } catch { /* one loop, then */ }
    }
    // (the shim also refuses when the process may run on one CPU; this, when it may use one CPU's time)
    const spin = spinMicros > 0 ? spinMicrosUnder(spinMicros, quota) : 0;
    const cushion = ioCushionBytes();
    let spun = 0;
    let cushioned = 0;
    for (const l of loops) {
      spun = l.spin(spin);
      cushioned = l.cushion(cushion);
    }
    return new ShimListener(hostname, loops, spun, cushioned);
  }

  private constructor(hostname: string, loops: FrameLoop[], spinMicros: number, cushionBytes: number) {
    this.#loops = loops;
    this.spinMicros = spinMicros;
    this.cushionBytes = cushionBytes;
    this.port = loops[0]!.port;
    this.hostname = hostname;
    this.#pumps = loops.map((loop) => this.#pump(loop));
  }

  #pump(loop: FrameLoop): Promise<void> {
    const sink: IoEventSink = {
      accept: (id, remote, local) => {
        const t = new ShimTransport(loop, id, remote, local, this.#held);
        this.#conns.set(id, t);
        if (!this.#listening) return t.close();
        const w = this.#acceptWaiter;
        if (w) {
          this.#acceptWaiter = undefined;
          w.resolve(t);
        } else {
          this.#accepted.push(t);
        }
      },
      frame: (id, frame) => this.#conns.get(id)?.deliver(frame),
      closed: (id, reason) => {
        this.#conns.get(id)?.ended(reason);
        this.#conns.delete(id);
      },
      badLength: (id, length) => {
        this.#conns.get(id)?.badLength(length);
        this.#conns.delete(id);
      },
      drained: (id) => this.#conns.get(id)?.drained(),
    };

    return (async () => {
      while (await loop.wait()) {
        this.#held.run = 0; // an event-loop turn
        loop.take(sink);
      }
    })();
  }

  /**
   * Let the I/O thread answer finds by `_id` and pings itself through its own session of WiredTiger
   * connection `wtConnection` (ffi/io/fast.ts); detached when the loop stops.
   */
  attachFastReads(wtConnection: Deno.PointerObject, logged: boolean): FastReads | undefined {
    const [first, ...others] = this.#loops;
    const fast = first!.attachFastReads(wtConnection, logged);
    if (fast === undefined) return undefined;
    // another loop answers nothing itself unless it shares the first's clock and record id counters
    for (const loop of others) {
      const more = loop.attachFastReads(wtConnection, logged);
      if (more !== undefined && loop.shareFast(first!)) fast.join(more);
    }
    return fast;
  }

  /** Requests (or other events) queued by the I/O thread and not yet taken: others are waiting. */
  queued(): number {
    let n = 0;
    for (const l of this.#loops) n += l.queued();
    return n;
  }

  /** The next accepted connection; rejects with BadResource once `close()` was called. */
  accept(): Promise<ShimTransport> {
    const t = this.#accepted.shift();
    if (t) return Promise.resolve(t);
    if (!this.#listening) return Promise.reject(new Deno.errors.BadResource("listener closed"));
    return new Promise((resolve, reject) => this.#acceptWaiter = { resolve, reject });
  }

  /** Stop accepting (open connections go on until `stop()`). */
  close(): void {
    if (!this.#listening) return;
    this.#listening = false;
    for (const l of this.#loops) l.stopListening();
    for (const t of this.#accepted.splice(0)) t.close();
    const w = this.#acceptWaiter;
    this.#acceptWaiter = undefined;
    w?.reject(new Deno.errors.BadResource("listener closed"));
  }

  /** Stop the I/O thread (joined; every socket closed) and end every connection. */
  async stop(): Promise<void> {
    this.close();
    for (const l of this.#loops) l.halt(); // (every thread joined before any loop is freed: they share state)
    for (const l of this.#loops) l.stop();
    await Promise.all(this.#pumps);
    for (const t of this.#conns.values()) t.ended("server stopped");
    this.#conns.clear();
  }
}
