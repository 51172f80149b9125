/**
 * Byte-level assembly of cursor replies (`find`, `aggregate`, `getMore`, `listIndexes` …) around documents
 * that are already BSON, so stored documents are copied, never decoded and re-encoded.
 *
 * Output: `{cursor: {<batchKey>: [docs…], id: <int64>, ns: <string>}, <extra fields…>, ok: 1.0}`.
 * Every document is placed with `Uint8Array.prototype.set`, into one allocation of the exact size — or,
 * with `owned`, with room around it: after it for the cluster time (`growInPlace`), and for a reply
 * of 4–64 KiB also before it for the message prefix (`withFrontRoom`), carved from a shared block. With `owned`, a large reply is an owned body (owned_bytes.ts): the connection frees it once
 * written.
 * Pure: no Deno.*, no I/O. `extra` (small: `$clusterTime`, `operationTime`, …) goes through npm bson.
 */
import { freeOwned, isOwned, OWNED_MIN_BYTES, ownedBody } from "./owned_bytes.ts";
import { serializeDocument } from "./undefined_value.ts";

export interface CursorReplyInput {
  /** Cursor id; 0n when the cursor is exhausted. Written as BSON int64. */
  id: bigint;
  /** `<db>.<collection>` */
  ns: string;
  batchKey: "firstBatch" | "nextBatch";
  /** Whole BSON documents (each starts with its int32 length and ends with NUL). */
  docs: readonly Uint8Array[];
  /** Top-level fields placed after `cursor` and before `ok`. Must not contain `cursor` or `ok`. */
  extra?: Record<string, unknown>;
  /** Fields placed inside `cursor` after `ns` (a change stream's `postBatchResumeToken`). */
  cursorExtra?: Record<string, unknown>;
  /**
   * The caller returns the reply as its command's answer and keeps no reference to it (nor does
   * anything it returns through: not a retryable write's recorded reply): a large one is marked an
   * owned body (owned_bytes.ts), freed as soon as the connection has written it.
   */
  owned?: boolean;
}

function elementsOf(doc: Record<string, unknown>): Uint8Array {
  const bytes = serializeDocument(doc);
  return bytes.subarray(4, bytes.length - 1);
}

const TYPE_DOUBLE = 0x01;
const TYPE_STRING = 0x02;
const TYPE_DOCUMENT = 0x03;
const TYPE_ARRAY = 0x04;
const TYPE_INT64 = 0x12;

const encoder = new TextEncoder();
const KEY_CURSOR = encoder.encode("cursor");
const KEY_ID = encoder.encode("id");
const KEY_NS = encoder.encode("ns");
const KEY_OK = encoder.encode("ok");
const KEY_BATCH = { firstBatch: encoder.encode("firstBatch"), nextBatch: encoder.encode("nextBatch") };
/** 1.0 as a little-endian double. */
const DOUBLE_ONE = new Uint8Array(new Float64Array([1.0]).buffer);

/** Number of decimal digits of a non-negative integer (the length of an array index key). */
function digits(i: number): number {
  let n = 1;
  while (i >= 10) {
    i = (i / 10) | 0;
    n++;
  }
  return n;
}

function checkDocument(doc: Uint8Array, index: number): void {
  const declared = doc.length >= 4 ? (doc[0]! | (doc[1]! << 8) | (doc[2]! << 16) | (doc[3]! << 24)) : -1;
  if (doc.length < 5 || declared !== doc.length || doc[doc.length - 1] !== 0) {
    throw new TypeError(`encodeCursorReply: docs[${index}] is not a whole BSON document`);
  }
}

/** UTF-8 bytes of recent namespaces (a find's reply names the same few; encode is a runtime call). */
const NS_BYTES = new Map<string, Uint8Array>();
function nsBytes(ns: string): Uint8Array {
  let b = NS_BYTES.get(ns);
  if (b === undefined) {
    if (NS_BYTES.size >= 64) NS_BYTES.clear();
    b = encoder.encode(ns);
    NS_BYTES.set(ns, b);
  }
  return b;
}

/**
 * Spare bytes after an `owned` reply, for the fields dispatch appends to every reply (`$clusterTime`
 * and `operationTime`: ~110 bytes): {@link growInPlace} extends the reply into them instead of
 * copying it into a new buffer (for a 16 MiB getMore batch, a second 16 MiB buffer and its page faults).
 * At most owned_bytes.ts's OWNED_SLACK_MAX, so a large reply stays an owned body.
 */
