/**
 * Time-series collections as a client sees mongod 8.0's: `create` with `timeseries: {timeField,
 * metaField?, granularity? | bucketMaxSpanSeconds + bucketRoundingSeconds}` (+ `expireAfterSeconds`),
 * listCollections type "timeseries", measurements whose time field must be a date, `_id`s that may
 * repeat, find/aggregate answering the documents as inserted, deletes with any filter, updates only
 * as mongod 8.0 allows them (multi, no upsert, query and changes on the metaField only), no writes
 * inside transactions, no unique/text/2d indexes, and the collection-level TTL on the time field.
 *
 * Storage: the measurements are kept as documents of one catalog collection (no buckets): its
 * options carry `timeseries`, its `_id_` index is non-unique, and with a metaField the
 * `{<meta>: 1, <time>: 1}` index mongod 6.3+ creates is there too. mongod's `system.buckets.<name>`
 * is not listed (mongod itself stops listing it with viewless time-series collections, 8.2+), but
 * mongodump's read of it and mongorestore's insert into it are served with version 1 buckets
 * (timeseries_buckets.ts), so dumps carry the measurements.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { Doc } from "../reply.ts";
import type { RequestContext } from "../context.ts";

export type Granularity = "seconds" | "minutes" | "hours";

export interface TimeseriesOptions {
  readonly timeField: string;
  readonly metaField?: string;
  readonly granularity?: Granularity;
  readonly bucketRoundingSeconds?: number;
  readonly bucketMaxSpanSeconds?: number;
}

const MAX_SPAN: Record<Granularity, number> = { seconds: 3600, minutes: 86400, hours: 2592000 };

/** The stored `timeseries` options of a collection, or undefined for any other collection. */
export function timeseriesOf(coll: CollectionEntry | undefined): TimeseriesOptions | undefined {
  const t = coll?.options["timeseries"];
  return t && typeof t === "object" ? t as TimeseriesOptions : undefined;
}

/**
 * mongod's checks of the bucketing parameters (timeseries_options.cpp), filling in the defaults the
 * way listCollections shows them: granularity "seconds" and its bucketMaxSpanSeconds.
 */
export function normalizeTimeseriesOptions(ns: string, t: TimeseriesOptions): TimeseriesOptions {
  const top = (field: string) =>
    new CommandError("InvalidOptions", `${ns}: '${field}' must be a top-level field and not contain a '.'`);
  if (t.timeField.startsWith("$") || (t.metaField ?? "").startsWith("$")) {
    throw new CommandError("BadValue", "The 'timeField' or 'metaField' cannot start with '$'");
  }
  if (t.timeField.includes(".")) throw top("timeField");
  if (t.metaField !== undefined) {
    if (t.metaField === "_id") throw new CommandError("InvalidOptions", `'metaField' cannot be "_id"`);
    if (t.metaField === t.timeField) {
      throw new CommandError("InvalidOptions", "'metaField' cannot be the same as 'timeField'");
    }
    if (t.metaField.includes(".")) throw top("metaField");
  }
  const { granularity, bucketMaxSpanSeconds: span, bucketRoundingSeconds: rounding } = t;
  const base = { timeField: t.timeField, ...(t.metaField !== undefined ? { metaField: t.metaField } : {}) };
  if (granularity !== undefined) {
    const def = MAX_SPAN[granularity];
    if (span !== undefined && span !== def) {
      throw new CommandError(
        "InvalidOptions",
        `Time-series 'bucketMaxSpanSeconds' cannot be set to a value other than the default of ${def} for the provided granularity`,
      );
    }
    if (rounding !== undefined) {
      throw new CommandError(
        "InvalidOptions",
        "Time-series 'bucketRoundingSeconds' cannot be set alongside the granularity parameter",
      );
    }
    return { ...base, granularity, bucketMaxSpanSeconds: def };
  }
  if (span !== undefined || rounding !== undefined) {
    if (span !== rounding) {
      throw new CommandError(
        "InvalidOptions",
        "Time-series 'bucketRoundingSeconds' must be equal to 'bucketMaxSpanSeconds'",
      );
    }
    return { ...base, bucketRoundingSeconds: rounding!, bucketMaxSpanSeconds: span! };
  }
  return { ...base, granularity: "seconds", bucketMaxSpanSeconds: MAX_SPAN.seconds };
}

