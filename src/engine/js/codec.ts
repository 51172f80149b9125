/**
 * codec.ts — BSON values ↔ the tagged, JSON-safe values that cross into the sandbox (prelude.ts
 * decodes them into mongod's shell types and encodes results back).
 *
 * mongod's conversions: int32 and double become JS numbers; int64 a `NumberLong`, Decimal128 a
 * `NumberDecimal`, ObjectId an `ObjectId`, Date a `Date`, binary a `BinData`, a regex a `RegExp`,
 * Timestamp/MinKey/MaxKey their shell objects; documents and arrays plain objects and arrays. Back:
 * a JS number is a double (so `return 1` gives 1.0, as on mongod), `NumberInt` an int32,
 * `NumberLong`/BigInt an int64, a function its source as Code. A tag is an object whose first key
 * is "\u0000" — a name no BSON document can contain (keys are C strings), so tags never collide with
 * user data.
 */
import {
  Binary,
  BSONRegExp,
  Code,
  Decimal128,
  Double,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import { kindOf } from "../../bson/values.ts";

const TAG = "\u0000";
type Tagged = Record<string, unknown>;

function tag(t: string, rest: Record<string, unknown> = {}): Tagged {
  return { [TAG]: t, ...rest };
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function unb64(s: string): Uint8Array {
  const raw = atob(s);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** A BSON value → its wire form for the sandbox. */
export function toSandbox(v: unknown, depth = 0): unknown {
  if (depth > 200) throw new RangeError("value nested too deep for server-side JavaScript");
  switch (typeof v) {
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0)
        ? v
        : tag("num", { v: Object.is(v, -0) ? "-0" : String(v) });
    case "string":
    case "boolean":
      return v;
    case "undefined":
      return tag("undef");
    case "bigint":
      return tag("long", { v: String(v) });
  }
  if (v === null) return null;
  if (Array.isArray(v)) return v.map((x) => toSandbox(x, depth + 1));
  if (v instanceof Date) return tag("date", { v: v.getTime() });
  if (v instanceof RegExp) return tag("re", { p: v.source, f: v.flags });
  if (v instanceof Uint8Array) return tag("bin", { sub: 0, v: b64(v) });
  switch (kindOf(v)) {
    case "long":
      return tag("long", { v: (v as Long).toString() });
    case "int":
    case "double":
      return toSandbox((v as { valueOf(): number }).valueOf(), depth);
    case "decimal":
      return tag("dec", { v: (v as Decimal128).toString() });
    case "objectId":
      return tag("oid", { v: (v as ObjectId).toHexString() });
    case "binData": {
      const b = v as Binary;
      return tag("bin", { sub: b.sub_type, v: b64(b.value()) });
    }
    case "timestamp": {
      const t = v as Timestamp;
      return tag("ts", { t: t.high >>> 0, i: t.low >>> 0 });
    }
    case "regex": {
      const r = v as BSONRegExp;
      return tag("re", { p: r.pattern, f: r.options.replace(/[^ims]/g, "") });
    }
    case "minKey":
      return tag("min");
    case "maxKey":
      return tag("max");
    case "javascript":
    case "javascriptWithScope":
      return tag("code", { v: (v as Code).code });
    case "symbol":
      return String((v as { valueOf(): unknown }).valueOf());
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = toSandbox(x, depth + 1);
  return out;
}

/** A wire value from the sandbox → a BSON value (`undefined` for JS `undefined`). */
export function fromSandbox(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => fromSandbox(x) ?? null);
  const o = v as Record<string, unknown>;
  const t = o[TAG];
  if (typeof t === "string") {
    switch (t) {
      case "dbl": {
        // integral numbers would read back as int32 (bson/values.ts): keep them doubles, as mongod does
        const n = o.v as number;
        return Number.isInteger(n) ? new Double(n) : n;
      }
      case "num":
        return Number(o.v);
      case "undef":
        return undefined;
      case "long":
        return Long.fromString(String(o.v));
      case "int":
        return o.v as number;
      case "dec":
        return Decimal128.fromString(String(o.v));
      case "oid":
        return ObjectId.createFromHexString(String(o.v));
      case "date":
        return new Date(o.v as number);
      case "bin":
        return new Binary(unb64(String(o.v)), o.sub as number);
      case "re":
        return new BSONRegExp(String(o.p), String(o.f));
      case "ts":
        return new Timestamp({ t: o.t as number, i: o.i as number });
      case "min":
        return new MinKey();
      case "max":
        return new MaxKey();
      case "code":
        return new Code(String(o.v));
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    const d = fromSandbox(x);
    if (d !== undefined) out[k] = d;
  }
  return out;
}
