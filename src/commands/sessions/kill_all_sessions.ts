/**
 * killAllSessions: kills every logical session (`{killAllSessions: []}`; entries `{user, db}` name
 * users, and since there are no users yet any entry list kills all): every open transaction is
 * aborted, every session cursor killed and every operation running in a session interrupted. The spec
 * test runner calls it between tests.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { array } from "../params/schema.ts";
import { killSessionOps } from "./kill_session.ts";

export type KillAllSessionsParams = Readonly<Record<never, never>>;

export function parseKillAllSessions(body: Doc): KillAllSessionsParams {
  array(body["killAllSessions"], "killAllSessions");
  return {};
}

function run(ctx: RequestContext<KillAllSessionsParams>): Doc {
  for (const key of ctx.transactions.sessionsWithOpenTransactions()) {
    ctx.transactions.endSession(key, "killAllSessions");
  }
  ctx.cursors.killAllSessions();
  killSessionOps(ctx, () => true);
  return { ok: 1 };
}

export const killAllSessions = defineCommand<KillAllSessionsParams>({
  name: "killAllSessions",
  help: "kills every logical session: {killAllSessions: []}",
  auth: "killAnySession",
  parse: parseKillAllSessions,
  run,
});
