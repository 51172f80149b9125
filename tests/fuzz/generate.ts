/**
 * Generates one fuzz request: a command body (the command name first, with a value of random type,
 * then a random subset of that command's known fields and of the shared pool, each with a random value
 * or a plausible-but-wrong shape for that field) and the database it goes to. Pure given the Prng.
 */
import { Long } from "bson";
import type { Prng } from "./prng.ts";
import { expr, runtimePipeline, runtimeUpdate } from "./runtime.ts";
import type { KnownParams } from "./known_params.ts";
import {
  anyValue,
  expression,
  FIELD_PATHS,
  filter,
  keyPattern,
  operatorDoc,
  pipeline,
  randomDoc,
  scalar,
  update,
} from "./values.ts";

export type Body = Record<string, unknown>;

export interface Request {
  readonly db: string;
  readonly body: Body;
}

export const FUZZ_DB = "fuzz";
export const COLLECTIONS = ["fuzz_a", "fuzz_b", "fuzz_capped", "fuzz_view", "fuzz_text", "fuzz_ts", "nosuch"];

/** Fields some commands read without a declared schema. */
const HAND_PARAMS: Readonly<Record<string, readonly string[]>> = {
  profile: ["slowms", "sampleRate", "filter"],
  killOp: ["op"],
  getParameter: [
    "logLevel",
    "featureCompatibilityVersion",
    "cursorTimeoutMillis",
    "allParameters",
    "showDetails",
  ],
  setParameter: [
    "logLevel",
    "cursorTimeoutMillis",
    "transactionLifetimeLimitSeconds",
    "notablescan",
    "ttlMonitorSleepSecs",
    "logComponentVerbosity",
    "bogusParam",
  ],
  setFeatureCompatibilityVersion: ["confirm", "fromConfigServer"],
  setDefaultRWConcern: ["defaultReadConcern", "defaultWriteConcern"],
  setClusterParameter: ["changeStreamOptions", "defaultMaxTimeMS"],
  explain: ["verbosity"],
  drop: [],
  dropIndexes: ["index"],
  collStats: ["scale"],
  dbStats: ["scale", "freeStorage"],
  currentOp: ["$all", "$ownOps", "active", "op", "ns", "secs_running"],
  killSessions: [],
  getLog: [],
  top: [],
  createSearchIndexes: ["indexes"],
  updateSearchIndex: ["id", "name", "definition"],
  dropSearchIndex: ["id", "name"],
  grantRolesToUser: ["roles"],
  createRole: ["privileges", "roles"],
  dropUser: [],
  replSetStepDown: ["secondaryCatchUpPeriodSecs", "force"],
  replSetFreeze: [],
  startSession: [],
  endSessions: [],
};

/** Fields whose values the query/update/aggregation engines compile: where deep mode plants odd values. */
const ENGINE_FIELDS: ReadonlySet<string> = new Set([
  "filter",
  "query",
  "q",
  "pipeline",
  "u",
  "update",
  "updates",
  "deletes",
  "projection",
  "fields",
  "sort",
  "documents",
  "let",
  "arrayFilters",
  "ops",
  "indexes",
  "validator",
  "min",
  "max",
  "hint",
  "explain",
]);

/** Deep mode, half the time: engine fields that parse and fail (if at all) per document. */
function runtimeFields(r: Prng, command: string, body: Body): void {
  const coll = r.pick(["fuzz_a", "fuzz_a", "fuzz_b", "fuzz_view", "fuzz_ts", "fuzz_capped"]);
  switch (command) {
    case "aggregate":
      body.aggregate = coll;
      body.pipeline = runtimePipeline(r);
      body.cursor = {};
      break;
    case "find":
      body.find = coll;
      if (r.chance(0.6)) body.filter = { $expr: expr(r, 3) };
      if (r.chance(0.5)) body.projection = { v: expr(r, 3), _id: 0 };
      break;
    case "update":
      body.update = coll;
      body.updates = [{
        q: r.chance(0.5) ? {} : { n: { $lt: 20 } },
        u: runtimeUpdate(r),
        multi: r.chance(0.5),
        ...(r.chance(0.2) ? { arrayFilters: [{ "el.b": { $gt: 2 } }] } : {}),
        ...(r.chance(0.2) ? { upsert: true } : {}),
      }];
      break;
    case "findAndModify":
      body.findAndModify = coll;
      body.query = r.chance(0.5) ? {} : { n: r.int(40) };
      body.update = runtimeUpdate(r);
      if (r.chance(0.3)) body.fields = { v: expr(r, 2) };
      break;
    case "count":
    case "distinct":
    case "delete":
      body[command] = coll;
      if (command === "delete") body.deletes = [{ q: { $expr: expr(r, 3) }, limit: r.pick([0, 1]) }];
      else body.query = { $expr: expr(r, 3) };
      break;
  }
}