/** collMod `timeseries`: the granularity / bucketing transitions mongod allows (only wider). */
export function modifiedTimeseriesOptions(
  current: TimeseriesOptions,
  mod: { granularity?: Granularity; bucketMaxSpanSeconds?: number; bucketRoundingSeconds?: number },
): TimeseriesOptions {
  const fail = (m: string) => new CommandError("InvalidOptions", m);
  if (
    mod.granularity === undefined && mod.bucketMaxSpanSeconds === undefined &&
    mod.bucketRoundingSeconds === undefined
  ) {
    return current;
  }
  const roundingOf = (g: Granularity) => (g === "seconds" ? 60 : g === "minutes" ? 3600 : 86400);
  let span: number;
  let rounding: number;
  if (mod.granularity !== undefined) {
    if (mod.bucketMaxSpanSeconds !== undefined && mod.bucketMaxSpanSeconds !== MAX_SPAN[mod.granularity]) {
      throw fail(
        "Timeseries 'bucketMaxSpanSeconds' is not configurable to a value other than the default for the provided granularity",
      );
    }
    if (mod.bucketRoundingSeconds !== undefined) {
      throw fail(
        "Timeseries 'bucketRoundingSeconds' is not configurable alongside the granularity parameter",
      );
    }
    if (current.granularity !== undefined) {
      if (current.granularity === mod.granularity) return current;
      const ok = current.granularity === "seconds" ||
        (current.granularity === "minutes" && mod.granularity === "hours");
      if (!ok) {
        throw fail(
          "Invalid transition for timeseries.granularity. Can only transition from 'seconds' to 'minutes' or 'minutes' to 'hours'.",
        );
      }
    }
    span = MAX_SPAN[mod.granularity];
    rounding = roundingOf(mod.granularity);
  } else {
    if (mod.bucketMaxSpanSeconds === undefined || mod.bucketRoundingSeconds === undefined) {
      throw fail(
        "Timeseries 'bucketMaxSpanSeconds' and 'bucketRoundingSeconds' need to be set alongside each other",
      );
    }
    if (mod.bucketMaxSpanSeconds !== mod.bucketRoundingSeconds) {
      throw fail("Timeseries 'bucketRoundingSeconds' needs to be equal to 'bucketMaxSpanSeconds'");
    }
    span = mod.bucketMaxSpanSeconds;
    rounding = mod.bucketRoundingSeconds;
  }
  const g = current.granularity ?? "seconds";
  const curSpan = current.bucketMaxSpanSeconds ?? MAX_SPAN[g];
  const curRounding = current.bucketRoundingSeconds ?? roundingOf(g);
  if (curSpan === span && curRounding === rounding) return current;
  if (curSpan > span) {
    throw fail("Timeseries 'bucketMaxSpanSeconds' needs to be equal or greater to transition");
  }
  if (curRounding > rounding) {
    throw fail("Timeseries 'bucketRoundingSeconds' needs to be equal or greater to transition");
  }
  const base = {
    timeField: current.timeField,
    ...(current.metaField !== undefined ? { metaField: current.metaField } : {}),
  };
  return mod.granularity !== undefined
    ? { ...base, granularity: mod.granularity, bucketMaxSpanSeconds: span }
    : { ...base, bucketRoundingSeconds: rounding, bucketMaxSpanSeconds: span };
}

