/**
 * Making a time-series collection (commands/shared/timeseries.ts), shared by `create` and `$out` with
 * `timeseries`: mongod's `TimeseriesOptions` as declared params (`TIMESERIES_FIELDS`), and
 * `createTimeseriesCollection` — one catalog collection whose options carry the normalized
 * `timeseries`, with a non-unique `_id_` index and, with a metaField, mongod's `{<meta>: 1, <time>: 1}`
 * index.
 */
import { CommandError } from "../../errors/command_error.ts";
import { StorageError } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import { outOfRange } from "../params/errors.ts";
import { int, optional, type Reader, str } from "../params/schema.ts";
import { retryOnConflict } from "../write/conflict_retry.ts";
import { type Granularity, normalizeTimeseriesOptions, type TimeseriesOptions } from "./timeseries.ts";

/** mongod's IDL for a bucketing parameter: an int in [1, 31536000] (51024 otherwise). */
const bucketSeconds: Reader<number> = (v, path) => {
  const n = int(v, path);
  const field = path.slice(path.lastIndexOf(".") + 1);
  if (n < 1) throw outOfRange(field, ">=", 1, n);
  if (n > 31_536_000) throw outOfRange(field, "<=", 31_536_000, n);
  return n;
};

const granularity: Reader<Granularity> = (v, path) => {
  const g = str(v, path);
  if (g !== "seconds" && g !== "minutes" && g !== "hours") {
    throw new CommandError("BadValue", `Enumeration value '${g}' for field '${path}' is not a valid value.`);
  }
  return g;
};

/** mongod's `TimeseriesOptions`. */
export const TIMESERIES_FIELDS = {
  timeField: { rule: "required", read: str },
  metaField: optional(str),
  granularity: optional(granularity),
  bucketRoundingSeconds: optional(bucketSeconds),
  bucketMaxSpanSeconds: optional(bucketSeconds),
} as const;

/**
 * Creates `db.name` as a time-series collection from create-style `options` (their `timeseries` is
 * normalized as listCollections shows it). Waits while an open transaction is creating the namespace;
 * an existing namespace is 48 NamespaceExists.
 */
export async function createTimeseriesCollection(
  ctx: RequestContext<unknown>,
  db: string,
  name: string,
  options: Doc,
): Promise<void> {
  const ns = `${db}.${name}`;
  const ts = normalizeTimeseriesOptions(ns, options["timeseries"] as TimeseriesOptions);
  const stored: Doc = { ...options, timeseries: ts };
  delete stored["capped"];
  try {
    const entry = await retryOnConflict(
      ctx,
      () => ctx.storage.catalog.createCollection(db, name, stored),
    );
    ctx.storage.catalog.convertIndex(db, name, "_id_", { spec: entry.indexes[0]!.spec, unique: false });
    if (ts.metaField !== undefined) {
      const key = { [ts.metaField]: 1, [ts.timeField]: 1 };
      const ixName = `${ts.metaField}_1_${ts.timeField}_1`;
      ctx.storage.catalog.createIndex(db, name, {
        name: ixName,
        spec: { v: 2, key, name: ixName },
        unique: false,
      });
    }
  } catch (e) {
    if (e instanceof StorageError && e.code === "NamespaceExists") {
      throw new CommandError("NamespaceExists", `Collection ${ns} already exists.`);
    }
    throw e;
  }
}