/** Fields a deep-mode body always has besides the schema's required ones. */
const DEEP_REQUIRED: Readonly<Record<string, readonly string[]>> = {
  aggregate: ["cursor", "pipeline"],
  update: ["updates"],
  delete: ["deletes"],
  insert: ["documents"],
  bulkWrite: ["ops", "nsInfo"],
  createIndexes: ["indexes"],
  findAndModify: ["query"],
  mapReduce: ["map", "reduce", "out"],
  distinct: ["key"],
};

/** The command's own value: the usual one (a collection name, 1) most of the time, else anything odd. */
function commandValue(r: Prng): unknown {
  if (r.chance(0.45)) return r.pick(COLLECTIONS);
  if (r.chance(0.35)) return 1;
  return r.pick<unknown>([
    1,
    "fuzz_a",
    {},
    [],
    null,
    -1,
    1.5,
    Long.fromBigInt(9223372036854775807n),
    "",
    "a\u0000b",
    "$cmd",
    "a$b",
    "fuzz_a.$x",
    "system.views",
    "system.profile",
    true,
    false,
    { a: 1 },
    ["fuzz_a"],
    scalar(r),
  ]);
}

function indexSpec(r: Prng): unknown {
  const s: Body = {};
  if (r.chance(0.9)) s.key = r.chance(0.8) ? keyPattern(r) : anyValue(r, 1);
  if (r.chance(0.8)) s.name = r.chance(0.8) ? r.pick(["i1", "i2", "a_1", "_id_", "", "x.y"]) : scalar(r);
  for (
    const o of r.subset([
      "unique",
      "sparse",
      "expireAfterSeconds",
      "partialFilterExpression",
      "hidden",
      "collation",
      "weights",
      "default_language",
      "language_override",
      "2dsphereIndexVersion",
      "bits",
      "min",
      "max",
      "wildcardProjection",
      "textIndexVersion",
      "v",
      "background",
      "storageEngine",
      "prepareUnique",
      "bogus",
    ], 0.12)
  ) {
    s[o] = o === "partialFilterExpression"
      ? filter(r, 1)
      : o === "wildcardProjection" || o === "weights"
      ? keyPattern(r)
      : o === "collation"
      ? collation(r)
      : anyValue(r, 1);
  }
  return s;
}

function collation(r: Prng): unknown {
  if (r.chance(0.1)) return anyValue(r, 1);
  const c: Body = {};
  if (r.chance(0.85)) {
    c.locale = r.pick<unknown>(["en", "simple", "fr", "xx", "", "de@collation=phonebook", 1]);
  }
  for (
    const o of r.subset([
      "strength",
      "caseLevel",
      "caseFirst",
      "numericOrdering",
      "alternate",
      "maxVariable",
      "backwards",
      "normalization",
      "bogus",
    ], 0.25)
  ) {
    c[o] = r.chance(0.5)
      ? r.pick<unknown>([1, 2, 3, 4, 5, 0, 6, "upper", "off", "shifted", "punct", true])
      : scalar(r);
  }
  return c;
}

function writeConcern(r: Prng): unknown {
  if (r.chance(0.2)) return anyValue(r, 1);
  const w: Body = {};
  for (const o of r.subset(["w", "j", "wtimeout", "fsync", "provenance", "bogus"], 0.4)) {
    w[o] = o === "w" ? r.pick<unknown>([0, 1, 2, "majority", "x", -1, 1.5, {}, { tag: 1 }]) : scalar(r);
  }
  return w;
}

function cursorOpts(r: Prng): unknown {
  if (r.chance(0.2)) return anyValue(r, 1);
  return r.chance(0.6) ? { batchSize: scalar(r) } : randomDoc(r, 1);
}

function bulkOp(r: Prng): unknown {
  const kind = r.pick(["insert", "update", "delete", "bogus"]);
  const op: Body = { [kind]: r.chance(0.8) ? r.int(3) : scalar(r) };
  if (kind === "insert") op.document = r.chance(0.8) ? randomDoc(r, 2) : anyValue(r, 1);
  else {
    op.filter = filter(r, 1);
    if (kind === "update") op.updateMods = update(r, 1);
    for (
      const o of r.subset(["multi", "upsert", "arrayFilters", "hint", "collation", "sort", "return"], 0.15)
    ) op[o] = anyValue(r, 1);
  }
  return op;
}