/** A measurement must carry a date in the time field (mongod: 2 BadValue, its words). */
export function checkMeasurement(t: TimeseriesOptions, doc: Doc): void {
  if (!(doc[t.timeField] instanceof Date)) {
    throw new CommandError(
      "BadValue",
      `'${t.timeField}' must be present and contain a valid BSON UTC datetime value`,
    );
  }
}

/** Writes to a time-series collection inside a multi-document transaction: 263, as mongod. */
export function refuseTimeseriesInTransaction(
  ctx: RequestContext<unknown>,
  coll: CollectionEntry | undefined,
  kind: "insert" | "update" | "delete",
): void {
  if (!ctx.transaction || !timeseriesOf(coll)) return;
  const ns = `${coll!.db}.${coll!.name}`;
  const what = kind === "insert" ? "insert into" : kind === "update" ? "update" : "delete from";
  throw new CommandError(
    "OperationNotSupportedInTransaction",
    `Cannot ${what} a time-series collection in a multi-document transaction: ${ns}`,
  );
}

/** True when `path` is the metaField or a path inside it. */
function onMeta(path: string, meta: string): boolean {
  return path === meta || path.startsWith(`${meta}.`);
}

function queryOnlyOnMeta(filter: Doc, meta: string): boolean {
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" || k === "$or" || k === "$nor") {
      if (
        !Array.isArray(v) || !v.every((x) => x && typeof x === "object" && queryOnlyOnMeta(x as Doc, meta))
      ) {
        return false;
      }
    } else if (k === "$comment") continue;
    else if (k.startsWith("$")) return false;
    else if (!onMeta(k, meta)) return false;
  }
  return true;
}

/**
 * An update statement on a time-series collection, checked as mongod 8.0 checks it (its order,
 * 72 InvalidOptions): multi only, no upsert, a metaField, a query and changes on the metaField only,
 * update operators only.
 */
export function checkTimeseriesUpdate(
  t: TimeseriesOptions,
  st: { readonly q: Doc; readonly u: Doc | Doc[]; readonly multi: boolean; readonly upsert: boolean },
): void {
  const fail = (m: string) => new CommandError("InvalidOptions", m);
  if (!st.multi) throw fail("Cannot perform a non-multi update on a time-series collection");
  if (st.upsert) throw fail("Cannot perform an upsert on a time-series collection");
  const meta = t.metaField;
  if (meta === undefined) {
    throw fail("Cannot perform an update on a time-series collection that does not have a metaField");
  }
  if (!queryOnlyOnMeta(st.q, meta)) {
    throw fail(
      `Cannot perform an update or delete on a time-series collection when querying on a field that is not the metaField '${meta}'`,
    );
  }
  if (Array.isArray(st.u)) {
    throw fail("Cannot perform an update on a time-series collection using a pipeline update");
  }
  const ops = Object.keys(st.u);
  if (ops.length === 0 || !ops.every((k) => k.startsWith("$"))) {
    throw fail("Cannot perform an update on a time-series collection using a replacement document");
  }
  for (const op of ops) {
    const fields = st.u[op];
    if (!fields || typeof fields !== "object") continue;
    for (const [path, v] of Object.entries(fields as Doc)) {
      const targets = op === "$rename" && typeof v === "string" ? [path, v] : [path];
      if (!targets.every((p) => onMeta(p, meta))) {
        throw fail(
          `Cannot perform an update on a time-series collection which updates a field that is not the metaField '${meta}'`,
        );
      }
    }
  }
}

/**
 * `<db>.system.buckets.*` is where mongod keeps a time-series collection's buckets; here measurements live in
 * the time-series collection itself (tests/diff/README.md, diff 1), so creating such a namespace (explicitly or
 * by a first write) is refused rather than making an unrelated plain collection: 238 NotImplemented.
 */
export function refuseBucketsNamespace(db: string, name: string): void {
  if (!name.startsWith("system.buckets.")) return;
  throw new CommandError(
    "NotImplemented",
    `${db}.${name}: time-series buckets collections are not kept by SecantusDB (measurements are stored in the time-series collection itself)`,
  );
}
