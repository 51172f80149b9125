/**
 * `$collStats` and `$planCacheStats`: source stages the command layer answers (first stage only).
 *
 * `$collStats {count: {}, storageStats: {scale?}}` answers one document `{ns, host, localTime,
 * count?, storageStats?}` — `storageStats` carries the collStats command's fields (what mongosh's
 * `db.coll.stats()` reads), `count` the number of documents; on a missing collection both are 26
 * NamespaceNotFound in mongod's wording (`count` on a time-series collection too: mongod counts the
 * records of a collection and a time-series collection is a view over its buckets there); `local.oplog.rs` answers the oplog's figures
 * (shared/oplog_stats.ts). `latencyStats` and `queryExecStats` are refused with 238:
 * per-collection latency histograms and scan counters are not kept yet. Unknown options are 40415.
 * `$planCacheStats {}` answers one document per query shape in the plan cache (shared/compile_query.ts).
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import type { RequestContext } from "../context.ts";
import type { Doc } from "../reply.ts";
import { storageStatsDoc } from "../ddl/coll_stats.ts";
import { findCollection } from "../shared/namespace.ts";
import { mustBeFirst, splitSourceStage } from "./source_stage.ts";
import { isOplogNs, oplogCollStats } from "../shared/oplog_stats.ts";

export interface CollStatsSpec {
  readonly count: boolean;
  readonly storageScale: number | undefined;
}

const KNOWN = new Set(["count", "storageStats", "latencyStats", "queryExecStats"]);

export function splitCollStats(
  pipeline: unknown[],
  collectionless: boolean,
): { stages: unknown[]; collStats: CollStatsSpec | undefined } {
  let spec: CollStatsSpec | undefined;
  const { stages, found } = splitSourceStage(pipeline, "$collStats", (s, i) => {
    mustBeFirst("$collStats", i);
    if (!isDocument(s)) throw new CommandError("FailedToParse", "$collStats must take a nested object.");
    for (const k of Object.keys(s)) {
      if (!KNOWN.has(k)) {
        throw new CommandError("IDLUnknownField", `BSON field '$collStats.${k}' is an unknown field.`);
      }
      if (!isDocument(s[k])) {
        throw new CommandError(
          "TypeMismatch",
          `BSON field '$collStats.${k}' is the wrong type, expected type 'object'`,
        );
      }
    }
    for (const k of ["latencyStats", "queryExecStats"]) {
      if (k in s) {
        throw new CommandError("NotImplemented", `$collStats ${k} is not tracked yet by SecantusDB`);
      }
    }
    let storageScale: number | undefined;
    const storage = s["storageStats"];
    if (isDocument(storage)) {
      const sc = storage["scale"];
      storageScale = 1;
      if (sc !== undefined) {
        const n = Math.trunc(Number(sc));
        if (!(n >= 1)) throw new CommandError("BadValue", "Scale factor must be greater than zero");
        storageScale = n;
      }
    }
    if (collectionless) {
      throw new CommandError("InvalidNamespace", "$collStats must be run against a collection namespace");
    }
    spec = { count: "count" in s, storageScale };
  });
  return { stages, collStats: found ? spec : undefined };
}

/** The one `$collStats` document. */
export function collStatsDocs(
  ctx: RequestContext,
  collection: string,
  spec: CollStatsSpec,
  host: string,
): Doc[] {
  const ns = `${ctx.db}.${collection}`;
  const out: Doc = { ns, host, localTime: new Date() };
  if (isOplogNs(ctx.db, collection) && ctx.oplog) {
    if (spec.storageScale !== undefined) out["storageStats"] = oplogCollStats(ctx.oplog, spec.storageScale);
    if (spec.count) out["count"] = ctx.oplog.count;
    return [out];
  }
  const coll = findCollection(ctx, collection);
  const missing = (what: string) =>
    new CommandError(
      "NamespaceNotFound",
      `Unable to retrieve ${what} in $collStats stage :: caused by :: Collection [${ns}] not found.`,
    );
  if (spec.storageScale !== undefined) {
    if (!coll) throw missing("storageStats");
    out["storageStats"] = storageStatsDoc(ctx, coll, spec.storageScale);
  }
  if (spec.count) {
    // a time-series collection is a view over its buckets on mongod, which has no record count for it
    if (!coll || coll.options["timeseries"] !== undefined) throw missing("count");
    out["count"] = ctx.storage.read((txn) => txn.count(coll));
  }
  return [out];
}

/** Validates `$planCacheStats` (an object, first stage, a collection). */
export function splitPlanCacheStats(
  pipeline: unknown[],
  collectionless: boolean,
): { stages: unknown[]; planCacheStats: boolean } {
  const { stages, found } = splitSourceStage(pipeline, "$planCacheStats", (s, i) => {
    mustBeFirst("$planCacheStats", i);
    if (!isDocument(s)) {
      throw new CommandError("FailedToParse", "$planCacheStats value must be an object.");
    }
    for (const k of Object.keys(s)) {
      if (k !== "allHosts") {
        throw new CommandError("FailedToParse", `unrecognized option to $planCacheStats stage: ${k}`);
      }
    }
    if (collectionless) {
      throw new CommandError(
        "InvalidNamespace",
        "$planCacheStats must be run against a collection namespace",
      );
    }
  });
  return { stages, planCacheStats: found };
}
