/**
 * OpControl: the one cooperative-yield and interruption point of a running operation (the concurrency
 * model of docs/concurrency.md). Every JS connection shares one event loop, so any loop over
 * documents calls `due()` (cheap: a counter; the clock is read every `stride` calls, a stride that
 * starts at 1, doubles up to `checkEvery` while items are cheap, and shrinks as soon as one stride took
 * a quarter of the slice — so a loop whose items cost 10 ms each still yields after every item
 * instead of after 64 of them, issue 11) and, when it returns true, `await yieldNow()`, which
 *
 * - throws `CommandError("MaxTimeMSExpired")` (code 50) once the deadline (`maxTimeMS`) has passed,
 * - throws `CommandError("Interrupted")` once `kill()` was called (killOp, shutdown), or the code
 *   `kill` names (146 when the memory watchdog picks this operation as the biggest, issue 11),
 * - throws `CommandError("ExceededMemoryLimit")` while the memory watchdog stops every operation,
 * - otherwise waits one macrotask so other connections' reads, timers and replies run.
 *
 * Code that cannot await (a pure engine's sync generator) cannot yield itself: it passes a pause
 * marker up to an async caller, which awaits there (see engine/aggregate/pause.ts). The clock is
 * injected (tests); the yield is a timer turn (`nextMacrotask`), or while no other request is arriving
 * the cheaper `setQuietYield` primitive the server installs.
 */
import { CommandError } from "../errors/command_error.ts";
import type { ErrorCodeName } from "../errors/codes.ts";
import { delay } from "../timers.ts";

export interface OpControlOptions {
  /** Epoch-ms deadline (Date.now() scale of `now`); undefined = none. */
  readonly deadline?: number | undefined;
  /** Work time between yields, in ms (default 4; docs/concurrency.md). */
  readonly quantumMs?: number;
  /** `due()` reads the clock at most once every this many calls (default 64; adaptive below it). */
  readonly checkEvery?: number;
  readonly now?: () => number;
}

/**
 * A process-wide hook that each running server installs (several servers may share one process, e.g.
 * embedded in a test): the most recent installation still in place is current; uninstalling one
 * leaves the others' in place, and with none the fallback is current.
 */
class ProcessHook<T> {
  #installed: { readonly fn: T }[] = [];
  current: T;
  constructor(readonly fallback: T) {
    this.current = fallback;
  }
  install(fn: T): () => void {
    const entry = { fn };
    this.#installed.push(entry);
    this.current = fn;
    return () => {
      const at = this.#installed.indexOf(entry);
      if (at < 0) return;
      this.#installed.splice(at, 1);
      this.current = this.#installed.at(-1)?.fn ?? this.fallback;
    };
  }
}

/**
 * The process-wide memory-pressure check (issue 11): the memory watchdog installs it; while it returns
 * a message, every running operation stops at its next yield point with 146 ExceededMemoryLimit (the
 * watchdog's last resort: it first stops the operations holding the most memory, one at a time).
 */
const memoryPressure = new ProcessHook<() => string | undefined>(() => undefined);

/**
 * The yield used while no other request is arriving (`setQuietYield`; default: the timer turn). The
 * server installs an async no-op on a thread (`threadPoolRoundTrip`): it also lets Deno poll sockets,
 * so a new request is still read at the next yield, but costs ~0.05 ms instead of the timer turn's
 * 1–2.5 ms, which an operation running alone used to lose every 4 ms slice (~30–50% of its time).
 * Once another request has started (`#contended`), yields are timer turns again: they leave the
 * other clients the loop for a while (their p99 with the cheap yield at every turn: 7–16 ms instead
 * of 2.5–5 ms, bench/head_of_line.ts).
 */
const quietYield = new ProcessHook<() => Promise<void>>(nextMacrotask);
/** Every this many quiet yields in a row, a timer turn anyway (bounds any starvation to ~8 slices). */
const TIMER_TURN_EVERY = 8;

/** Installs the quiet-time yield; returns the uninstall function. */
export function setQuietYield(yieldFn: () => Promise<void>): () => void {
  return quietYield.install(yieldFn);
}