/** A value for field `name`, shaped like what it expects most of the time. */
export function fieldValue(r: Prng, name: string, shaped = false): unknown {
  if (!shaped && r.chance(0.3)) return anyValue(r, 2);
  switch (name) {
    case "filter":
    case "query":
    case "q":
    case "partialFilterExpression":
    case "validator":
    case "min":
    case "max":
      return filter(r, 2);
    case "u":
    case "update":
    case "updateMods":
      return update(r, 2);
    case "pipeline":
      return pipeline(r, 2);
    case "sort":
    case "projection":
    case "fields":
    case "key":
    case "hint":
    case "keyPattern":
    case "index":
      return r.chance(0.2)
        ? r.pick<unknown>(["a_1", "_id_", "nosuch", "$natural", "", "text"])
        : keyPattern(r);
    case "documents":
      return Array.from({ length: r.int(4) }, () => (r.chance(0.85) ? randomDoc(r, 3) : anyValue(r, 1)));
    case "updates":
      return Array.from({ length: 1 + r.int(2) }, () => ({
        q: filter(r, 1),
        u: update(r, 1),
        ...(r.chance(0.3) ? { upsert: scalar(r) } : {}),
        ...(r.chance(0.3) ? { multi: scalar(r) } : {}),
        ...(r.chance(0.2) ? { arrayFilters: [filter(r, 1)] } : {}),
        ...(r.chance(0.1) ? { collation: collation(r) } : {}),
        ...(r.chance(0.1) ? { hint: keyPattern(r) } : {}),
        ...(r.chance(0.1) ? { sort: keyPattern(r) } : {}),
      }));
    case "deletes":
      return Array.from(
        { length: 1 + r.int(2) },
        () => ({
          q: filter(r, 1),
          limit: r.chance(0.7) ? r.pick([0, 1]) : scalar(r),
          ...(r.chance(0.1) ? { collation: collation(r) } : {}),
          ...(r.chance(0.1) ? { hint: keyPattern(r) } : {}),
        }),
      );
    case "indexes":
      return Array.from({ length: r.int(3) }, () => indexSpec(r));
    case "ops":
      return Array.from({ length: r.int(3) }, () => bulkOp(r));
    case "nsInfo":
      return Array.from(
        { length: r.int(3) },
        () => ({ ns: r.pick<unknown>(["fuzz.fuzz_a", "fuzz.fuzz_b", "fuzz.fuzz_view", "fuzz.", "x", 1]) }),
      );
    case "collation":
      return collation(r);
    case "writeConcern":
    case "defaultWriteConcern":
      return writeConcern(r);
    case "readConcern":
    case "defaultReadConcern":
      return {
        level: r.pick<unknown>(["local", "majority", "snapshot", "available", "linearizable", "bogus", 1]),
      };
    case "cursor":
      return cursorOpts(r);
    case "let":
    case "scope":
      return randomDoc(r, 2);
    case "arrayFilters":
      return Array.from({ length: r.int(3) }, () => filter(r, 1));
    case "limit":
    case "skip":
    case "batchSize":
    case "size":
    case "maxTimeMS":
    case "expireAfterSeconds":
      return scalar(r);
    case "to":
    case "from":
    case "viewOn":
    case "collection":
    case "ns":
      return r.pick<unknown>([
        "fuzz.fuzz_a",
        "fuzz.fuzz_new",
        "fuzz.fuzz_view",
        "admin.x",
        "fuzz",
        ...COLLECTIONS,
        "",
        "a\u0000b",
        1,
      ]);
    case "map":
    case "reduce":
    case "finalize":
      return r.chance(0.5)
        ? r.pick(["function(){emit(this.a,1)}", "function(k,v){return Array.sum(v)}", "x", "function(){"])
        : scalar(r);
    case "out":
      return r.chance(0.5)
        ? r.pick<unknown>(["fuzz_out", { inline: 1 }, { replace: "fuzz_out" }, { merge: "x", db: "fuzz" }, {
          reduce: 1,
        }])
        : anyValue(r, 1);
    case "cursors":
      return Array.from({ length: r.int(3) }, () => scalar(r));
    case "getMore":
    case "id":
      return r.pick<unknown>([Long.fromNumber(r.int(1000)), Long.fromBigInt(-1n), 0, scalar(r)]);
    case "timeseries":
      return {
        timeField: r.pick<unknown>(["t", "a", "", 1]),
        metaField: r.pick<unknown>(["m", "t", "$a", undefined]),
        granularity: scalar(r),
      };
    case "clusteredIndex":
      return r.chance(0.5) ? { key: keyPattern(r), unique: scalar(r), name: scalar(r) } : scalar(r);
    case "expr":
      return expression(r, 2);
    default:
      if (shaped) return r.chance(0.5) ? randomDoc(r, 2) : r.pick<unknown>([1, true, "a", []]);
      return r.chance(0.5) ? anyValue(r, 2) : r.chance(0.5) ? operatorDoc(r, 2) : r.pick(FIELD_PATHS);
  }
}

/** What the runner learned about a command from earlier replies (steers bodies past the first check). */
export interface Hints {
  /** Command values that got an ok reply. */
  readonly goodValues: Map<string, unknown[]>;
  /** Commands refused outside the admin database. */
  readonly adminOnly: Set<string>;
  /** Command → top-level fields it refused as unknown (kept out of deep-mode bodies). */
  readonly unknown: Map<string, Set<string>>;
}

