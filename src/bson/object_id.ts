/**
 * ObjectId bytes read without an allocation. PURE.
 *
 * npm:bson 7 keeps an ObjectId's 12 bytes as four 24-bit integers (`i0`…`i3`, big-endian: `i0` holds bytes
 * 0–2) and rebuilds a fresh 12-byte buffer on every read of its `id` getter. A comparison of two ids or a
 * key written per document paid that twice per call (a `$in` of 100 ids matched against 100 fetched
 * documents: 20,000 buffers). These read the packed words when the object has them and fall back to
 * `id` otherwise (another build of the library, or a look-alike the driver made).
 */
import type { ObjectId } from "bson";

/** The packed form: four big-endian 24-bit words (npm:bson 7's private fields). */
interface Packed {
  readonly i0: number;
  readonly i1: number;
  readonly i2: number;
  readonly i3: number;
}

function packed(o: ObjectId): Packed | undefined {
  const p = o as unknown as Partial<Packed>;
  return typeof p.i0 === "number" && typeof p.i1 === "number" && typeof p.i2 === "number" &&
      typeof p.i3 === "number"
    ? p as Packed
    : undefined;
}

/** Bytes 0–5 as one number (below 2^48, exact) and bytes 6–11 likewise: an id's identity in two numbers. */
export function objectIdHalves(o: ObjectId): [number, number] {
  const p = packed(o);
  if (p !== undefined) return [p.i0 * 0x1000000 + p.i1, p.i2 * 0x1000000 + p.i3];
  const b = o.id;
  return [
    ((b[0]! << 16) | (b[1]! << 8) | b[2]!) * 0x1000000 + ((b[3]! << 16) | (b[4]! << 8) | b[5]!),
    ((b[6]! << 16) | (b[7]! << 8) | b[8]!) * 0x1000000 + ((b[9]! << 16) | (b[10]! << 8) | b[11]!),
  ];
}

/** Byte order of two ids (memcmp of their 12 bytes): -1, 0 or 1. */
export function compareObjectIds(a: ObjectId, b: ObjectId): number {
  const pa = packed(a);
  const pb = packed(b);
  if (pa !== undefined && pb !== undefined) {
    if (pa.i0 !== pb.i0) return pa.i0 < pb.i0 ? -1 : 1;
    if (pa.i1 !== pb.i1) return pa.i1 < pb.i1 ? -1 : 1;
    if (pa.i2 !== pb.i2) return pa.i2 < pb.i2 ? -1 : 1;
    return pa.i3 === pb.i3 ? 0 : pa.i3 < pb.i3 ? -1 : 1;
  }
  const [ha, la] = objectIdHalves(a);
  const [hb, lb] = objectIdHalves(b);
  if (ha !== hb) return ha < hb ? -1 : 1;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/** Writes the id's 12 bytes at `out[at…at+12)`; false (nothing written) for a look-alike whose `id` is not 12 bytes. */
export function writeObjectId(o: ObjectId, out: Uint8Array, at: number): boolean {
  const p = packed(o);
  if (p === undefined) {
    const id: unknown = o.id;
    if (!(id instanceof Uint8Array) || id.length !== 12) return false;
    out.set(id, at);
    return true;
  }
  put3(out, at, p.i0);
  put3(out, at + 3, p.i1);
  put3(out, at + 6, p.i2);
  put3(out, at + 9, p.i3);
  return true;
}

function put3(out: Uint8Array, at: number, x: number): void {
  out[at] = (x >>> 16) & 0xff;
  out[at + 1] = (x >>> 8) & 0xff;
  out[at + 2] = x & 0xff;
}

/**
 * The id's identity as an 8-character string (each 24-bit word as two 12-bit character codes, so no
 * surrogate halves): equal ids give equal strings, whatever their build. A hash key for the id without
 * its 24-character hex form (`toHexString`, which also rebuilds the 12-byte buffer).
 */
export function objectIdKey(o: ObjectId): string {
  const p = packed(o);
  if (p !== undefined) return wordsKey(p.i0, p.i1, p.i2, p.i3);
  const [h, l] = objectIdHalves(o);
  return wordsKey(Math.floor(h / 0x1000000), h % 0x1000000, Math.floor(l / 0x1000000), l % 0x1000000);
}

/** `objectIdKey` of the id whose 12 bytes are `b[at…at+12)` (a stored ObjectId, not decoded). */
export function objectIdKeyAt(b: Uint8Array, at: number): string {
  return wordsKey(
    (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!,
    (b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!,
    (b[at + 6]! << 16) | (b[at + 7]! << 8) | b[at + 8]!,
    (b[at + 9]! << 16) | (b[at + 10]! << 8) | b[at + 11]!,
  );
}

function wordsKey(a: number, b: number, c: number, d: number): string {
  return String.fromCharCode(
    a >>> 12,
    a & 0xfff,
    b >>> 12,
    b & 0xfff,
    c >>> 12,
    c & 0xfff,
    d >>> 12,
    d & 0xfff,
  );
}

/** A set of ids looked up without an allocation per lookup. */
export class ObjectIdSet {
  readonly #byHigh = new Map<number, number[]>();
  #size = 0;

  add(o: ObjectId): void {
    const [h, l] = objectIdHalves(o);
    const lows = this.#byHigh.get(h);
    if (lows === undefined) this.#byHigh.set(h, [l]);
    else if (!lows.includes(l)) lows.push(l);
    else return;
    this.#size++;
  }

  has(o: ObjectId): boolean {
    const p = packed(o);
    if (p !== undefined) {
      const lows = this.#byHigh.get(p.i0 * 0x1000000 + p.i1);
      return lows !== undefined && lows.includes(p.i2 * 0x1000000 + p.i3);
    }
    const [h, l] = objectIdHalves(o);
    return this.#byHigh.get(h)?.includes(l) ?? false;
  }

  get size(): number {
    return this.#size;
  }
}