/** Installs the memory-pressure check; returns a function that uninstalls it. */
export function setMemoryPressureCheck(check: () => string | undefined): () => void {
  return memoryPressure.install(check);
}

/** The message of a kill on client disconnect (279 ClientDisconnect). */
export const CLIENT_DISCONNECTED = "operation was interrupted because a client disconnected";
/** How often a loop that cannot yield asks its client's connection (`checkInLoop`). */
const PEER_POLL_MS = 100;

const DEFAULT_QUANTUM_MS = 4;
/** The slice while other requests are arriving (docs/concurrency.md, "adaptive slice"). */
const CONTENDED_QUANTUM_MS = 1;
/** How long after a request started the slice stays contended. */
const CONTENDED_WINDOW_MS = 20;
const DEFAULT_CHECK_EVERY = 64;

/**
 * When the last request started, process-wide (dispatch reports every request). A scheduling hint, not
 * state: while other clients are sending requests, long operations run 1 ms slices so a point read
 * waits at most ~1 ms for the loop; alone, they keep 4 ms slices and lose less to yields.
 */
let lastRequestAt = Number.NEGATIVE_INFINITY;
/** Requests started so far: an operation is contended only by requests that started after it. */
let requestsStarted = 0;
/**
 * Whether requests are queued but not yet started (`setRequestsWaiting`; the shim's frame I/O thread
 * can tell synchronously, src/server/shim_transport.ts): such an operation is contended too.
 */
let requestsWaiting: () => boolean = () => false;

/** Installs the "requests are waiting" check; returns the uninstall function. */
export function setRequestsWaiting(check: () => boolean): () => void {
  requestsWaiting = check;
  return () => {
    if (requestsWaiting === check) requestsWaiting = () => false;
  };
}

/** Dispatch calls this as each request starts, before it builds the request's control. */
export function noteRequestStarted(now: number = Date.now()): void {
  lastRequestAt = now;
  requestsStarted++;
}

export class OpControl {
  readonly deadline: number | undefined;
  readonly #now: () => number;
  readonly #quantum: number;
  readonly #checkEvery: number;
  #calls = 0;
  /** Calls between clock reads now (1 … checkEvery). */
  #stride = 1;
  #lastRead: number;
  #sliceStart: number;
  #killed: string | undefined;
  #killCode: ErrorCodeName = "Interrupted";
  /** `requestsStarted` when this control was made (its own request included). */
  readonly #requestsSeen = requestsStarted;
  #quietYields = 0;
  /** How many times the operation yielded (tests, diagnostics). */
  yields = 0;
  /**
   * Bytes the operation's blocking stages report holding (aggregate `$group`, `$sort`, `$bucketAuto`,
   * `$setWindowFields`), shared with the getMores that continue it; the memory watchdog stops the
   * operations holding the most first. Undefined for operations that do not report.
   */
  memoryMeter: { bytes: number } | undefined;
  /**
   * The client connection, for an operation that stops when its client hangs up (read commands, as
   * mongod's markKillOnClientDisconnect): the registry's disconnect watch asks it (disconnect_watch.ts).
   */
  peer: { peerGone(): boolean } | undefined;
  /** Aborted by `kill` (created at the first `signal` read). */
  #abort: AbortController | undefined;

  constructor(opts: OpControlOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.deadline = opts.deadline;
    this.#quantum = opts.quantumMs ?? DEFAULT_QUANTUM_MS;
    this.#checkEvery = Math.max(1, opts.checkEvery ?? DEFAULT_CHECK_EVERY);
    this.#sliceStart = this.#now();
    this.#lastRead = this.#sliceStart;
  }

  /**
   * A control for a command body: its `maxTimeMS` (a positive number; 0 or absent = no limit)
   * becomes the deadline, counted from now.
   */
  static fromBody(body: Readonly<Record<string, unknown>>, now: () => number = Date.now): OpControl {
    const ms = maxTimeMSOf(body["maxTimeMS"]);
    return new OpControl({ deadline: ms > 0 ? now() + ms : undefined, now });
  }

