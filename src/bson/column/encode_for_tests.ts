/**
 * FOR TESTS ONLY: builds BSONColumn binaries by hand, the way mongod's own tests assemble their
 * expected bytes (a literal, a Simple-8b control byte and its blocks, an interleaved start, the
 * final 0), plus a small column encoder for round trips (literals + base-selector Simple-8b deltas,
 * interleaved objects with one control per field). Not mongod's builder: it does not pick the same
 * blocks, it only writes binaries mongod's decoder reads. PURE.
 */
import { BSON } from "bson";
import {
  BSON_BOOL,
  BSON_DATE,
  BSON_DECIMAL,
  BSON_DOUBLE,
  BSON_INT32,
  BSON_INT64,
  BSON_OID,
  BSON_STRING,
  BSON_TIMESTAMP,
  type ColumnElement,
  documentOf,
} from "./element.ts";

/** The raw element of a JS value (encoded by npm bson under the field name ""). */
export function elementOf(value: unknown): ColumnElement {
  const doc = BSON.serialize({ v: value });
  const type = doc[4]!;
  return { type, value: Uint8Array.from(doc.subarray(7, doc.length - 1)) };
}

/** A literal control: the element with an empty field name. */
export function literal(e: ColumnElement): number[] {
  return [e.type, 0, ...e.value];
}

/** Zigzag encoding of a signed delta. */
export function zz(delta: bigint, width: 64 | 128 = 64): bigint {
  return BigInt.asUintN(width, (delta << 1n) ^ (delta >> BigInt(width - 1)));
}

const BITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30, 60];

function slotsOf(selector: number): number {
  const header = selector === 7 || selector === 8 ? 8 : 4;
  return Math.floor((64 - header) / BITS[selector]!);
}

/** Packs unsigned values (null: skip) into base-selector Simple-8b blocks, most slots first. */
export function simple8b(values: readonly (bigint | null)[]): bigint[] {
  const blocks: bigint[] = [];
  let i = 0;
  while (i < values.length) {
    let done = false;
    for (let selector = 1; selector <= 14 && !done; selector++) {
      const n = slotsOf(selector);
      const bits = BITS[selector]!;
      const mask = (1n << BigInt(bits)) - 1n;
      if (i + n > values.length) continue;
      const slice = values.slice(i, i + n);
      if (!slice.every((v) => v === null || v < mask)) continue;
      let word = BigInt(selector);
      let shift = selector === 7 || selector === 8 ? 8 : 4;
      for (const v of slice) {
        word |= (v === null ? mask : v) << BigInt(shift);
        shift += bits;
      }
      blocks.push(word);
      i += n;
      done = true;
    }
    if (!done) throw new Error(`value too large for the test encoder: ${values[i]}`);
  }
  return blocks;
}

/** Little-endian bytes of blocks. */
export function blockBytes(blocks: readonly bigint[]): number[] {
  const out = new Uint8Array(blocks.length * 8);
  const dv = new DataView(out.buffer);
  blocks.forEach((b, i) => dv.setBigUint64(i * 8, b, true));
  return [...out];
}

/** Simple-8b controls (high nibble `kind`: 0x8 integers, 0x9–0xD scaled doubles), ≤ 16 blocks each. */
export function controls(kind: number, blocks: readonly bigint[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < blocks.length; i += 16) {
    const part = blocks.slice(i, i + 16);
    out.push(kind << 4 | (part.length - 1), ...blockBytes(part));
  }
  return out;
}

/** Interleaved start (0xF0, 0xF1 or 0xF2) with its reference object. */
export function interleavedStart(control: number, reference: Record<string, unknown> | unknown[]): number[] {
  const doc = Array.isArray(reference)
    ? Object.fromEntries(reference.map((v, i) => [String(i), v]))
    : reference;
  return [control, ...BSON.serialize(doc)];
}

/** The value an element encodes to in its delta stream (non-DoD 64-bit, DoD, 128-bit). */
function encodedOf(e: ColumnElement): bigint | undefined {
  const dv = new DataView(e.value.buffer, e.value.byteOffset, e.value.byteLength);
  switch (e.type) {
    case BSON_INT32:
      return BigInt(dv.getInt32(0, true));
    case BSON_INT64:
    case BSON_DATE:
    case BSON_TIMESTAMP:
      return dv.getBigInt64(0, true);
    case BSON_BOOL:
      return e.value[0] ? 1n : 0n;
    case BSON_DOUBLE: {
      const d = dv.getFloat64(0, true);
      return Number.isInteger(d) && Math.abs(d) < 2 ** 40 && !Object.is(d, -0) ? BigInt(d) : undefined;
    }
    case BSON_STRING: {
      const len = e.value.length - 5;
      if (len > 16 || (len > 0 && e.value[4] === 0)) return undefined;
      const arr = new Uint8Array(16);
      arr.set(Uint8Array.from(e.value.subarray(4, 4 + len)).reverse());
      const v = new DataView(arr.buffer);
      return BigInt.asIntN(128, v.getBigUint64(0, true) | v.getBigUint64(8, true) << 64n);
    }
    default:
      return undefined;
  }
}