const ROOM_AFTER = 160;
/**
 * Spare bytes before a pooled reply: the wire message's prefix (an OP_MSG reply's header, flag bits and
 * section kind: 21 bytes) goes there ({@link withFrontRoom}), so the connection sends the reply where it
 * was encoded instead of copying it into a frame.
 */
export const FRONT_ROOM = 21;
/**
 * Owned replies up to this size (rooms included) are carved from a shared block, as Node's
 * `Buffer.allocUnsafe` carves small buffers: a typed array of its own costs an ArrayBuffer allocation
 * (zeroed, and external memory the GC accounts for: 3–12 µs for 1–22 KB on this VM), and a find's
 * 10–20 ~1 KB documents made two such buffers per reply (the reply, then its frame). The block is
 * never reused: a carved reply stays valid (and pins its block) as long as a view of it lives, and
 * its bytes start zero. Replies under 4 KiB keep their own buffer (the connection copies them into
 * its pooled frame): carving them measured slower for a find by `_id` (~1 KB; request_path_bench,
 * 56.9 vs 53.1 µs per round trip, lowest of 12 rounds; level with main once excluded) — fresh block
 * memory is cold where a small recycled allocation is not, and the saved allocation is small.
 */
const POOLED_REPLY_MAX = 64 * 1024;
const POOLED_REPLY_MIN = 4 * 1024;
const POOL_BLOCK = 256 * 1024;
let pool: ArrayBuffer | undefined;
let poolAt = 0;

