/**
 * ping: answers `{ok: 1}`; drivers use it to check a connection. Accepts any field, as mongod's ping
 * (a BasicCommand without an IDL shape) does: drivers send `{ping: 1}` with whatever options.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";

/** ping reads nothing from its body. */
export type PingParams = Readonly<Record<never, never>>;

export function parsePing(_body: Doc): PingParams {
  return {};
}

export const ping = defineCommand<PingParams>({
  name: "ping",
  help: "a no-op that proves the server answers",
  auth: "none",
  parse: parsePing,
  run: (_ctx: RequestContext<PingParams>) => ({ ok: 1 }),
});
