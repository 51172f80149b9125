/**
 * mongod's hashed-index hash (`BSONElementHasher::hash64`, seed 0): MD5 over the seed (int32 0), then
 * the element — its canonical type (int32 little-endian), for an embedded document or array each
 * child element with its field name (NUL-terminated) and the terminating EOO, otherwise the value's
 * BSON bytes, except numbers, which are squashed to int64 first (doubles truncated, NaN → 0, out of
 * range → the int64 limit) so that 1, 1.0 and NumberLong(1) hash alike. The first 8 digest bytes,
 * little-endian, are the key. Checked against the manual's `$toHashedIndexKey` example.
 */
import { valueByteLength } from "../bson/value_length.ts";
import { nodeBuiltin } from "../node_builtin.ts";
import { BSON, Long } from "bson";
import { serializeDocument } from "../bson/undefined_value.ts";

type Md5 = ReturnType<typeof import("node:crypto").createHash>;

/** node:crypto's MD5, loaded on the first hashed key (node:crypto is not on the server's start path). */
const md5 = (): Md5 => nodeBuiltin("node:crypto").createHash("md5");

function canonicalType(t: number): number {
  switch (t) {
    case 0xff:
      return -1; // MinKey
    case 0x7f:
      return 127; // MaxKey
    case 0x00:
    case 0x06:
      return 0; // EOO, undefined
    case 0x0a:
      return 5; // null
    case 0x01:
    case 0x10:
    case 0x12:
    case 0x13:
      return 10; // numbers
    case 0x02:
    case 0x0e:
      return 15; // string, symbol
    case 0x03:
      return 20;
    case 0x04:
      return 25;
    case 0x05:
      return 30;
    case 0x07:
      return 35;
    case 0x08:
      return 40;
    case 0x09:
      return 45;
    case 0x11:
      return 47;
    case 0x0b:
      return 50;
    case 0x0c:
      return 55;
    case 0x0d:
      return 60;
    case 0x0f:
      return 65;
    default:
      return t;
  }
}

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** mongod's safeNumberLong of a BSON number element's value bytes. */
function safeLong(type: number, view: DataView, at: number, bytes: Uint8Array): bigint {
  if (type === 0x10) return BigInt(view.getInt32(at, true));
  if (type === 0x12) return view.getBigInt64(at, true);
  let d: number;
  if (type === 0x01) d = view.getFloat64(at, true);
  else {
    // Decimal128: through its string form.
    const dec = BSON.deserialize(
      Uint8Array.from([24, 0, 0, 0, 0x13, 0x78, 0, ...bytes.subarray(at, at + 16), 0]),
    );
    d = Number(String(dec["x"]));
  }
  if (Number.isNaN(d)) return 0n;
  if (d >= 9223372036854775807) return INT64_MAX;
  if (d <= -9223372036854775808) return INT64_MIN;
  return BigInt(Math.trunc(d));
}

function int32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

/** Hashes the element at `at` (its type byte) of a BSON document's bytes, without or with its name. */
function hashElement(
  h: Md5,
  bytes: Uint8Array,
  view: DataView,
  at: number,
  withName: boolean,
): number {
  const type = bytes[at]!;
  h.update(int32(canonicalType(type)));
  if (type === 0) {
    if (withName) h.update(new Uint8Array([0])); // EOO: an empty name
    return at + 1;
  }
  let p = at + 1;
  const nameStart = p;
  while (bytes[p] !== 0) p++;
  if (withName) h.update(bytes.subarray(nameStart, p + 1));
  p++;
  const size = Math.max(0, valueByteLength(type, bytes, p)); // serialized input: always a known type
  if (type === 0x03 || type === 0x04) {
    let q = p + 4;
    for (;;) {
      q = hashElement(h, bytes, view, q, true);
      if (bytes[q - 1] === 0 && q === p + size) break;
    }
  } else if (type === 0x01 || type === 0x10 || type === 0x12 || type === 0x13) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, safeLong(type, view, p, bytes), true);
    h.update(b);
  } else {
    h.update(bytes.subarray(p, p + size));
  }
  return p + size;
}

/** The hashed-index key of one value, as mongod computes it (an int64). */
export function hashedValue(value: unknown): Long {
  const bytes = serializeDocument({ "": value === undefined ? null : value });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = md5();
  h.update(int32(0)); // seed
  hashElement(h, bytes, view, 4, false);
  const d = h.digest();
  return Long.fromBigInt(new DataView(d.buffer, d.byteOffset, d.byteLength).getBigInt64(0, true));
}
