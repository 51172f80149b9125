/**
 * scalar_patch.ts — the fast path of the commonest operator update: `$set` / `$inc` of top-level fields
 * to scalar values (`{$inc: {counter: 1}}`, `{$set: {status: "done", n: 2}}`) on a stored document's
 * bytes (pure).
 *
 * `scalarUpdateSpec` accepts an update whose operators are only `$set` and `$inc`, whose paths are
 * top-level names the byte patch handles (byte_patch.ts `patchableName`) other than `_id`, no name
 * twice, and whose values are a number, `Double`, `Long`, boolean, null, string or a valid Date (`$inc`:
 * a number, `Double` or `Long`). Such an update needs none of the general machinery (path conflicts, positional
 * paths, the clone, the change log, the value comparison of whole documents): `patchScalars` walks the
 * stored document's top-level elements once to find each target, computes the new value with the same
 * arithmetic (arith.ts: int32 overflow → int64 → double), and gives what the general path gives, byte
 * for byte: the new document (changed fields re-encoded in place, created ones appended in path
 * order), `modified` by strict BSON identity, and the `$v: 2` diff (`u` for the fields changed, `i`
 * for the fields created, each in path order) — with the oplog's `{$v: 2, diff}` already encoded
 * from the same element bytes. A stored value of any other type, a repeated name or malformed bytes
 * give undefined: the caller then runs the general update, which also reports its errors (a
 * non-numeric `$inc` target: 14 TypeMismatch).
 */
import { Double, Long } from "bson";
import { doubleValue } from "../../bson/decode.ts";
import { isInt32Number } from "../../bson/values.ts";
import { valueByteLength } from "../../bson/value_length.ts";
import { arith } from "./arith.ts";
import { sameBson } from "./same.ts";
import {
  allocate,
  elementSize,
  type Encoded,
  encodeValue,
  int32,
  patchableName,
  sameName,
  utf8,
  writeElement,
  writeInt32,
} from "./byte_patch.ts";
import type { Document } from "./types.ts";

/** A compiled scalar update: its fields in path order. */
export interface ScalarUpdateSpec {
  readonly names: readonly string[];
  readonly nameBytes: readonly Uint8Array[];
  /** true: `$inc`, false: `$set`. */
  readonly inc: readonly boolean[];
  readonly values: readonly unknown[];
}

/** What `patchScalars` gives (as `Updater.applyBytes`, plus the encoded oplog `o`). */
export interface ScalarPatch {
  readonly bytes: Uint8Array;
  readonly modified: boolean;
  /** The fields the update may have changed (`spec.names`). */
  readonly fields: readonly string[];
  readonly diff?: Document;
  /** `{$v: 2, diff}` encoded (what `BSON.serialize` gives for it). */
  readonly o?: Uint8Array;
}

function isDoubleValue(v: unknown): boolean {
  return v instanceof Double;
}

function isLongValue(v: unknown): boolean {
  // (a Timestamp is a Long subclass)
  return v instanceof Long && (v as { _bsontype?: string })._bsontype === "Long";
}

