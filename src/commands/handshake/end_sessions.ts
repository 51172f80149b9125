/**
 * endSessions: forgets the listed logical sessions (`{endSessions: [{id: UUID}, …]}`). Other fields
 * are accepted, as before typed params. Each entry is checked the way the lsid generic argument is
 * (`{id: UUID, uid?}`).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { Binary } from "bson";
import { array, optional, type Reader, required, shape } from "../params/schema.ts";
import { wrongType } from "../params/errors.ts";
import type { Lsid } from "../params/generic.ts";

const binData: Reader<Binary> = (v, path) => {
  if (!(v instanceof Binary)) throw wrongType(path, v, "binData");
  return v;
};

/** One `LogicalSessionFromClient` (mongod's IDL: strict `{id: UUID, uid?: binData}`). */
const SESSION = shape({ id: required(binData), uid: optional(binData) });

export interface EndSessionsParams {
  readonly sessions: readonly Lsid[];
}

export function parseEndSessions(body: Doc): EndSessionsParams {
  return { sessions: array(body["endSessions"], "endSessions").map((v) => SESSION(v, "endSessions")) };
}

function run(ctx: RequestContext<EndSessionsParams>): Doc {
  for (const lsid of ctx.params.sessions) ctx.sessions.end(lsid);
  return { ok: 1 };
}

export const endSessions = defineCommand<EndSessionsParams>({
  name: "endSessions",
  help: "ends logical sessions: {endSessions: [{id: <UUID>}, ...]}",
  auth: "none",
  parse: parseEndSessions,
  run,
});
