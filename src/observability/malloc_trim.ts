/**
 * MallocTrimmer (issue 15): gives the C heap's freed memory back to the system once the server is
 * idle. glibc keeps what a big operation freed in its arenas — measured after a 200 MB `$sort` /
 * `$group` load: 205 of 308 MB free, RSS staying ~410 MiB for as long as the server ran — and only
 * `malloc_trim` returns it (unmaps free pages inside the arenas, not just the top).
 *
 * A sampler looks every `intervalMs`: when no command other than monitoring (`hello`, `ping` …) has
 * begun for `idleMs` and none is running, and the allocator reports more than `minFreeBytes` free,
 * it calls `trim` — off the event loop (an FFI thread: ffi/libc/malloc.ts) — once per idle period
 * (work noted by `noteWork` starts the next one). The composition root (src/app/) wires the libc
 * calls and the op registry in, and starts and stops it; tests inject the clock and the calls.
 * A leaf.
 */
import { type Timer, unrefInterval } from "../timers.ts";

const MiB = 1024 * 1024;

export interface MallocTrimOptions {
  /** Free bytes the allocator holds; undefined = unknown allocator (then nothing is trimmed). */
  readonly freeBytes: () => number | undefined;
  /** Returns free memory to the system, off the event loop. */
  readonly trim: () => Promise<unknown>;
  /** A command (not monitoring) is running now. */
  readonly busy: () => boolean;
  /** Quiet time before trimming (default 10 s). */
  readonly idleMs?: number;
  /** Free bytes worth a trim (default 32 MiB). */
  readonly minFreeBytes?: number;
  /**
   * While commands run: trim at most this often (undefined: only when idle). glibc's arenas keep
   * what a long operation frees (WiredTiger pages evicted, batch buffers collected) as holes between
   * live blocks, and the process's peak RSS counts them (the 2 GB sort's bound, docs/robustness.md).
   */
  readonly busyTrimMs?: number;
  /** Sampling period (default 1 s). */
  readonly intervalMs?: number;
  /** Milliseconds clock (tests inject one). */
  readonly now?: () => number;
  readonly log?: (msg: string) => void;
}

export class MallocTrimmer {
  readonly #o: MallocTrimOptions;
  readonly #now: () => number;
  #lastWork: number;
  /** Trimmed (or found nothing worth it) since the last work: wait for the next idle period. */
  #done = false;
  #trimming = false;
  /** When the last trim (busy or idle) ended. */
  #lastTrim: number;
  #timer: Timer | undefined;
  /** Trims run so far (serverStatus-style figure for tests and logs). */
  trims = 0;
  /** Of which while commands ran. */
  busyTrims = 0;

  constructor(opts: MallocTrimOptions) {
    this.#o = opts;
    this.#now = opts.now ?? (() => performance.now());
    this.#lastWork = this.#now();
    this.#lastTrim = this.#lastWork;
  }

  /** A command began: the idle period starts again. */
  noteWork(): void {
    this.#lastWork = this.#now();
    this.#done = false;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = unrefInterval(() => void this.tick(), this.#o.intervalMs ?? 1000);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** One sample: trims when the server has been idle long enough and the heap holds enough free. */
  async tick(): Promise<void> {
    if (this.#done || this.#trimming) return;
    if (this.#o.busy()) {
      this.noteWork();
      const every = this.#o.busyTrimMs;
      if (every !== undefined && this.#now() - this.#lastTrim >= every) await this.#trim(true);
      return;
    }
    if (this.#now() - this.#lastWork < (this.#o.idleMs ?? 10_000)) return;
    this.#done = true;
    const free = this.#o.freeBytes();
    if (free === undefined || free <= (this.#o.minFreeBytes ?? 32 * MiB)) return;
    await this.#trim(false);
    // (the allocator still counts the trimmed chunks as free: their pages are what went back)
    this.#o.log?.(`idle: malloc_trim returned the heap's free pages (${(free / MiB).toFixed(0)} MiB free)`);
  }

  async #trim(busy: boolean): Promise<void> {
    this.#trimming = true;
    try {
      await this.#o.trim();
      this.trims++;
      if (busy) this.busyTrims++;
    } finally {
      this.#trimming = false;
      this.#lastTrim = this.#now();
    }
  }
}