function isPlainObject(v: unknown): v is Document {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isIncrement(v: unknown): boolean {
  return typeof v === "number" || isDoubleValue(v) || isLongValue(v);
}

function isScalar(v: unknown): boolean {
  return typeof v === "number" || typeof v === "string" || typeof v === "boolean" || v === null ||
    isDoubleValue(v) || isLongValue(v) || validDate(v);
}

/** A Date holding a time (an Invalid Date is the general path's). */
function validDate(v: unknown): v is Date {
  return v instanceof Date && v.getTime() === v.getTime();
}

/** A compiled spec and the request it came from: its fields in request order. */
interface CacheEntry {
  readonly ops: readonly string[];
  readonly names: readonly string[];
  readonly values: readonly unknown[];
  readonly spec: ScalarUpdateSpec;
}

/** The last few specs compiled (most requests repeat one: `{$inc: {counter: 1}}`); a ring. */
const cache: CacheEntry[] = [];
const CACHE_SIZE = 8;
let cacheNext = 0;

/** The same constant, BSON type included (NaN never: its bits are not compared). */
function sameConstant(a: unknown, b: unknown): boolean {
  if (typeof a === "number") return typeof b === "number" && Object.is(a, b) && a === a;
  if (typeof a === "string" || typeof a === "boolean" || a === null) return a === b;
  if (isDoubleValue(a)) {
    const x = (a as Double).value;
    return isDoubleValue(b) && Object.is(x, (b as Double).value) && x === x;
  }
  if (isLongValue(a)) {
    return isLongValue(b) && (a as Long).low === (b as Long).low && (a as Long).high === (b as Long).high;
  }
  if (validDate(a)) return validDate(b) && a.getTime() === b.getTime();
  return false;
}

/** `update` holds exactly the entry's operators, names and constants, in the same order. */
function sameRequest(e: CacheEntry, update: Document): boolean {
  let i = 0;
  const n = e.names.length;
  for (const op in update) {
    const args = update[op];
    if (!isPlainObject(args)) return false;
    for (const name in args) {
      if (i >= n || e.ops[i] !== op || e.names[i] !== name || !sameConstant(e.values[i], args[name])) {
        return false;
      }
      i++;
    }
  }
  return i === n;
}

/**
 * The scalar form of `update` (see the module doc), or undefined when the general path must run it.
 * A request equal to one of the last few compiled (operators, names and constants, BSON types
 * included) gets that one's spec: specs are never modified.
 */
export function scalarUpdateSpec(update: Document): ScalarUpdateSpec | undefined {
  if (!isPlainObject(update)) return undefined;
  for (const e of cache) if (sameRequest(e, update)) return e.spec;
  const spec = compileScalar(update);
  if (spec !== undefined) {
    const ops: string[] = [];
    const names: string[] = [];
    const values: unknown[] = [];
    for (const op in update) {
      const args = update[op] as Document;
      for (const name in args) {
        ops.push(op);
        names.push(name);
        values.push(args[name]);
      }
    }
    cache[cacheNext] = { ops, names, values, spec };
    cacheNext = (cacheNext + 1) % CACHE_SIZE;
  }
  return spec;
}

function compileScalar(update: Document): ScalarUpdateSpec | undefined {
  const names: string[] = [];
  const inc: boolean[] = [];
  const values: unknown[] = [];
  for (const op in update) {
    const isInc = op === "$inc";
    if (!isInc && op !== "$set") return undefined;
    const args = update[op];
    if (!isPlainObject(args)) return undefined; // (a DBRef is a document too: the general path)
    for (const name in args) {
      if (name === "_id" || name.length === 0 || name.charCodeAt(0) === 36 /* $ */ || name.includes(".")) {
        return undefined;
      }
      if (!patchableName(name)) return undefined;
      const value = args[name];
      if (isInc ? !isIncrement(value) : !isScalar(value)) return undefined;
      if (names.includes(name)) return undefined; // a conflict: the general path says so
      // in path order (the general path applies operators so: update.ts comparePaths; no name here
      // is an array index)
      let k = names.length;
      while (k > 0 && names[k - 1]! > name) k--;
      names.splice(k, 0, name);
      inc.splice(k, 0, isInc);
      values.splice(k, 0, value);
    }
  }
  if (names.length === 0) return undefined;
  return { names, nameBytes: names.map(utf8), inc, values };
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }); // (a leading U+FEFF is text)
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
/** |ms| a JS Date holds. */
const DATE_MS_MAX = 8.64e15;
/** A stored value `readScalar` does not read. */
const OTHER = Symbol("other");