function sameBytes(a: ColumnElement, b: ColumnElement): boolean {
  return a.type === b.type && a.value.length === b.value.length && a.value.every((x, i) => x === b.value[i]);
}

/**
 * A column of scalar values (undefined: skip): a literal starts each run of one type, then deltas
 * (doubles: integral ones at scale 1, others repeat or are literals; dates/timestamps/ObjectIds as
 * deltas of deltas — ObjectIds only repeat here; strings ≤ 16 bytes as 128-bit deltas).
 */
export function encodeColumn(values: readonly (ColumnElement | undefined)[]): Uint8Array {
  const out: number[] = [];
  let pending: (bigint | null)[] = [];
  let kind = 0x8;
  let last: ColumnElement | undefined;
  let lastEncoded = 0n;
  let lastDelta = 0n;
  const flush = () => {
    if (pending.length > 0) out.push(...controls(kind, simple8b(pending)));
    pending = [];
  };
  const startLiteral = (e: ColumnElement) => {
    flush();
    out.push(...literal(e));
    last = e;
    lastEncoded = encodedOf(e) ?? 0n;
    lastDelta = 0n;
    kind = e.type === BSON_DOUBLE && encodedOf(e) !== undefined ? 0x9 : 0x8;
  };
  for (const v of values) {
    if (v === undefined) {
      if (last === undefined) {
        pending.push(null);
      } else {
        pending.push(null);
      }
      continue;
    }
    if (last === undefined || last.type !== v.type) {
      startLiteral(v);
      continue;
    }
    if (sameBytes(v, last) && v.type !== BSON_DATE && v.type !== BSON_TIMESTAMP && v.type !== BSON_OID) {
      pending.push(0n);
      continue;
    }
    const enc = encodedOf(v);
    const width = v.type === BSON_STRING || v.type === BSON_DECIMAL ? 128 : 64;
    const dod = v.type === BSON_DATE || v.type === BSON_TIMESTAMP;
    const doubleOk = v.type !== BSON_DOUBLE || kind === 0x9;
    if (enc === undefined || !doubleOk || v.type === BSON_OID) {
      startLiteral(v);
      continue;
    }
    const delta = BigInt.asIntN(width, enc - lastEncoded);
    const slot = zz(dod ? BigInt.asIntN(64, delta - lastDelta) : delta, width);
    if (slot >= (1n << 60n) - 1n) {
      startLiteral(v);
      continue;
    }
    pending.push(slot);
    lastEncoded = enc;
    lastDelta = delta;
    last = v;
  }
  flush();
  out.push(0);
  return Uint8Array.from(out);
}

/** Interleaved objects sharing the first one's fields (each field int32/int64 deltas or repeats). */
export function encodeInterleaved(
  objects: readonly (Record<string, unknown> | undefined)[],
  control = 0xf1,
): Uint8Array {
  const reference = objects.find((o) => o !== undefined)!;
  const fields = Object.keys(reference);
  const out: number[] = interleavedStart(control, reference);
  for (const f of fields) {
    let prev = elementOf(reference[f]);
    const slots: (bigint | null)[] = [];
    for (const o of objects) {
      if (o === undefined || o[f] === undefined) {
        slots.push(null);
        continue;
      }
      const e = elementOf(o[f]);
      if (sameBytes(e, prev)) {
        slots.push(0n);
      } else {
        slots.push(zz(encodedOf(e)! - encodedOf(prev)!));
      }
      prev = e;
    }
    out.push(...controls(0x8, simple8b(slots)));
  }
  out.push(0, 0);
  return Uint8Array.from(out);
}

/** A BSON document of raw elements, for comparing decoded values. */
export function docOf(values: readonly (ColumnElement | undefined)[]): Record<string, unknown> {
  const fields: [string, ColumnElement][] = [];
  values.forEach((v, i) => {
    if (v !== undefined) fields.push([String(i), v]);
  });
  return BSON.deserialize(documentOf(fields), { promoteLongs: false });
}