/** `size` fresh (zero) bytes of the shared block: [buffer, offset]. */
function carve(size: number): [ArrayBuffer, number] {
  if (pool === undefined || poolAt + size > POOL_BLOCK) {
    pool = new ArrayBuffer(POOL_BLOCK);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += (size + 7) & ~7;
  return [pool, at];
}

/**
 * The last owned reply encoded with room around it: its buffer, where it starts, its length now and
 * how far it may grow (exclusive end offset), and the free bytes before it.
 */
let roomyBuffer: ArrayBufferLike | undefined;
let roomyOffset = 0;
let roomyLength = 0;
let roomyEnd = 0;
let roomyFront = 0;

function isRoomy(raw: Uint8Array): boolean {
  return raw.buffer === roomyBuffer && raw.byteOffset === roomyOffset && raw.length === roomyLength;
}

/**
 * `raw` grown by `n` bytes — a view of the same memory, the new bytes zero — when it is the last owned
 * reply {@link encodeCursorReply} made with room after it, and that room holds `n` more bytes;
 * otherwise undefined (the caller copies). Growing overwrites nothing of `raw` itself, but the caller
 * then rewrites its length and last byte: only for a reply its command handed back and keeps nowhere
 * (`owned`). The grown reply stays the roomy one ({@link withFrontRoom}).
 */
export function growInPlace(raw: Uint8Array, n: number): Uint8Array | undefined {
  if (!isRoomy(raw)) return undefined;
  if (roomyOffset + raw.length + n > roomyEnd) {
    roomyBuffer = undefined;
    return undefined;
  }
  roomyLength += n;
  return new Uint8Array(raw.buffer, roomyOffset, roomyLength);
}

/**
 * `body` with the `n` bytes before it — one view starting `n` bytes earlier, for the caller to write a
 * message prefix into — when it is the last owned reply {@link encodeCursorReply} carved with that much
 * free room in front (grown or not); otherwise undefined (the caller copies the body into a frame).
 * Once per reply.
 */
export function withFrontRoom(body: Uint8Array, n: number): Uint8Array | undefined {
  if (!isRoomy(body) || roomyFront < n) return undefined;
  roomyBuffer = undefined;
  return new Uint8Array(body.buffer, body.byteOffset - n, n + body.length);
}

function writeKey(out: Uint8Array, p: number, type: number, name: Uint8Array): number {
  out[p++] = type;
  out.set(name, p);
  p += name.length;
  out[p++] = 0;
  return p;
}

function writeInt32(out: Uint8Array, p: number, v: number): void {
  out[p] = v;
  out[p + 1] = v >>> 8;
  out[p + 2] = v >>> 16;
  out[p + 3] = v >>> 24;
}

/** Encode a cursor reply; see the module comment for the shape. */
export function encodeCursorReply(input: CursorReplyInput): Uint8Array {
  const { docs } = input;
  let arraySize = 4 + 1;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i]!;
    checkDocument(d, i);
    arraySize += 1 + digits(i) + 1 + d.length;
  }
  const batchKey = KEY_BATCH[input.batchKey];
  const ns = nsBytes(input.ns);
  const cursorExtra = input.cursorExtra ? elementsOf(input.cursorExtra) : undefined;
  const cursorSize = 4 +
    (1 + batchKey.length + 1 + arraySize) +
    (1 + KEY_ID.length + 1 + 8) +
    (1 + KEY_NS.length + 1 + 4 + ns.length + 1) +
    (cursorExtra?.length ?? 0) +
    1;

  let extra: Uint8Array | undefined;
  if (input.extra !== undefined) {
    if ("cursor" in input.extra || "ok" in input.extra) {
      throw new TypeError("encodeCursorReply: extra must not contain 'cursor' or 'ok'");
    }
    const bytes = serializeDocument(input.extra);
    extra = bytes.subarray(4, bytes.length - 1); // elements only
  }
  const extraSize = extra?.length ?? 0;
  const total = 4 + (1 + KEY_CURSOR.length + 1 + cursorSize) + extraSize + (1 + KEY_OK.length + 1 + 8) + 1;

  // (an owned reply: room after it for the cluster time dispatch appends; a small one carved from the
  // shared block with room in front for the message prefix too)
  // (a large owned reply too: its buffer ends with the room, and it stays owned: owned_bytes.ts)
  const room = input.owned === true ? ROOM_AFTER : 0;
  const pooled = room !== 0 && total >= POOLED_REPLY_MIN && FRONT_ROOM + total + room <= POOLED_REPLY_MAX;
  let out: Uint8Array;
  if (pooled) {
    const [buf, at] = carve(FRONT_ROOM + total + room);
    out = new Uint8Array(buf, at + FRONT_ROOM, total);
  } else {
    out = room === 0 ? new Uint8Array(total) : new Uint8Array(total + room).subarray(0, total);
  }
  let p = 0;

  writeInt32(out, p, total);
  p += 4;
  p = writeKey(out, p, TYPE_DOCUMENT, KEY_CURSOR);
  writeInt32(out, p, cursorSize);
  p += 4;
  p = writeKey(out, p, TYPE_ARRAY, batchKey);
  writeInt32(out, p, arraySize);
  p += 4;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i]!;
    out[p++] = TYPE_DOCUMENT;
    // array index key as ASCII digits
    const n = digits(i);
    for (let k = n - 1, v = i; k >= 0; k--, v = (v / 10) | 0) out[p + k] = 0x30 + (v % 10);
    p += n;
    out[p++] = 0;
    out.set(d, p);
    p += d.length;
  }
  out[p++] = 0; // end of array
  p = writeKey(out, p, TYPE_INT64, KEY_ID);
  if (input.id !== 0n) new DataView(out.buffer, out.byteOffset).setBigInt64(p, input.id, true); // (else zero)
  p += 8;
  p = writeKey(out, p, TYPE_STRING, KEY_NS);
  writeInt32(out, p, ns.length + 1);
  p += 4;
  out.set(ns, p);
  p += ns.length;
  out[p++] = 0;
  if (cursorExtra) {
    out.set(cursorExtra, p);
    p += cursorExtra.length;
  }
  out[p++] = 0; // end of cursor
  if (extra) {
    out.set(extra, p);
    p += extra.length;
  }
  p = writeKey(out, p, TYPE_DOUBLE, KEY_OK);
  out.set(DOUBLE_ONE, p);
  p += 8;
  out[p++] = 0; // end of reply
  if (p !== total) throw new Error(`encodeCursorReply: size mismatch ${p} != ${total}`);
  if (room !== 0) {
    roomyBuffer = out.buffer;
    roomyOffset = out.byteOffset;
    roomyLength = total;
    roomyEnd = out.byteOffset + total + room;
    roomyFront = pooled ? FRONT_ROOM : 0;
    return total >= OWNED_MIN_BYTES ? ownedBody(out) : out;
  }
  return input.owned ? ownedBody(out) : out;
}

/**
 * Appends the fields of `extra` to an already-serialised BSON document. An owned `raw` (owned_bytes.ts)
 * is freed once copied, and the result is owned in its place.
 */
export function appendToRaw(raw: Uint8Array, extra: Record<string, unknown>): Uint8Array {
  const tail = serializeDocument(extra);
  const out = new Uint8Array(raw.length - 1 + tail.length - 5 + 1);
  out.set(raw.subarray(0, raw.length - 1), 0);
  out.set(tail.subarray(4, tail.length - 1), raw.length - 1);
  out[out.length - 1] = 0;
  new DataView(out.buffer).setInt32(0, out.length, true);
  if (!isOwned(raw)) return out;
  freeOwned(raw);
  return ownedBody(out);
}