/** The stored value of type `t` at `v`, as `decodeDocument` gives it; OTHER for any other type. */
function readScalar(b: Uint8Array, t: number, v: number): unknown {
  switch (t) {
    case 0x10:
      return int32(b, v);
    case 0x01:
      for (let k = 0; k < 8; k++) F64_BYTES[k] = b[v + k]!;
      return doubleValue(F64[0]!);
    case 0x12:
      return new Long(int32(b, v), int32(b, v + 4));
    case 0x08:
      return b[v] === 1 ? true : b[v] === 0 ? false : OTHER;
    case 0x0a:
      return null;
    case 0x09: {
      // (beyond ±8.64e15 ms the decoder's Date is an Invalid Date: the general path's)
      const ms = int32(b, v + 4) * 0x100000000 + (int32(b, v) >>> 0);
      return ms <= DATE_MS_MAX && ms >= -DATE_MS_MAX ? new Date(ms) : OTHER;
    }
    case 0x02: {
      const len = int32(b, v);
      if (len < 1 || b[v + 3 + len] !== 0) return OTHER;
      try {
        return utf8Decoder.decode(b.subarray(v + 4, v + 3 + len));
      } catch {
        return OTHER;
      }
    }
    default:
      return OTHER;
  }
}

/** `sameBson` (strict BSON identity), with two int32s compared directly (a counter's `$inc`). */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number" && isInt32Number(a) && isInt32Number(b)) return a === b;
  return sameBson(a, b);
}

const U_NAME = 0x75; // "u"
const I_NAME = 0x69; // "i"
/** `{$v: 2, diff: ` up to the diff document: int32 $v 2, then the embedded document "diff". */
const O_HEAD = new Uint8Array([0x10, 0x24, 0x76, 0, 2, 0, 0, 0, 0x03, 0x64, 0x69, 0x66, 0x66, 0]);

/**
 * Per-field scratch of `patchScalars` (it is synchronous and not re-entered): where each field's
 * element is in the stored document (start -1: absent), its value's start, its end and type, and where
 * its new element lands in the output; the new values and their encodings (cleared after each call).
 */
let start = new Int32Array(8);
let valueAt = new Int32Array(8);
let stop = new Int32Array(8);
let type = new Int32Array(8);
let at = new Int32Array(8);
let to = new Int32Array(8);
const after: unknown[] = [];
/** The encoding of each field's new value; null: the field keeps its value. */
const enc: (Encoded | null)[] = [];

function scratch(n: number): void {
  if (start.length < n) {
    const size = 2 * n;
    start = new Int32Array(size);
    valueAt = new Int32Array(size);
    stop = new Int32Array(size);
    type = new Int32Array(size);
    at = new Int32Array(size);
    to = new Int32Array(size);
  }
  start.fill(-1, 0, n);
}

/**
 * `spec` applied to the stored document `bytes` (see the module doc); undefined when the general path
 * must run it.
 */
export function patchScalars(spec: ScalarUpdateSpec, bytes: Uint8Array): ScalarPatch | undefined {
  try {
    return patch(spec, bytes);
  } finally {
    after.length = 0;
    enc.length = 0;
  }
}

