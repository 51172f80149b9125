/** refreshSessions: marks the listed logical sessions as used now (`{refreshSessions: [{id}, …]}`). */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import type { Lsid } from "../params/generic.ts";
import { sessionList } from "./session_list.ts";

export interface RefreshSessionsParams {
  readonly sessions: readonly Lsid[];
}

export function parseRefreshSessions(body: Doc): RefreshSessionsParams {
  return { sessions: sessionList(body["refreshSessions"], "refreshSessions") };
}

function run(ctx: RequestContext<RefreshSessionsParams>): Doc {
  for (const lsid of ctx.params.sessions) ctx.sessions.touch(lsid);
  return { ok: 1 };
}

export const refreshSessions = defineCommand<RefreshSessionsParams>({
  name: "refreshSessions",
  help: "refreshes logical sessions: {refreshSessions: [{id: <UUID>}, ...]}",
  auth: "authenticated",
  parse: parseRefreshSessions,
  run,
});
