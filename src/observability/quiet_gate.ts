/**
 * QuietGate: when the server's start-up leftovers may run. Right after the listener opens, a test
 * suite's driver is connecting and sending its first commands (the npm package's `create()` resolves on
 * the ready line), and what the start deferred — the command modules' warm-up, the heap watchdog's first
 * sample (it loads `node:v8`, ~25 ms), the featureCompatibilityVersion document — each hold the event
 * loop for 8–30 ms at a time; run on a fixed timer they landed on exactly those first requests (a first
 * ping through the Node driver waited ~100 ms behind them, issue 18). Through this gate each step waits
 * until the server has served for `openQuietMs` with no command, or no command has begun for `quietMs`
 * (nor other work been seen: the I/O thread's answers, connections) and none but monitoring is running — or, for a step that must not wait forever on a busy server,
 * until its deadline.
 *
 * The composition root (src/app/start_server.ts) notes each command's start (`noteWork`, from the op
 * registry) and says what is running (`busy`); tests inject the clock. A leaf.
 */
import { type Timer, unrefTimeout } from "../timers.ts";

export interface QuietGateOptions {
  /** A command other than monitoring is running now. */
  readonly busy: () => boolean;
  /** No command begun for this long counts as quiet (default 20 ms). */
  readonly quietMs?: number;
  /**
   * From the opening, before any command: the first quiet moment comes this much later (default 50 ms)
   * — a client started with the server in its own process (a test suite's `create()`) has connected by
   * then, and the warm-up is done before one started separately (~250 ms for Node and its driver) comes.
   */
  readonly openQuietMs?: number;
  /** How often a waiting step looks again (default 10 ms). */
  readonly pollMs?: number;
  /** Milliseconds clock (tests inject one). */
  readonly now?: () => number;
}

export class QuietGate {
  readonly #o: QuietGateOptions;
  readonly #now: () => number;
  #lastWork: number;
  /** The server serves (`open`): before that nothing is quiet (start-up is work). */
  #open = false;
  /** No command has begun since the opening. */
  #untouched = true;
  /** Work no command shows (the I/O thread's answers, connections), as `open` was told to count it. */
  #activity: (() => number) | undefined;
  #activitySeen = 0;
  #stopped = false;
  /** Steps waiting, oldest first: until when at most, and how each ends. */
  readonly #queue: { until: number; resolve: (run: boolean) => void }[] = [];
  #timer: Timer | undefined;

  constructor(opts: QuietGateOptions) {
    this.#o = opts;
    this.#now = opts.now ?? (() => performance.now());
    this.#lastWork = this.#now();
  }

  /**
   * The listener is up: quiet periods count from now (a client may be connecting already). `activity`
   * is a figure that moves with work no command shows (the I/O thread's answers, connections opened and
   * closed): a change is work too.
   */
  open(activity?: () => number): void {
    this.#open = true;
    this.#lastWork = this.#now();
    this.#activity = activity;
    this.#activitySeen = activity?.() ?? 0;
  }

  /** A command began: the quiet period starts again. */
  noteWork(): void {
    this.#lastWork = this.#now();
    this.#untouched = false;
  }

  /**
   * Quiet now: open, no command begun for `quietMs` (`openQuietMs` since the opening while none has)
   * and none running.
   */
  quiet(): boolean {
    const activity = this.#activity?.();
    if (activity !== undefined && activity !== this.#activitySeen) {
      this.#activitySeen = activity;
      this.noteWork();
      return false;
    }
    const needed = this.#untouched ? this.#o.openQuietMs ?? 50 : this.#o.quietMs ?? 20;
    return this.#open && this.#now() - this.#lastWork >= needed && !this.#o.busy();
  }

  /**
   * Resolves true once quiet (at once if it is and no other step waits), or once `deadlineMs` from now
   * have passed (undefined: no deadline); false once the gate is stopped — the step must not run then.
   * Waiting steps run one per look, oldest first: each finds the gate quiet again after the one before.
   */
  whenQuiet(deadlineMs?: number): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    if (this.#queue.length === 0 && this.quiet()) return Promise.resolve(true);
    const until = deadlineMs === undefined ? Infinity : this.#now() + deadlineMs;
    return new Promise((resolve) => {
      this.#queue.push({ until, resolve });
      this.#arm();
    });
  }

  /** One poll timer for every waiting step. */
  #arm(): void {
    this.#timer ??= unrefTimeout(() => this.#look(), this.#o.pollMs ?? 10);
  }

  /** Steps past their deadline run; then the oldest waiting one if the server is quiet. */
  #look(): void {
    this.#timer = undefined;
    const now = this.#now();
    for (let i = 0; i < this.#queue.length;) {
      if (this.#queue[i]!.until <= now) this.#queue.splice(i, 1)[0]!.resolve(true);
      else i++;
    }
    if (this.#queue.length > 0 && this.quiet()) this.#queue.shift()!.resolve(true);
    if (this.#queue.length > 0) this.#arm();
  }

  /** Whether `stop` was called (a step whose wait ended just before must not run after it either). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Every waiting step resolves false, and every later one at once (the server stops). */
  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const w of this.#queue.splice(0)) w.resolve(false);
  }
}
