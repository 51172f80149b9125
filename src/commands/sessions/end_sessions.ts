/**
 * endSessions: ends the listed logical sessions (`{endSessions: [{id: UUID}, …]}`): an open
 * transaction of the session is aborted (its cursors killed), cursors the session opened are
 * killed, and the session is forgotten. Other fields are accepted, as mongod does.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import type { Lsid } from "../params/generic.ts";
import { sessionList } from "./session_list.ts";
import { endLogicalSession } from "./kill_session.ts";

export interface EndSessionsParams {
  readonly sessions: readonly Lsid[];
}

export function parseEndSessions(body: Doc): EndSessionsParams {
  return { sessions: sessionList(body["endSessions"], "endSessions") };
}

function run(ctx: RequestContext<EndSessionsParams>): Doc {
  for (const lsid of ctx.params.sessions) endLogicalSession(ctx, lsid, "endSessions");
  return { ok: 1 };
}

export const endSessions = defineCommand<EndSessionsParams>({
  name: "endSessions",
  help: "ends logical sessions: {endSessions: [{id: <UUID>}, ...]}",
  auth: "none",
  parse: parseEndSessions,
  run,
});
