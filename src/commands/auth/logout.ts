/** logout: ends the authentication of the user of `$db` on this connection. */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";

function run(ctx: RequestContext<Record<string, never>>): Doc {
  ctx.auth.logout(ctx.client, ctx.db);
  return { ok: 1 };
}

export const logout = defineCommand<Record<string, never>>({
  name: "logout",
  help: "logs the current user of this database out of the connection",
  auth: "none",
  parse: (body) => parseShape("logout", body, {}, { skip: "logout", alsoAccept: GENERIC_FIELDS }),
  run,
});
