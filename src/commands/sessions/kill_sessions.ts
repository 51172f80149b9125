/**
 * killSessions: kills the listed logical sessions (`{killSessions: [{id}, …]}`): open transactions
 * aborted, their cursors and the sessions' cursors killed. An empty list kills nothing (mongod:
 * the caller's own sessions; there are no users yet).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import type { Lsid } from "../params/generic.ts";
import { sessionList } from "./session_list.ts";
import { endLogicalSession, killSessionOps } from "./kill_session.ts";
import { lsidKey } from "../../sessions/lsid.ts";

export interface KillSessionsParams {
  readonly sessions: readonly Lsid[];
}

export function parseKillSessions(body: Doc): KillSessionsParams {
  return { sessions: sessionList(body["killSessions"], "killSessions") };
}

function run(ctx: RequestContext<KillSessionsParams>): Doc {
  for (const lsid of ctx.params.sessions) endLogicalSession(ctx, lsid, "killSessions");
  const keys = new Set(ctx.params.sessions.map(lsidKey));
  killSessionOps(ctx, (key) => keys.has(key));
  return { ok: 1 };
}

export const killSessions = defineCommand<KillSessionsParams>({
  name: "killSessions",
  help: "kills logical sessions: {killSessions: [{id: <UUID>}, ...]}",
  auth: "authenticated",
  parse: parseKillSessions,
  run,
});
