/**
 * getParameter: reads server parameters. Known parameters are listed in one table; `*` (or
 * `{allParameters: true}`) returns all; asking only for unknown ones is mongod's 72 InvalidOptions
 * "no option found to get". Every non-generic field names a parameter, so any field is accepted.
 * `enableTestCommands` reports the server's switch as a boolean, as mongod does for its bool-backed
 * parameter (drivers' test suites read it before using fail points).
 */
import type { RequestContext, ServerContext, ServerInfo } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { FCV } from "../shared/fcv.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { bool } from "../params/schema.ts";
import { DEFAULT_WINDOW_MS } from "../../sessions/snapshot_reads.ts";

export interface GetParameterParams {
  /** `getParameter: "*"` or `getParameter: {allParameters: true}`. */
  readonly all: boolean;
  /** The parameter names asked for (the body's other non-generic fields). */
  readonly names: readonly string[];
}

export function parseGetParameter(body: Doc): GetParameterParams {
  const v = body["getParameter"];
  const all = v === "*" ||
    (isPlainDoc(v) && v["allParameters"] !== undefined &&
      bool(v["allParameters"], "getParameter.allParameters"));
  const names = Object.keys(body).filter((k) => k !== "getParameter" && !GENERIC_FIELDS.has(k));
  return { all, names };
}

/** The values setParameter can change (see admin/set_parameter.ts); defaults when not given. */
export interface LiveParameters {
  readonly logLevel: number;
  readonly cursorTimeoutMillis: number;
  readonly transactionLifetimeLimitSeconds: number;
  readonly minSnapshotHistoryWindowInSeconds: number;
  readonly slowms: number;
  readonly requireApiVersion: boolean;
  readonly logComponentVerbosity: Doc;
  readonly ttlMonitorSleepSecs: number;
  readonly ttlMonitorEnabled: boolean;
  readonly notablescan: boolean;
}

/** The live parameters of a running server. */
export function liveParameters(ctx: ServerContext): LiveParameters {
  return {
    logLevel: ctx.logVerbosity.global,
    cursorTimeoutMillis: ctx.cursors.idleTimeoutMs,
    transactionLifetimeLimitSeconds: ctx.transactions.lifetimeLimitSeconds,
    minSnapshotHistoryWindowInSeconds: Math.round(ctx.snapshots.historyWindowMs / 1000),
    slowms: ctx.profiler.slowms,
    requireApiVersion: ctx.stableApi.requireApiVersion,
    logComponentVerbosity: ctx.logVerbosity.toDocument(),
    ttlMonitorSleepSecs: ctx.ttl.sleepSeconds,
    ttlMonitorEnabled: ctx.ttl.enabled,
    notablescan: ctx.tableScans.refused,
  };
}

export function serverParameters(info: Pick<ServerInfo, "testCommandsEnabled">, live?: LiveParameters): Doc {
  return {
    featureCompatibilityVersion: { version: FCV },
    logLevel: live?.logLevel ?? 0,
    logComponentVerbosity: live?.logComponentVerbosity ?? { verbosity: live?.logLevel ?? 0 },
    authenticationMechanisms: ["SCRAM-SHA-256"],
    // mongod's user-document schema since 3.0 (SCRAM); mongorestore asks before it restores users.
    authSchemaVersion: 5,
    maxBSONDepth: 100,
    cursorTimeoutMillis: live?.cursorTimeoutMillis ?? 600000,
    internalQueryMaxBlockingSortMemoryUsageBytes: 104857600,
    transactionLifetimeLimitSeconds: live?.transactionLifetimeLimitSeconds ?? 60,
    minSnapshotHistoryWindowInSeconds: live?.minSnapshotHistoryWindowInSeconds ?? DEFAULT_WINDOW_MS / 1000,
    enableTestCommands: info.testCommandsEnabled,
    requireApiVersion: live?.requireApiVersion ?? false,
    ttlMonitorSleepSecs: live?.ttlMonitorSleepSecs ?? 60,
    ttlMonitorEnabled: live?.ttlMonitorEnabled ?? true,
    notablescan: live?.notablescan ?? false,
  };
}

function run(ctx: RequestContext<GetParameterParams>): Doc {
  const all = serverParameters(ctx.info, liveParameters(ctx));
  if (ctx.params.all) return { ...all, ok: 1 };
  const out: Doc = {};
  for (const key of ctx.params.names) {
    if (Object.hasOwn(all, key)) out[key] = all[key];
  }
  if (Object.keys(out).length === 0) throw new CommandError("InvalidOptions", "no option found to get");
  return { ...out, ok: 1 };
}

export const getParameter = defineCommand<GetParameterParams>({
  name: "getParameter",
  help: "reads server parameters: {getParameter: 1, <name>: 1} or {getParameter: '*'}",
  auth: "getParameter",
  parse: parseGetParameter,
  run,
});
