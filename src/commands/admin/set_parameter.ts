/**
 * setParameter: changes the server parameters we honour at run time — `logLevel` (0 = INFO, 1 and up
 * = DEBUG) and `logComponentVerbosity` (mongosh's `db.setLogLevel()`; observability/log_verbosity.ts),
 * `cursorTimeoutMillis` (idle cursor reaping), `transactionLifetimeLimitSeconds`, `minSnapshotHistoryWindowInSeconds` (how long storage keeps
 * history for snapshot reads at an earlier atClusterTime), `requireApiVersion` (every command must declare
 * `apiVersion`, commands/stable_api.ts; a bool), `ttlMonitorSleepSecs` / `ttlMonitorEnabled` (the TTL
 * monitor's period and switch; test suites shorten the period to see expiry within seconds), `notablescan`
 * (queries no index can answer are refused, shared/table_scans.ts) — and
 * answers each one's previous value as `was`, as mongod does. A parameter getParameter knows but that
 * cannot change at run time is 72 InvalidOptions "not allowed to change [x] at runtime"; an unknown
 * one is 72 "attempted to set unrecognized parameter [x], use help:true to see options". Admin only.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, int } from "../params/schema.ts";
import { verbosityChanges } from "../../observability/log_verbosity.ts";
import { liveParameters, serverParameters } from "../handshake/get_parameter.ts";

export interface SetParameterParams {
  readonly values: ReadonlyArray<readonly [string, unknown]>;
}

const SETTABLE = new Set([
  "logLevel",
  "cursorTimeoutMillis",
  "transactionLifetimeLimitSeconds",
  "minSnapshotHistoryWindowInSeconds",
  "requireApiVersion",
  "logComponentVerbosity",
  "ttlMonitorSleepSecs",
  "ttlMonitorEnabled",
  "notablescan",
]);
/** Parameters whose values are booleans (safeBool: numbers too); the others are integers. */
const BOOLEAN = new Set(["requireApiVersion", "ttlMonitorEnabled", "notablescan"]);
/** May be 0 (mongod: no history kept beyond what running reads pin). */
const ZERO_ALLOWED = new Set(["logLevel", "minSnapshotHistoryWindowInSeconds"]);

function parse(body: Doc): SetParameterParams {
  const values = Object.entries(body).filter(([k]) => k !== "setParameter" && !GENERIC_FIELDS.has(k));
  if (values.length === 0) {
    throw new CommandError("InvalidOptions", "no option found to set, use help:true to see options ");
  }
  for (const [k, v] of values) {
    if (!SETTABLE.has(k)) continue;
    if (BOOLEAN.has(k)) {
      bool(v, k);
      continue;
    }
    if (k === "logComponentVerbosity") {
      verbosityChanges(v); // (checked whole before any value applies)
      continue;
    }
    const n = int(v, k);
    if (n < 0 || (!ZERO_ALLOWED.has(k) && n === 0)) {
      throw new CommandError("BadValue", `Invalid value for parameter ${k}: ${n}`);
    }
  }
  return { values };
}

function run(ctx: RequestContext<SetParameterParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "setParameter may only be run against the admin database.");
  }
  const known = serverParameters(ctx.info);
  for (const [k] of ctx.params.values) {
    if (SETTABLE.has(k)) continue;
    if (Object.hasOwn(known, k)) {
      throw new CommandError("InvalidOptions", `not allowed to change [${k}] at runtime`);
    }
    throw new CommandError(
      "InvalidOptions",
      `attempted to set unrecognized parameter [${k}], use help:true to see options `,
    );
  }
  const before = liveParameters(ctx);
  const [key, value] = ctx.params.values[0]!;
  for (const [k, v] of ctx.params.values) {
    if (k === "ttlMonitorEnabled") {
      ctx.ttl.enabled = bool(v, k);
      ctx.log.info(`setParameter ${k} = ${ctx.ttl.enabled}`);
      continue;
    }
    if (k === "notablescan") {
      ctx.tableScans.refused = bool(v, k);
      ctx.log.info(`setParameter ${k} = ${ctx.tableScans.refused}`);
      continue;
    }
    if (k === "requireApiVersion") {
      ctx.stableApi.requireApiVersion = bool(v, k);
      // (the I/O thread stops answering requests itself before this reply goes out: point_reads.ts publish)
      ctx.log.info(`setParameter ${k} = ${ctx.stableApi.requireApiVersion}`);
      continue;
    }
    if (k === "logComponentVerbosity") {
      ctx.logVerbosity.set(v);
      ctx.log.info(`setParameter ${k} = ${JSON.stringify(ctx.logVerbosity.toDocument())}`);
      continue;
    }
    const n = int(v, k);
    if (k === "logLevel") ctx.logVerbosity.setGlobal(n);
    else if (k === "cursorTimeoutMillis") ctx.cursors.idleTimeoutMs = n;
    else if (k === "transactionLifetimeLimitSeconds") ctx.transactions.lifetimeLimitSeconds = n;
    else if (k === "minSnapshotHistoryWindowInSeconds") ctx.snapshots.historyWindowMs = n * 1000;
    else if (k === "ttlMonitorSleepSecs") ctx.ttl.sleepSeconds = n;
    ctx.log.info(`setParameter ${k} = ${n}`);
  }
  void value;
  return { was: before[key as keyof typeof before], ok: 1 };
}

export const setParameter = defineCommand<SetParameterParams>({
  name: "setParameter",
  help: "changes a server parameter: {setParameter: 1, <name>: <value>}",
  auth: "setParameter",
  parse,
  run,
});
