/**
 * Splits a byte stream into whole wire messages.
 *
 * One reusable read buffer per connection absorbs small messages (and several pipelined ones per read)
 * and messages split across reads; it is compacted in place, never regrown. A message larger than the
 * buffer gets its own allocation that the socket reads straight into, grown ×4 (from 64 KiB) as bytes
 * arrive up to the announced length, so an announced length costs 64 KiB until it is sent. The buffer
 * is small (4 KiB: a driver's hello, find or getMore fits) because every idle connection holds it for
 * as long as it waits: at 64 KiB, 2,000 idle connections cost the server ~160 MB (issue 11). Every
 * returned frame is an OWNED copy: decoded values (npm bson `Binary`) alias the frame's memory, so the
 * read buffer must never be lent out.
 *
 * A declared length outside [16, maxMessageSizeBytes] throws FrameError before anything is allocated.
 *
 * With a shared {@link ByteBudget}, a large message reserves its length before it is allocated and
 * waits while the budget is spent (`waitingForBudget`); the caller returns the reservation with
 * `release()` when it has finished with the frame (at most one frame is held per reader).
 *
 * A reservation must be earned by arriving (issue 11, slowloris): while others wait for the budget, a
 * message that holds a reservation yet arrives slower than `MIN_RESERVED_RATE` after a grace period is
 * `hoggingBudget` — the connection drops it, so a few trickling senders announcing 48 MB each cannot
 * hold every other client's large message back until the message timeout (30 s).
 */
import { checkMessageLength, readInt32LE } from "../wire/mod.ts";
import type { ByteBudget } from "./byte_budget.ts";

export interface ByteSource {
  read(p: Uint8Array): Promise<number | null>;
}

export const DEFAULT_READ_BUFFER_SIZE = 4 * 1024;
/** First allocation for a large message; it grows ×4 as bytes arrive, up to the announced length. */
const LARGE_FIRST_CHUNK = 64 * 1024;
/** Bytes per second a message holding a budget reservation must average while others wait. */
export const MIN_RESERVED_RATE = 256 * 1024;
/** Seconds a reserved message may take before the rate above applies. */
export const RESERVED_GRACE_SECONDS = 2;

/**
 * A message that got its budget reservation `secs` ago and has `bytes` so far arrives too slowly to
 * keep it while others wait (the slow-sender rule both transports apply).
 */
export function arrivesTooSlowly(secs: number, bytes: number): boolean {
  return secs > RESERVED_GRACE_SECONDS && bytes < MIN_RESERVED_RATE * (secs - RESERVED_GRACE_SECONDS / 2);
}

export class FrameReader {
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  /** Bytes of a large message received before EOF cut it off. */
  #cut = 0;
  /** Bytes of a large message received so far, while it is being read. */
  #large = 0;
  /** Bytes reserved from the budget for the last large frame, until `release()`. */
  #reserved = 0;
  /** When the current large message got its reservation (performance.now()), while it is read. */
  #reservedAt: number | undefined;
  #waitingForBudget = false;
  /** A read {@link peerGone} started while a request runs; `next()` waits for it first. */
  #watch: Promise<void> | undefined;
  /** That read met the end of stream (or failed: the error `next()` throws). */
  #eof = false;
  #watchError: unknown;

  constructor(
    private readonly src: ByteSource,
    bufferSize = DEFAULT_READ_BUFFER_SIZE,
    private readonly budget?: ByteBudget,
  ) {
    this.#buf = new Uint8Array(bufferSize);
  }

  /** True while a large message waits for room in the shared budget (the server, not the peer, stalls). */
  get waitingForBudget(): boolean {
    return this.#waitingForBudget;
  }

