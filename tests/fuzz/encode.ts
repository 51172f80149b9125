/**
 * Encodes a fuzz body to BSON bytes, including what npm:bson will not produce from JS values: a
 * datetime outside JS's Date range (`RawDate`, any int64 milliseconds) and BSON undefined
 * (`BsonUndefined`). Leaf values go through npm:bson (serialized under an empty key, then re-keyed);
 * documents and arrays are assembled here. Also renders a body as canonical Extended JSON for reports.
 */
import { BSON, EJSON } from "bson";

/** A BSON datetime with any int64 millisecond value (the server decodes it however it can). */
export class RawDate {
  constructor(readonly ms: bigint) {}
}

/** BSON's deprecated undefined type (0x06). */
export class BsonUndefined {
  static readonly value = new BsonUndefined();
}

const enc = new TextEncoder();

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return true;
  if (v === null || typeof v !== "object") return false;
  if ("_bsontype" in v) return false;
  return v.constructor === Object || Object.getPrototypeOf(v) === null;
}

function cstring(s: string): Uint8Array {
  const b = enc.encode(s);
  if (b.includes(0)) throw new Error(`key with NUL: ${JSON.stringify(s)}`);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

function element(key: string, v: unknown): Uint8Array[] {
  const k = cstring(key);
  if (v instanceof RawDate) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt.asIntN(64, v.ms), true);
    return [Uint8Array.of(0x09), k, b];
  }
  if (v instanceof BsonUndefined) return [Uint8Array.of(0x06), k];
  if (isContainer(v)) {
    return [Uint8Array.of(Array.isArray(v) ? 0x04 : 0x03), k, encodeDoc(v)];
  }
  // a leaf through npm:bson: {"": v} is int32 len, type, 0x00 (empty key), value, 0x00
  const whole = BSON.serialize({ "": v });
  return [whole.subarray(4, 5), k, whole.subarray(6, whole.length - 1)];
}

/** BSON bytes of a document or array (an array's keys are its indexes). */
export function encodeDoc(d: Record<string, unknown> | unknown[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const entries: [string, unknown][] = Array.isArray(d) ? d.map((v, i) => [String(i), v]) : Object.entries(d);
  for (const [k, v] of entries) parts.push(...element(k, v));
  const len = 4 + parts.reduce((n, p) => n + p.length, 0) + 1;
  const out = new Uint8Array(len);
  new DataView(out.buffer).setInt32(0, len, true);
  let o = 4;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  out[o] = 0;
  return out;
}

/** Canonical Extended JSON of a body (RawDate as `$date.$numberLong`, undefined as `$undefined`). */
export function toEjson(v: unknown): string {
  return EJSON.stringify(forEjson(v), { relaxed: false });
}

function forEjson(v: unknown): unknown {
  if (v instanceof RawDate) return { $date: { $numberLong: String(v.ms) } };
  if (v instanceof BsonUndefined) return { $undefined: true };
  if (Array.isArray(v)) return v.map(forEjson);
  if (isContainer(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, forEjson(x)]));
  return v;
}

/** The inverse of `toEjson` (for replaying a recorded body). */
export function fromEjson(text: string): Record<string, unknown> {
  return back(EJSON.parse(text, { relaxed: false })) as Record<string, unknown>;
}

function back(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(back);
  if (isContainer(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === "$undefined") return BsonUndefined.value;
    return Object.fromEntries(keys.map((k) => [k, back(o[k])]));
  }
  if (v instanceof Date && Number.isNaN(v.getTime())) return new RawDate(0n);
  return v;
}
