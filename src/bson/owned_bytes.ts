/**
 * owned_bytes.ts — large reply bodies whose memory is freed as soon as they are written, not at the GC
 * that finds them dead (issue 15 item 6: a 2 GB `$sort` read out in ~10–16 MiB getMore batches kept
 * several batches' bodies waiting for a GC, outside the JS heap where V8 does not feel them).
 *
 * An encoder that allocates a body for one reply marks it with {@link ownedBody}: the bytes are the
 * whole of their ArrayBuffer and nothing else refers to them. Whoever consumes such a body last — the
 * connection once it has written it, or a step that copies it into a larger body (`appendClusterTime`)
 * — calls {@link freeOwned}, which frees it at once (`transfer(0)`: every view reads as empty from then
 * on). Bytes not marked (small bodies, shared or pooled buffers, cached replies, views into a larger
 * buffer) are never freed here. A caller that keeps an encoder's result past the reply must copy it.
 */

/** Bodies smaller than this are left to the GC (a WeakSet entry per small reply costs more than it saves). */
export const OWNED_MIN_BYTES = 256 * 1024;

const owned = new WeakSet<ArrayBuffer>();

/**
 * Spare bytes an owned body's buffer may hold after it: an encoder leaves room there for the fields
 * appended to every reply (raw_reply.ts `ROOM_AFTER`), so they are written in place instead of the
 * whole body being copied into a new buffer.
 */
export const OWNED_SLACK_MAX = 256;

/**
 * Marks `bytes` as a body built for one reply that the last consumer may free (only when it is at
 * least OWNED_MIN_BYTES and spans its ArrayBuffer from the start, up to OWNED_SLACK_MAX bytes of room
 * after it that nothing else uses). Returns `bytes`.
 */
export function ownedBody(bytes: Uint8Array): Uint8Array {
  const buf = bytes.buffer;
  if (
    bytes.length >= OWNED_MIN_BYTES && bytes.byteOffset === 0 &&
    buf.byteLength - bytes.length <= OWNED_SLACK_MAX && buf instanceof ArrayBuffer
  ) owned.add(buf);
  return bytes;
}

/** True when `bytes` is a body {@link ownedBody} marked and not yet freed. */
export function isOwned(bytes: Uint8Array): boolean {
  return owned.has(bytes.buffer as ArrayBuffer);
}

/** Frees `bytes` now when it is an owned body (views of it read as empty afterwards); else nothing. */
export function freeOwned(bytes: Uint8Array): void {
  const buf = bytes.buffer as ArrayBuffer & { transfer(n: number): ArrayBuffer };
  if (!owned.delete(buf)) return;
  buf.transfer(0); // (the whole buffer: the body and the room after it are this body's alone)
}

/**
 * Frees a buffer's memory now rather than at the GC that finds it dead: `transfer(0)` detaches its
 * ArrayBuffer (every view of it reads as empty from then on) and V8 frees the backing store at once.
 * Only for bytes nothing else will read; a view of part of a larger buffer is left alone.
 */
export function freeNow(buf: Uint8Array): void {
  const b = buf.buffer as ArrayBuffer & { transfer(n: number): ArrayBuffer };
  if (buf.byteOffset !== 0 || buf.byteLength !== b.byteLength || !(b instanceof ArrayBuffer)) return;
  b.transfer(0);
}
