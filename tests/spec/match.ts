/**
 * The unified-test-format matcher ("Evaluating Matches"): compares an expected value from a spec file
 * against an actual value produced by the driver, returning `null` on match or a message with the path.
 *
 * Rules implemented:
 * - root-level documents may carry extra fields; nested documents may not (unless `$$matchAsRoot`).
 *   When the root value is an array (e.g. a cursor's documents), each document in it is root-level.
 * - numbers compare by value across int32 / int64 / double (Int32, Long, Double wrappers, bigint, number);
 *   Decimal128 compares by its string form.
 * - arrays must have the same length and match element-wise (elements are nested, not root).
 * - special operators: `$$exists`, `$$type`, `$$unsetOrMatches`, `$$matchesEntity`, `$$sessionLsid`,
 *   `$$lte`, `$$matchAsDocument`, `$$matchAsRoot`.
 *
 * `$$type` caveat: the driver decodes int32 and (safe) int64 values as plain JS numbers, so an integral JS
 * number satisfies "int", "long" and "double"; a non-integral number satisfies "double" only.
 */
import { EJSON } from "bson";

/** Resolves entity names for `$$matchesEntity` / `$$sessionLsid`. */
export interface MatchContext {
  entity(name: string): unknown;
  sessionLsid(name: string): unknown;
}

const NO_ENTITIES: MatchContext = {
  entity: (n) => {
    throw new Error(`no entity map (looked up ${n})`);
  },
  sessionLsid: (n) => {
    throw new Error(`no entity map (looked up session ${n})`);
  },
};

/** Marker for "key not present in the actual document". */
export const MISSING: unique symbol = Symbol("missing");
type Actual = unknown;

export function isPlainDoc(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  if ("_bsontype" in v) return false;
  if (v instanceof Date || v instanceof RegExp || v instanceof Uint8Array || v instanceof Map) return false;
  return true;
}

function bsonType(v: unknown): string | undefined {
  if (v !== null && typeof v === "object" && "_bsontype" in v) {
    return String((v as { _bsontype: unknown })._bsontype);
  }
  return undefined;
}

/** Numeric value of int/long/double in any representation, or undefined if not such a number. */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const t = bsonType(v);
  if (t === "Int32" || t === "Double") return (v as { valueOf(): number }).valueOf();
  if (t === "Long") return (v as { toNumber(): number }).toNumber();
  return undefined;
}

/** BSON type names a value satisfies (for `$$type`). */
export function typeNamesOf(v: unknown): string[] {
  if (v === MISSING || v === undefined) return [];
  if (v === null) return ["null"];
  if (typeof v === "number") return Number.isInteger(v) ? ["int", "long", "double"] : ["double"];
  if (typeof v === "bigint") return ["long"];
  if (typeof v === "string") return ["string"];
  if (typeof v === "boolean") return ["bool"];
  if (Array.isArray(v)) return ["array"];
  if (v instanceof Date) return ["date"];
  if (v instanceof RegExp) return ["regex"];
  if (v instanceof Uint8Array) return ["binData"];
  const t = bsonType(v);
  switch (t) {
    case "Int32":
      return ["int"];
    case "Long":
      return ["long"];
    case "Double":
      return ["double"];
    case "Decimal128":
      return ["decimal"];
    case "ObjectId":
      return ["objectId"];
    case "Binary":
      return ["binData"];
    case "Timestamp":
      return ["timestamp"];
    case "BSONRegExp":
      return ["regex"];
    case "Code":
      return ["javascript"]; // "javascriptWithScope" when it has a scope; see below
    case "MinKey":
      return ["minKey"];
    case "MaxKey":
      return ["maxKey"];
    case "BSONSymbol":
      return ["symbol"];
    case "DBRef":
      return ["object", "dbPointer"];
    case undefined:
      return ["object"];
    default:
      return [t.toLowerCase()];
  }
}

function typeMatches(names: string[], v: unknown): boolean {
  const have = typeNamesOf(v);
  if (bsonType(v) === "Code" && (v as { scope?: unknown }).scope) have.push("javascriptWithScope");
  return names.some((n) =>
    n === "number" ? have.some((h) => ["int", "long", "double", "decimal"].includes(h)) : have.includes(n)
  );
}

function show(v: unknown): string {
  if (v === MISSING) return "<missing>";
  if (v === undefined) return "undefined";
  try {
    const s = EJSON.stringify(v as never, { relaxed: true });
    return s.length > 300 ? s.slice(0, 300) + "…" : s;
  } catch {
    return String(v);
  }
}

function scalarEqual(e: unknown, a: unknown): boolean {
  const en = numericValue(e);
  if (en !== undefined) {
    const an = numericValue(a);
    return an !== undefined && (an === en || (Number.isNaN(an) && Number.isNaN(en)));
  }
  if (e === null || typeof e !== "object") return e === a;
  if (e instanceof Date) return a instanceof Date && a.getTime() === e.getTime();
  const et = bsonType(e);
  if (et !== undefined || e instanceof Uint8Array || e instanceof RegExp) {
    if (a === null || typeof a !== "object") return false;
    try {
      return EJSON.stringify(e as never, { relaxed: false }) ===
        EJSON.stringify(a as never, { relaxed: false });
    } catch {
      return false;
    }
  }
  return false;
}