  /**
   * A control whose deadline is `ms` from now (a cursor's leftover maxTimeMS); undefined = none.
   */
  static withTimeLeft(ms: number | undefined, now: () => number = Date.now): OpControl {
    return new OpControl({ deadline: ms === undefined ? undefined : now() + Math.max(0, ms), now });
  }

  /** Milliseconds left before the deadline (undefined without one); what a cursor carries over. */
  remainingMs(): number | undefined {
    return this.deadline === undefined ? undefined : Math.max(0, this.deadline - this.#now());
  }

  /**
   * Are other requests waiting or arriving while this operation runs (the short slice applies)? Loops
   * that cannot yield inside a step (a storage read of a chunk of documents) size their steps by it.
   */
  contended(): boolean {
    return this.#contended(this.#now());
  }

  /** Bytes held by the operation's blocking stages (0 when it does not report). */
  get memoryBytes(): number {
    return this.memoryMeter?.bytes ?? 0;
  }

  /** Ask the operation to stop at its next yield point (with `code`, default 11601 Interrupted). */
  kill(reason = "operation was interrupted", code: ErrorCodeName = "Interrupted"): void {
    if (this.#killed !== undefined) return;
    this.#killed = reason;
    this.#killCode = code;
    const sleepers = this.#sleepers;
    this.#sleepers = undefined;
    sleepers?.forEach((wake) => wake());
    this.#abort?.abort(this.killError());
    const followers = this.#followers;
    this.#followers = undefined;
    followers?.forEach((f) => f.kill(reason, code));
  }

  /** Controls that stop when this one is killed (`follow`). */
  #followers: Set<OpControl> | undefined;

  /**
   * This control stops when `parent` is killed (at once if it was), and asks the same client connection:
   * a getMore runs its batch under a control of its own (its cursor's leftover deadline), while killOp
   * and the disconnect watch reach the request's.
   */
  follow(parent: OpControl): this {
    this.peer = parent.peer;
    if (parent.#killed !== undefined) this.kill(parent.#killed, parent.#killCode);
    else (parent.#followers ??= new Set()).add(this);
    return this;
  }

  /** The error a killed operation stops with (11601, or the code `kill` named). */
  killError(): CommandError {
    return new CommandError(this.#killCode, this.#killed ?? "operation was interrupted");
  }

  /**
   * Aborted (with {@link killError}) when the operation is killed: for waits this control does not run
   * itself, such as a request to the JavaScript sandbox (engine/js/runtime.ts).
   */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.#killed !== undefined) this.#abort.abort(this.killError());
    }
    return this.#abort.signal;
  }

  /** Wake-ups of {@link sleep}s in progress (a kill ends them at once). */
  #sleepers: Set<() => void> | undefined;

  /**
   * Waits `ms` — less when the deadline comes first, and no longer once the operation is killed — then
   * checks (throws 50 or 11601): mongod's interruptible `sleepFor` (a failCommand block).
   */
  async sleep(ms: number): Promise<void> {
    this.check();
    const left = this.deadline === undefined ? ms : Math.min(ms, Math.max(0, this.deadline - this.#now()));
    await new Promise<void>((resolve) => {
      const wake = () => {
        this.#sleepers?.delete(wake);
        resolve();
      };
      (this.#sleepers ??= new Set()).add(wake);
      delay(left).then(wake);
    });
    this.check();
  }

  get killed(): boolean {
    return this.#killed !== undefined;
  }

  /**
   * True when the caller should `await yieldNow()`: the time slice is used up, the deadline passed,
   * or the operation was killed. Reads the clock only every `checkEvery` calls.
   */
  due(): boolean {
    if (++this.#calls < this.#stride) return false;
    this.#calls = 0;
    if (this.#killed !== undefined) return true;
    const t = this.#now();
    // adapt the stride to the cost of one item: expensive items → read the clock on every call
    if ((t - this.#lastRead) * 4 >= this.#quantum) this.#stride = Math.max(1, this.#stride >> 2);
    else if (this.#stride < this.#checkEvery) this.#stride = Math.min(this.#checkEvery, this.#stride * 2);
    this.#lastRead = t;
    return t - this.#sliceStart >= this.#sliceAt(t) || (this.deadline !== undefined && t >= this.deadline);
  }

  /** The slice length at time `t`: short while other requests arrive (`lastRequestAt`). */
  #sliceAt(t: number): number {
    // contended: another request started after this operation's own, within the window (negative
    // under an injected clock on another scale: not contended)
    return this.#contended(t) ? Math.min(CONTENDED_QUANTUM_MS, this.#quantum) : this.#quantum;
  }

  #contended(t: number): boolean {
    const since = t - lastRequestAt;
    return (requestsStarted > this.#requestsSeen && since >= 0 && since < CONTENDED_WINDOW_MS) ||
      requestsWaiting();
  }

  /**
   * `due()` for coarse loops (after a slice of ~1000 documents): reads the clock now.
   */
  dueNow(): boolean {
    this.#calls = 0;
    if (this.#killed !== undefined) return true;
    const t = this.#now();
    return t - this.#sliceStart >= this.#sliceAt(t) || (this.deadline !== undefined && t >= this.deadline);
  }

  /** When `checkInLoop` last asked the peer (clock ms). */
  #peerAskedAt = Number.NEGATIVE_INFINITY;

  /**
   * `check` from inside a synchronous loop that cannot yield (observability/interrupt.ts): also asks the
   * client's connection (at most every {@link PEER_POLL_MS}), since the disconnect watch's sweep cannot
   * run while the event loop is held.
   */
  checkInLoop(): void {
    const peer = this.peer;
    if (peer !== undefined && this.#killed === undefined) {
      const t = this.#now();
      if (t - this.#peerAskedAt >= PEER_POLL_MS) {
        this.#peerAskedAt = t;
        if (peer.peerGone()) this.kill(CLIENT_DISCONNECTED, "ClientDisconnect");
      }
    }
    this.check();
  }

  /** Throws if the deadline passed or the operation was killed; no yield. */
  check(): void {
    if (this.#killed !== undefined) throw this.killError();
    const pressure = memoryPressure.current();
    if (pressure !== undefined) throw new CommandError("ExceededMemoryLimit", pressure);
    if (this.deadline !== undefined && this.#now() >= this.deadline) {
      throw new CommandError("MaxTimeMSExpired", "operation exceeded time limit");
    }
  }

  /** Check, give the event loop one macrotask, check again, start a new time slice. */
  async yieldNow(): Promise<void> {
    this.check();
    const timerTurn = this.#contended(this.#now()) || ++this.#quietYields % TIMER_TURN_EVERY === 0;
    await (timerTurn ? nextMacrotask() : quietYield.current());
    this.yields++;
    this.check();
    this.#calls = 0;
    this.#sliceStart = this.#lastRead = this.#now();
  }

  /** `if (due()) await yieldNow()` for callers that await anyway (one promise per call). */
  async checkpoint(): Promise<void> {
    if (this.due()) await this.yieldNow();
  }
}

/** `maxTimeMS` as mongod reads it: a non-negative integral number; anything else → 0 (validated by params). */
export function maxTimeMSOf(v: unknown): number {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return Math.floor(v);
  if (typeof v === "bigint" && v > 0n) return Number(v);
  if (v !== null && typeof v === "object" && "toNumber" in v && typeof v.toNumber === "function") {
    const n = Number(v.toNumber());
    return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
  }
  return 0;
}

/**
 * Resolves after one event-loop turn in which I/O was polled: `setTimeout(0)`. Measured on Deno 2.9
 * (docs/concurrency.md): it lets waiting sockets run (echo client p99 ~2 ms beside a loop doing 2 ms
 * of work per yield) but costs ~1–2.5 ms when nothing else is ready; `setImmediate` (~6 µs) and a
 * MessageChannel message (~35 µs) are cheaper but do not let Deno poll sockets (a client got 2
 * replies in 600 ms), so they cannot serve as the yield.
 */
function nextMacrotask(): Promise<void> {
  return delay(0);
}

/** For internal callers with no operation to yield for: never due, no deadline. */
export const NEVER_YIELD = new OpControl({ quantumMs: Infinity, checkEvery: 2 ** 30 });
