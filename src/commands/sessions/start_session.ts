/**
 * startSession: a new logical session id (`{id: {id: UUID}, timeoutMinutes: 30}`), registered as
 * used now. Drivers create their own ids; this is for shells and tests.
 */
import { type Binary, UUID } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";

export type StartSessionParams = Readonly<Record<never, never>>;

export function parseStartSession(body: Doc): StartSessionParams {
  parseShape("startSession", body, {}, { skip: "startSession", alsoAccept: GENERIC_FIELDS });
  return {};
}

function run(ctx: RequestContext<StartSessionParams>): Doc {
  const id: Binary = new UUID();
  ctx.sessions.touch({ id });
  return { id: { id }, timeoutMinutes: 30, ok: 1 };
}

export const startSession = defineCommand<StartSessionParams>({
  name: "startSession",
  help: "starts a logical session: {startSession: 1}",
  auth: "authenticated",
  parse: parseStartSession,
  run,
});
