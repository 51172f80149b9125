/**
 * getClusterParameter / setClusterParameter (admin database only): the cluster parameters this server
 * keeps (shared/cluster_parameters.ts) — `defaultMaxTimeMS` (MongoDB 8.0: `{readOperations: <ms>}`, the
 * time limit of reads that set none). `getClusterParameter` takes a name, a list of names or "*" and
 * replies `{clusterParameters: [...]}`; an unknown name is 4 NoSuchKey, a parameter of mongod's this
 * server does not implement (`changeStreamOptions`, …) 115 CommandNotSupported — never silently ignored.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { int, parseShape, required } from "../params/schema.ts";
import {
  DEFAULT_MAX_TIME_MS,
  unknown,
  UNSUPPORTED_CLUSTER_PARAMETERS,
} from "../shared/cluster_parameters.ts";

function adminOnly(ctx: RequestContext<unknown>): void {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", `${ctx.command} may only be run against the admin database.`);
  }
}

function unsupported(name: string): CommandError {
  return new CommandError("CommandNotSupported", `cluster parameter ${name} is not supported by this server`);
}

export interface GetClusterParameterParams {
  /** The names asked for; undefined for "*". */
  readonly names: readonly string[] | undefined;
}

function parseGet(body: Doc): GetClusterParameterParams {
  parseShape("getClusterParameter", body, {}, { skip: "getClusterParameter", alsoAccept: GENERIC_FIELDS });
  const v = body["getClusterParameter"];
  if (v === "*") return { names: undefined };
  if (typeof v === "string") return { names: [v] };
  if (Array.isArray(v) && v.every((n) => typeof n === "string")) return { names: v as string[] };
  throw new CommandError(
    "TypeMismatch",
    "BSON field 'getClusterParameter' is the wrong type, expected types '[string, array]'",
  );
}

function runGet(ctx: RequestContext<GetClusterParameterParams>): Doc {
  adminOnly(ctx);
  const params = ctx.clusterParameters;
  const names = ctx.params.names ?? params.names();
  for (const n of names) {
    if (UNSUPPORTED_CLUSTER_PARAMETERS.has(n)) throw unsupported(n);
  }
  return { clusterParameters: names.map((n) => params.document(n)), ok: 1 };
}

export interface SetClusterParameterParams {
  readonly defaultMaxTimeMS: { readonly readOperations: number };
}

function parseSet(body: Doc): SetClusterParameterParams {
  parseShape("setClusterParameter", body, {}, { skip: "setClusterParameter", alsoAccept: GENERIC_FIELDS });
  const v = body["setClusterParameter"];
  if (!isPlainDoc(v)) {
    throw new CommandError(
      "TypeMismatch",
      "BSON field 'setClusterParameter' is the wrong type, expected type 'object'",
    );
  }
  const names = Object.keys(v);
  if (names.length !== 1) {
    throw new CommandError(
      "IllegalOperation",
      "Cluster parameter value must be an object with exactly one field",
    );
  }
  const name = names[0]!;
  if (UNSUPPORTED_CLUSTER_PARAMETERS.has(name)) throw unsupported(name);
  if (name !== DEFAULT_MAX_TIME_MS) throw unknown(name);
  const value = v[name];
  if (!isPlainDoc(value)) {
    throw new CommandError("TypeMismatch", `BSON field '${name}' is the wrong type, expected type 'object'`);
  }
  const p = parseShape(name, value, { readOperations: required(int) }, {});
  if (p.readOperations < 0) {
    throw new CommandError(
      "BadValue",
      `BSON field '${name}.readOperations' value must be >= 0, actual value '${p.readOperations}'`,
    );
  }
  return { defaultMaxTimeMS: { readOperations: p.readOperations } };
}

function runSet(ctx: RequestContext<SetClusterParameterParams>): Doc {
  adminOnly(ctx);
  ctx.clusterParameters.setDefaultMaxTimeMS(ctx.params.defaultMaxTimeMS.readOperations);
  return { ok: 1 };
}

export const getClusterParameter = defineCommand<GetClusterParameterParams>({
  name: "getClusterParameter",
  help: "cluster parameters: {getClusterParameter: <name> | [<name>, …] | '*'}",
  auth: "getClusterParameter",
  parse: parseGet,
  run: runGet,
});

export const setClusterParameter = defineCommand<SetClusterParameterParams>({
  name: "setClusterParameter",
  help: "sets a cluster parameter: {setClusterParameter: {defaultMaxTimeMS: {readOperations: <ms>}}}",
  auth: "setClusterParameter",
  parse: parseSet,
  run: runSet,
});
