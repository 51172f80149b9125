/**
 * packed_docs.ts — documents a blocking stage holds, kept as BSON packed end to end in a few large
 * buffers instead of as decoded JS objects (issue 15's bounded external sort).
 *
 * A decoded ~1 KB document costs the V8 heap well over its counted size (object, property storage,
 * boxed numbers, one string per value) and the heap grows to about twice its live size before a
 * major GC: a `$sort` buffer counted at 100 MiB held ~200–250 MiB of heap. Packed, a document costs
 * its BSON bytes in an 8 MiB chunk (outside the JS heap, one allocation per chunk, reused after
 * `clear()`), and the caller only one number (a handle: chunk × 2^26 + offset; the length is the
 * document's own prefix). Documents are encoded once on `add` and decoded once on `get`, as a
 * spilled run's are.
 */
import { BSON } from "bson";
import { decodeDocumentCopy } from "../../bson/decode.ts";
import { freeNow } from "../../bson/owned_bytes.ts";
import type { Document } from "./types.ts";
import { serializeDocumentInto } from "../../bson/undefined_value.ts";

const CHUNK_BYTES = 8 * 1024 * 1024;

/** Handle = chunk × OFFSETS + offset (a chunk holds at most one 16 MiB document past its size). */
const OFFSETS = 2 ** 26;

export class PackedDocs {
  #chunks: Uint8Array[] = [];
  /** The chunk being filled and the next free offset in it. */
  #cur = -1;
  #at = 0;

  /** Bytes the chunks take (what a budget should count besides the per-row cost). */
  get allocatedBytes(): number {
    let n = 0;
    for (const c of this.#chunks) n += c.length;
    return n;
  }

  /** Encodes `doc` into the chunks; returns its handle. */
  add(doc: Document): number {
    if (this.#cur >= 0) {
      const h = this.#tryPut(doc, this.#cur);
      if (h !== undefined) return h;
    }
    this.#nextChunk(0);
    const h = this.#tryPut(doc, this.#cur);
    if (h !== undefined) return h;
    // Bigger than a chunk: a chunk of its own.
    this.#nextChunk(BSON.calculateObjectSize(doc));
    return this.#tryPut(doc, this.#cur)!;
  }

  /** Copies one encoded document (`bytes`: its BSON, e.g. as stored) into the chunks; returns its handle. */
  addBytes(bytes: Uint8Array): number {
    const n = bytes.length;
    if (this.#cur < 0 || this.#at + n > this.#chunks[this.#cur]!.length) {
      this.#nextChunk(n > CHUNK_BYTES ? n : 0); // (bigger than a chunk: a chunk of its own)
    }
    this.#chunks[this.#cur]!.set(bytes, this.#at);
    const h = this.#cur * OFFSETS + this.#at;
    this.#at += n;
    return h;
  }

  /** The encoded bytes of document `h` (a view into a chunk: valid until `clear()`). */
  bytes(h: number): Uint8Array {
    const chunk = this.#chunks[Math.floor(h / OFFSETS)]!;
    const o = h % OFFSETS;
    const n = chunk[o]! | chunk[o + 1]! << 8 | chunk[o + 2]! << 16 | chunk[o + 3]! << 24;
    return chunk.subarray(o, o + n);
  }

  /** Document `h`, decoded (its Binary values copied: the chunk is reused after `clear()`). */
  get(h: number): Document {
    return decodeDocumentCopy(this.bytes(h));
  }

  /**
   * Forgets every document; standard-size chunks for up to `keepBytes` are kept for reuse, the others
   * freed at once (a sort whose later runs are smaller than its first keeps only what they need).
   */
  clear(keepBytes = Infinity): void {
    const keep: Uint8Array[] = [];
    for (const c of this.#chunks) {
      if (c.length === CHUNK_BYTES && (keep.length + 1) * CHUNK_BYTES <= Math.max(keepBytes, CHUNK_BYTES)) {
        keep.push(c);
      } else freeNow(c);
    }
    this.#chunks = keep;
    this.#cur = -1;
    this.#at = 0;
  }

  /** Frees every chunk now (views from `bytes()` read as empty afterwards). */
  release(): void {
    for (const c of this.#chunks) freeNow(c);
    this.#chunks = [];
    this.#cur = -1;
    this.#at = 0;
  }

  #tryPut(doc: Document, c: number): number | undefined {
    const chunk = this.#chunks[c]!;
    try {
      const end = serializeDocumentInto(doc, chunk, this.#at) + 1;
      const h = c * OFFSETS + this.#at;
      this.#at = end;
      return h;
    } catch (e) {
      if (e instanceof RangeError) return undefined; // does not fit in the rest of the chunk
      throw e;
    }
  }

  /** Moves to the next chunk: a reused one when `size` is 0 and one is free, else a new one. */
  #nextChunk(size: number): void {
    this.#cur++;
    this.#at = 0;
    if (size === 0 && this.#cur < this.#chunks.length && this.#chunks[this.#cur]!.length === CHUNK_BYTES) {
      return;
    }
    const chunk = new Uint8Array(Math.max(size, size === 0 ? CHUNK_BYTES : size));
    this.#chunks.splice(this.#cur, 0, chunk);
  }
}