  /** Return the budget reserved for the last large frame (idempotent; call when done with it). */
  release(): void {
    if (this.#reserved === 0) return;
    this.budget?.release(this.#reserved);
    this.#reserved = 0;
  }

  /**
   * True when this reader holds a budget reservation for a message that is arriving too slowly while
   * other messages wait for the budget (`now` on the performance.now() clock).
   */
  hoggingBudget(now: number): boolean {
    if (this.#reservedAt === undefined || !this.budget || this.budget.waiting === 0) return false;
    return arrivesTooSlowly((now - this.#reservedAt) / 1000, this.#large);
  }

  /** Bytes received but not yet returned as a frame (non-zero at EOF means the peer cut a message). */
  get pending(): number {
    return this.#end - this.#start + this.#cut;
  }

  /** True while bytes of a message that has not arrived whole are held (a started message). */
  get midMessage(): boolean {
    return this.#end > this.#start || this.#large > 0;
  }

  /**
   * Has the peer hung up while the caller runs a request (between `next()` calls)? The first call
   * starts a read of whatever follows into the buffer (a pipelined request stays there for `next()`);
   * its end of stream or error shows at a later call. Never true while the peer may still be sending
   * (the buffer is full of its bytes).
   */
  peerGone(): boolean {
    if (this.#eof) return true;
    if (this.#watch !== undefined || this.#large > 0) return false;
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buf.length) return false;
    this.#watch = this.src.read(this.#buf.subarray(this.#end)).then(
      (r) => {
        if (r === null) this.#eof = true;
        else this.#end += r;
      },
      (e) => {
        this.#eof = true;
        this.#watchError = e;
      },
    ).finally(() => this.#watch = undefined);
    return false;
  }

  /** The next whole message, or null at end of stream. Throws FrameError on an impossible length. */
  async next(): Promise<Uint8Array | null> {
    if (this.#watch !== undefined) await this.#watch;
    // one loop, no helper frame: read until the header, then the whole message, is buffered
    for (;;) {
      const have = this.#end - this.#start;
      let need = 4;
      if (have >= 4) {
        const len = readInt32LE(this.#buf, this.#start);
        checkMessageLength(len);
        if (len > this.#buf.length) return await this.#readLarge(len);
        if (have >= len) {
          const frame = this.#buf.slice(this.#start, this.#start + len);
          this.#start += len;
          if (this.#start === this.#end) this.#start = this.#end = 0;
          return frame;
        }
        need = len;
      }
      if (this.#buf.length - this.#start < need) {
        this.#buf.copyWithin(0, this.#start, this.#end);
        this.#end -= this.#start;
        this.#start = 0;
      }
      if (this.#eof) {
        if (this.#watchError !== undefined) throw this.#watchError;
        return null;
      }
      const r = await this.src.read(this.#buf.subarray(this.#end));
      if (r === null) return null;
      this.#end += r;
    }
  }

  async #readLarge(len: number): Promise<Uint8Array | null> {
    this.release();
    if (this.budget) {
      this.#waitingForBudget = true;
      try {
        await this.budget.acquire(len);
      } finally {
        this.#waitingForBudget = false;
      }
      this.#reserved = len;
    }
    this.#reservedAt = performance.now();
    // The buffer grows as bytes arrive (×4 from 64 KiB), so a sender that announces 48 MB and trickles
    // costs 64 KiB, not 48 MB allocated and zeroed up front; a fast sender pays ~0.4× extra copying.
    let frame = new Uint8Array(Math.min(len, Math.max(LARGE_FIRST_CHUNK, this.#end - this.#start)));
    let have = this.#end - this.#start;
    frame.set(this.#buf.subarray(this.#start, this.#end));
    this.#start = this.#end = 0;
    try {
      while (have < len) {
        this.#large = have;
        if (have === frame.length) {
          const grown = new Uint8Array(Math.min(len, frame.length * 4));
          grown.set(frame);
          frame = grown;
        }
        const n = this.#eof ? null : await this.src.read(frame.subarray(have));
        if (n === null) {
          this.#cut = have;
          this.release();
          return null;
        }
        have += n;
      }
    } catch (e) {
      this.release();
      throw e;
    } finally {
      this.#large = 0;
      this.#reservedAt = undefined;
    }
    return frame;
  }
}
