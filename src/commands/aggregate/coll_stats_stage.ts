/**
 * `$collStats` and `$planCacheStats`: source stages the command layer answers (first stage only).
 *
 * `$collStats {count: {}, storageStats: {scale?}}` answers one document `{ns, host, localTime,
 * count?, storageStats?}` — `storageStats` carries the collStats command's fields (what mongosh's
 * `db.coll.stats()` reads), `count` the number of documents; on a missing collection both are 26
 * NamespaceNotFound in mongod's wording (`count` on a time-series collection too: mongod counts the
 * records of a collection and a time-series collection is a view over its buckets there);
 * `local.oplog.rs` answers the oplog's figures (shared/oplog_stats.ts). `latencyStats {histograms?}`
 * answers the namespace's reads, writes, commands and transactions (total microseconds and
 * operations, plus mongod's histogram buckets with `histograms: true`) and `queryExecStats` its
 * collection scans, both as counted by `top` (observability/top.ts) since the server started.
 * Unknown options are 40415.
 * `$planCacheStats {}` answers one document per query shape in the plan cache (shared/compile_query.ts).
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { latencyDoc } from "../shared/latency_doc.ts";
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
  /** `latencyStats` asked (with `histograms`), or undefined. */
  readonly latency?: { readonly histograms: boolean } | undefined;
  readonly queryExec?: boolean;
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
    let latency: { histograms: boolean } | undefined;
    const ls = s["latencyStats"];
    if (isDocument(ls)) {
      for (const k of Object.keys(ls)) {
        if (k !== "histograms") {
          throw new CommandError(
            "IDLUnknownField",
            `BSON field '$collStats.latencyStats.${k}' is an unknown field.`,
          );
        }
      }
      const h = ls["histograms"];
      if (h !== undefined && typeof h !== "boolean") {
        throw new CommandError(
          "TypeMismatch",
          "BSON field '$collStats.latencyStats.histograms' is the wrong type, expected type 'bool'",
        );
      }
      latency = { histograms: h === true };
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
    spec = { count: "count" in s, storageScale, latency, queryExec: "queryExecStats" in s };
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
  if (spec.latency) out["latencyStats"] = latencyDoc(ctx.top.latency(ns), spec.latency.histograms);
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
  if (spec.queryExec) {
    const scans = ctx.top.collectionScans(ns);
    out["queryExecStats"] = {
      collectionScans: {
        total: Long.fromNumber(scans.total),
        nonTailable: Long.fromNumber(scans.nonTailable),
      },
    };
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