export function emptyHints(): Hints {
  return { goodValues: new Map(), adminOnly: new Set(), unknown: new Map() };
}

/** A value of the type a schema reader expects (from known_params.ts), or a shaped one by name. */
function typedValue(r: Prng, name: string, reader: string | undefined): unknown {
  switch (reader) {
    case "bool":
    case "strictBool":
      return r.pick([true, false]);
    case "int":
    case "count":
    case "num":
    case "nonNegative":
      return r.pick([0, 1, 2, 10, 100]);
    case "str":
      return r.pick(["fuzz_a", "a", "x", "i1"]);
    default:
      return fieldValue(r, name, true);
  }
}

/** Replaces one value somewhere below the top level of `v` with an odd one. */
function mutate(r: Prng, v: unknown, depth: number): unknown {
  const odd = () => (r.chance(0.5) ? scalar(r) : r.chance(0.5) ? operatorDoc(r, 1) : anyValue(r, 1));
  if (depth <= 0 || v === null || typeof v !== "object" || r.chance(0.3)) return odd();
  if (Array.isArray(v)) {
    if (v.length === 0) return [odd()];
    const i = r.int(v.length);
    return v.map((x, j) => (j === i ? mutate(r, x, depth - 1) : x));
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return odd();
  const d = v as Body;
  const keys = Object.keys(d);
  if (keys.length === 0 || r.chance(0.15)) return { ...d, [r.pick([...FIELD_PATHS, "$bogus"])]: odd() };
  const k = r.pick(keys);
  return { ...d, [k]: mutate(r, d[k], depth - 1) };
}

/**
 * One request for `command`. Two modes: "wide" (any value for the command, random own and shared
 * fields of random types) and "deep" (a command value that worked before, own fields only with the
 * types their schema reads, then one odd value planted somewhere inside) — the deep mode gets past
 * parameter parsing into the command's own logic.
 */
export function generate(r: Prng, command: string, known: KnownParams, hints: Hints = emptyHints()): Request {
  const own = [...(known.byCommand.get(command) ?? []), ...(HAND_PARAMS[command] ?? [])].filter((f) =>
    f !== command
  );
  const admin = hints.adminOnly.has(command);
  const good = hints.goodValues.get(command);
  if (r.chance(0.75)) {
    const value = good && r.chance(0.8)
      ? r.pick(good)
      : r.pick<unknown>(["fuzz_a", "fuzz_a", "fuzz_b", 1, ...COLLECTIONS]);
    const body: Body = { [command]: value };
    const refused = hints.unknown.get(command);
    for (const f of r.subset(own.filter((f) => !refused?.has(f)), own.length > 6 ? 0.25 : 0.4)) {
      body[f] = typedValue(r, f, known.readers.get(`${command}.${f}`));
    }
    for (const f of [...(known.required.get(command) ?? []), ...(DEEP_REQUIRED[command] ?? [])]) {
      if (!(f in body) && !refused?.has(f)) body[f] = typedValue(r, f, known.readers.get(`${command}.${f}`));
    }
    if (r.chance(0.5)) runtimeFields(r, command, body);
    if (command === "explain") {
      const inner = r.pick(["find", "aggregate", "count", "distinct", "update", "delete", "findAndModify"]);
      body.explain = generate(r, inner, known, hints).body;
    }
    if (r.chance(0.7)) {
      // plant the odd value inside a document or array field when there is one
      const keys = Object.keys(body).slice(1);
      const nested = keys.filter((k) => body[k] !== null && typeof body[k] === "object");
      const engine = nested.filter((k) => ENGINE_FIELDS.has(k));
      const pool = engine.length && r.chance(0.8) ? engine : nested.length && r.chance(0.85) ? nested : keys;
      const k = pool.length ? r.pick(pool) : r.pick(own.length ? own : known.pool);
      body[k] = k in body ? mutate(r, body[k], 4) : fieldValue(r, k);
    }
    return { db: admin ? "admin" : r.chance(0.95) ? FUZZ_DB : "admin", body };
  }
  const body: Body = { [command]: commandValue(r) };
  for (const f of r.subset(own, own.length > 6 ? 0.3 : 0.5)) body[f] = fieldValue(r, f);
  const extra = r.chance(0.5) ? r.int(3) : 0;
  for (let i = 0; i < extra; i++) {
    const f = r.pick(known.pool);
    if (f !== command && !(f in body)) body[f] = fieldValue(r, f);
  }
  const db = admin && r.chance(0.8)
    ? "admin"
    : r.chance(0.85)
    ? FUZZ_DB
    : r.pick(["admin", "local", "config", "fuzz2"]);
  return { db, body };
}