function patch(spec: ScalarUpdateSpec, bytes: Uint8Array): ScalarPatch | undefined {
  const n = spec.names.length;
  const end = int32(bytes, 0) - 1;
  if (end < 4 || end >= bytes.length || bytes[end] !== 0) return undefined;
  scratch(n);
  let p = 4;
  while (p < end) {
    const t = bytes[p]!;
    let q = p + 1;
    while (q < end && bytes[q] !== 0) q++;
    const v = q + 1;
    const len = valueByteLength(t, bytes, v);
    if (len < 0 || v + len > end) return undefined;
    for (let k = 0; k < n; k++) {
      if (!sameName(bytes, p + 1, q, spec.nameBytes[k]!)) continue;
      if (start[k] !== -1) return undefined; // a repeated name
      start[k] = p;
      valueAt[k] = v;
      stop[k] = v + len;
      type[k] = t;
      break;
    }
    p = v + len;
  }
  // the new values, in path order
  let size = end + 1;
  let changed = 0;
  let created = 0;
  for (let k = 0; k < n; k++) {
    const value = spec.values[k];
    if (start[k] === -1) {
      after[k] = value; // `$inc` of a missing field: the increment itself
      created++;
    } else {
      const t = type[k]!;
      const cur = readScalar(bytes, t, valueAt[k]!);
      if (cur === OTHER) return undefined;
      let next = value;
      if (spec.inc[k]) {
        if (t !== 0x10 && t !== 0x01 && t !== 0x12) return undefined; // the general path refuses it
        next = arith("add", cur, value);
      }
      if (sameValue(cur, next)) {
        after[k] = undefined;
        enc[k] = null;
        continue;
      }
      after[k] = next;
      changed++;
      size -= stop[k]! - start[k]!;
    }
    const e = encodeValue(spec.names[k]!, after[k]);
    enc[k] = e;
    size += elementSize(spec.nameBytes[k]!, e, after[k]);
  }
  if (changed === 0 && created === 0) return { bytes, modified: false, fields: spec.names };
  const out = allocate(size);
  writeInt32(out, 0, size);
  let o = 4;
  let from = 4;
  // the changed fields in document order
  for (let left = changed; left > 0; left--) {
    let k = -1;
    for (let j = 0; j < n; j++) {
      if (start[j]! >= from && enc[j] !== null && (k === -1 || start[j]! < start[k]!)) k = j;
    }
    const s = start[k]!;
    if (from < s) {
      out.set(bytes.subarray(from, s), o);
      o += s - from;
    }
    at[k] = o;
    o = writeElement(out, o, spec.nameBytes[k]!, enc[k]!, after[k]);
    to[k] = o;
    from = stop[k]!;
  }
  if (from < end) {
    out.set(bytes.subarray(from, end), o);
    o += end - from;
  }
  for (let k = 0; k < n; k++) {
    if (start[k] !== -1) continue;
    at[k] = o;
    o = writeElement(out, o, spec.nameBytes[k]!, enc[k]!, after[k]);
    to[k] = o;
  }
  out[o] = 0;
  // the diff: u (changed), then i (created), each in path order; and {$v: 2, diff} encoded from the
  // elements just written
  const diff: Document = {};
  let uSize = 0;
  let iSize = 0;
  if (changed > 0) {
    const u: Document = {};
    for (let k = 0; k < n; k++) {
      if (start[k] === -1 || enc[k] === null) continue;
      u[spec.names[k]!] = after[k];
      uSize += to[k]! - at[k]!;
    }
    diff["u"] = u;
  }
  if (created > 0) {
    const i: Document = {};
    for (let k = 0; k < n; k++) {
      if (start[k] !== -1) continue;
      i[spec.names[k]!] = after[k];
      iSize += to[k]! - at[k]!;
    }
    diff["i"] = i;
  }
  const diffSize = 4 + (changed > 0 ? 7 + uSize + 1 : 0) + (created > 0 ? 7 + iSize + 1 : 0) + 1;
  const oSize = 4 + O_HEAD.length + diffSize + 1;
  const ob = allocate(oSize);
  writeInt32(ob, 0, oSize);
  ob.set(O_HEAD, 4);
  let w = 4 + O_HEAD.length;
  writeInt32(ob, w, diffSize);
  w += 4;
  if (changed > 0) w = writeSection(ob, w, out, U_NAME, uSize, false, n);
  if (created > 0) w = writeSection(ob, w, out, I_NAME, iSize, true, n);
  ob[w++] = 0; // the diff's end
  ob[w] = 0; // o's end
  return { bytes: out, modified: true, fields: spec.names, diff, o: ob };
}

/** The `u` (changed) or `i` (created) section of the diff at `w` of `ob`: the new elements of `out`. */
function writeSection(
  ob: Uint8Array,
  w: number,
  out: Uint8Array,
  section: number,
  bodySize: number,
  created: boolean,
  n: number,
): number {
  ob[w] = 0x03;
  ob[w + 1] = section;
  ob[w + 2] = 0;
  writeInt32(ob, w + 3, 4 + bodySize + 1);
  w += 7;
  for (let k = 0; k < n; k++) {
    if ((start[k] === -1) !== created || enc[k] === null) continue;
    ob.set(out.subarray(at[k]!, to[k]!), w);
    w += to[k]! - at[k]!;
  }
  ob[w] = 0;
  return w + 1;
}
