/**
 * The Stable API (mongod 5.0+): a command may declare `apiVersion: "1"` with `apiStrict` and
 * `apiDeprecationErrors`. The version must be "1" (322 APIVersionError); the two flags need a
 * version (4886600 without one); with `requireApiVersion` on ({@link StableApiSettings}) every command must declare one; with `apiStrict: true` only the commands of API Version 1 run (323 APIStrictError), and
 * aggregation stages outside it are refused the same way. No command of Version 1 is deprecated, so
 * `apiDeprecationErrors` never fires.
 */
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
import type { GenericArgs } from "./params/generic.ts";

/**
 * The server's Stable API switch: mongod's `requireApiVersion` parameter (`[server] require_api_version`
 * at start, `setParameter` at run time). On, every command must declare `apiVersion` (498870 otherwise).
 */
export class StableApiSettings {
  constructor(public requireApiVersion = false) {}
}

/** mongod 8.0's API Version 1 commands. */
const API_V1: ReadonlySet<string> = new Set([
  "abortTransaction",
  "aggregate",
  "authenticate",
  "bulkWrite",
  "collMod",
  "commitTransaction",
  "count",
  "create",
  "createIndexes",
  "delete",
  "drop",
  "dropDatabase",
  "dropIndexes",
  "endSessions",
  "find",
  "findAndModify",
  "getMore",
  "hello",
  "insert",
  "killCursors",
  "listCollections",
  "listDatabases",
  "listIndexes",
  "ping",
  "refreshSessions",
  "saslContinue",
  "saslStart",
  "update",
]);

/** Aggregation stages outside API Version 1 that this server implements. */
const NOT_V1_STAGES: ReadonlySet<string> = new Set([
  "$currentOp",
  "$indexStats",
  "$listLocalSessions",
  "$listSessions",
  "$collStats",
  "$planCacheStats",
]);

export function checkApiParameters(g: GenericArgs, command: string, requireApiVersion = false): void {
  if (g.apiVersion === undefined) {
    if (requireApiVersion) {
      throw new CommandError(
        Location.ApiVersionRequired,
        "The apiVersion parameter is required, please configure your MongoClient's API version",
      );
    }
    if (g.apiStrict !== undefined) {
      throw new CommandError(
        Location.ApiParamsWithoutVersion,
        "Provided apiStrict without passing apiVersion",
      );
    }
    if (g.apiDeprecationErrors !== undefined) {
      throw new CommandError(
        Location.ApiParamsWithoutVersion,
        "Provided apiDeprecationErrors without passing apiVersion",
      );
    }
    return;
  }
  if (g.apiVersion !== "1") {
    throw new CommandError("APIVersionError", `API version must be "1"`);
  }
  if (g.apiStrict === true && !API_V1.has(command)) {
    throw new CommandError(
      "APIStrictError",
      `Provided apiStrict:true, but the command ${command} is not in API Version 1`,
    );
  }
}

/** 323 for a pipeline stage outside API Version 1 under `apiStrict: true`. */
export function checkApiStrictStage(g: GenericArgs, stage: string): void {
  if (g.apiStrict === true && g.apiVersion === "1" && NOT_V1_STAGES.has(stage)) {
    throw new CommandError(
      "APIStrictError",
      `${stage} is not allowed with 'apiStrict: true' in API Version 1`,
    );
  }
}