function isOperator(e: Record<string, unknown>): string | undefined {
  const keys = Object.keys(e);
  return keys.length === 1 && keys[0]!.startsWith("$$") ? keys[0] : undefined;
}

/**
 * Match `expected` against `actual`. Returns null on success, else a message naming the path.
 * `root` says whether a document at this level may carry extra fields.
 */
export function match(
  expected: unknown,
  actual: Actual,
  opts: { root?: boolean; ctx?: MatchContext; path?: string } = {},
): string | null {
  return m(expected, actual, opts.root ?? true, opts.ctx ?? NO_ENTITIES, opts.path ?? "$", true);
}

function m(
  e: unknown,
  a: Actual,
  root: boolean,
  ctx: MatchContext,
  path: string,
  top: boolean,
): string | null {
  if (a instanceof Map) a = Object.fromEntries(a); // the driver sends e.g. `sort` as a Map
  if (isPlainDoc(e)) {
    const op = isOperator(e);
    if (op !== undefined) return special(op, e[op], a, root, ctx, path);
    if (!isPlainDoc(a)) return `${path}: expected document ${show(e)}, got ${show(a)}`;
    for (const [k, ev] of Object.entries(e)) {
      const av = Object.hasOwn(a, k) && a[k] !== undefined ? a[k] : MISSING;
      const sub = `${path}.${k}`;
      if (isPlainDoc(ev)) {
        const op = isOperator(ev);
        if (op === "$$exists" || op === "$$unsetOrMatches" || op === "$$type") {
          const r = special(op, ev[op], av, false, ctx, sub);
          if (r) return r;
          continue;
        }
      }
      if (av === MISSING) return `${sub}: key missing (expected ${show(ev)})`;
      const r = m(ev, av, false, ctx, sub, false);
      if (r) return r;
    }
    if (!root) {
      const extra = Object.keys(a).filter((k) => !Object.hasOwn(e, k) && a[k] !== undefined);
      if (extra.length) return `${path}: unexpected extra field(s) ${extra.join(", ")} in nested document`;
    }
    return null;
  }
  if (Array.isArray(e)) {
    if (!Array.isArray(a)) return `${path}: expected array, got ${show(a)}`;
    if (a.length !== e.length) {
      return `${path}: expected array of length ${e.length}, got ${a.length}: ${show(a)}`;
    }
    // The elements of a root-level array (cursor results) are root-level documents themselves.
    const elemRoot = top && root;
    for (let i = 0; i < e.length; i++) {
      const r = m(e[i], a[i], elemRoot, ctx, `${path}[${i}]`, false);
      if (r) return r;
    }
    return null;
  }
  if (a === MISSING) return `${path}: missing (expected ${show(e)})`;
  return scalarEqual(e, a) ? null : `${path}: expected ${show(e)}, got ${show(a)}`;
}

function special(
  op: string,
  arg: unknown,
  a: Actual,
  root: boolean,
  ctx: MatchContext,
  path: string,
): string | null {
  switch (op) {
    case "$$exists": {
      const present = a !== MISSING && a !== undefined;
      return present === Boolean(arg)
        ? null
        : `${path}: expected ${arg ? "present" : "absent"}, got ${show(a)}`;
    }
    case "$$type": {
      const names = Array.isArray(arg) ? arg.map(String) : [String(arg)];
      if (a === MISSING) return `${path}: missing (expected type ${names.join("|")})`;
      return typeMatches(names, a) ? null : `${path}: expected type ${names.join("|")}, got ${show(a)}`;
    }
    case "$$unsetOrMatches":
      if (a === MISSING || a === undefined) return null;
      return m(arg, a, root, ctx, path, false);
    case "$$matchesEntity":
      return m(ctx.entity(String(arg)), a, root, ctx, path, false);
    case "$$sessionLsid":
      if (a === MISSING) return `${path}: missing (expected lsid of ${String(arg)})`;
      return m(ctx.sessionLsid(String(arg)), a, false, ctx, path, false);
    case "$$lte": {
      const an = numericValue(a);
      const en = numericValue(arg);
      if (an === undefined || en === undefined) return `${path}: $$lte needs numbers, got ${show(a)}`;
      return an <= en ? null : `${path}: expected <= ${en}, got ${an}`;
    }
    case "$$matchAsDocument": {
      if (typeof a !== "string") return `${path}: $$matchAsDocument needs a string, got ${show(a)}`;
      let parsed: unknown;
      try {
        parsed = EJSON.parse(a, { relaxed: false });
      } catch (err) {
        return `${path}: $$matchAsDocument could not parse ${show(a)}: ${(err as Error).message}`;
      }
      return m(arg, parsed, false, ctx, path, false);
    }
    case "$$matchAsRoot":
      return m(arg, a, true, ctx, path, false);
    case "$$matchesHexBytes": {
      const bytes = a instanceof Uint8Array
        ? a
        : (a as { buffer?: unknown })?.buffer instanceof Uint8Array
        ? (a as { buffer: Uint8Array }).buffer
        : undefined;
      if (bytes === undefined) return `${path}: expected bytes, got ${show(a)}`;
      const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
      return hex === String(arg).toLowerCase() ? null : `${path}: expected bytes ${String(arg)}, got ${hex}`;
    }
    default:
      return `${path}: unsupported special operator ${op}`;
  }
}
