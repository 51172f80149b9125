/**
 * Log lines to stderr without ever blocking the event loop (issue 11): a synchronous write to a pipe
 * whose reader has stalled (a full journald/docker/terminal pipe, a `| less` left open) blocks the whole
 * server until the reader moves on. Lines are queued and written by one asynchronous write at a time
 * (Deno runs it off the event loop), batched up to {@link BATCH_BYTES}. The queue holds at most
 * `capacity` bytes ({@link QUEUE_BYTES} for stderr): past it new lines are dropped and counted, and once
 * the writer has caught up one notice line says how many were lost. Lines still queued are written
 * synchronously at exit (`unload`) and before an uncaught error or unhandled rejection ends the process,
 * so a crash's last words are not lost when stderr is healthy.
 */
import { timeout } from "../timers.ts";

/** Where queued lines go: stderr, or a test double. */
export interface LineWriter {
  write(p: Uint8Array): Promise<number>;
  writeSync(p: Uint8Array): number;
}

/** Bytes of lines queued for stderr before new ones are dropped. */
export const QUEUE_BYTES = 4 * 1024 * 1024;
/** Most bytes handed to one write. */
export const BATCH_BYTES = 64 * 1024;

const encoder = new TextEncoder();

export class LineQueue {
  #queue: Uint8Array[] = [];
  #bytes = 0;
  /** Bytes handed to the asynchronous write and not yet written (they count against the capacity). */
  #inflight = 0;
  #writing = false;
  #dropped = 0;
  /** `whenWritten` callers waiting for the writer to finish. */
  #written: (() => void)[] = [];

  constructor(
    private readonly out: LineWriter,
    private readonly capacity = QUEUE_BYTES,
    /** The notice written after `n` lines were dropped (without a newline); the log format sets it. */
    public notice: (n: number) => string = (n) =>
      `${new Date().toISOString()} WARNING ${n} log line(s) dropped: stderr did not keep up`,
  ) {}

  /** Bytes queued or being written. */
  get pendingBytes(): number {
    return this.#bytes + this.#inflight;
  }

  /** Lines dropped since the last notice. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queue one line (a newline is added); never waits. */
  push(line: string): void {
    const bytes = encoder.encode(line + "\n");
    if (this.#bytes + this.#inflight + bytes.length > this.capacity) {
      this.#dropped++;
      return;
    }
    this.#enqueue(bytes);
  }

  /**
   * Resolves once every queued line has been written, or after `timeoutMs` (a stalled reader). For a
   * clean exit: `flushSync` at exit writes what is still queued, but a batch already handed to the
   * asynchronous write may be cut off by the process ending (the server's last line, "closed cleanly",
   * went missing that way).
   */
  whenWritten(timeoutMs: number): Promise<void> {
    if (!this.#writing && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        timer.cancel();
        resolve();
      };
      const timer = timeout(done, timeoutMs);
      this.#written.push(done);
    });
  }

  /** Write everything queued now, synchronously (at exit; may block on a stalled reader). */
  flushSync(): void {
    if (this.#dropped > 0) this.#noticeDropped();
    const all = this.#take(Infinity);
    try {
      let off = 0;
      while (off < all.length) off += this.out.writeSync(all.subarray(off));
    } catch { /* stderr is gone */ }
  }

  #enqueue(bytes: Uint8Array): void {
    this.#queue.push(bytes);
    this.#bytes += bytes.length;
    if (!this.#writing) void this.#drain();
  }

  #noticeDropped(): void {
    const n = this.#dropped;
    this.#dropped = 0;
    const bytes = encoder.encode(this.notice(n) + "\n");
    this.#queue.push(bytes);
    this.#bytes += bytes.length;
  }

  /** Removes up to `max` bytes of whole lines (at least one line) from the queue, joined. */
  #take(max: number): Uint8Array {
    let n = 0;
    let count = 0;
    while (count < this.#queue.length && (count === 0 || n + this.#queue[count]!.length <= max)) {
      n += this.#queue[count]!.length;
      count++;
    }
    const parts = this.#queue.splice(0, count);
    this.#bytes -= n;
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      for (;;) {
        if (this.#queue.length === 0 && this.#dropped > 0) this.#noticeDropped();
        if (this.#queue.length === 0) break;
        const batch = this.#take(BATCH_BYTES);
        this.#inflight = batch.length;
        let off = 0;
        while (off < batch.length) {
          const n = await this.out.write(batch.subarray(off));
          off += n;
          this.#inflight -= n;
        }
      }
    } catch {
      // stderr is closed or broken: drop what is queued rather than grow without bound
      this.#queue = [];
      this.#bytes = 0;
    } finally {
      this.#inflight = 0;
      this.#writing = false;
      for (const done of this.#written.splice(0)) done();
    }
  }
}

let stderrQueue: LineQueue | undefined;

/** The process-wide queue in front of stderr (created on first use, flushed at exit). */
export function stderrLines(): LineQueue {
  if (stderrQueue) return stderrQueue;
  const q = new LineQueue(Deno.stderr);
  stderrQueue = q;
  const flush = () => q.flushSync();
  globalThis.addEventListener("unload", flush);
  globalThis.addEventListener("error", flush);
  globalThis.addEventListener("unhandledrejection", flush);
  return q;
}
