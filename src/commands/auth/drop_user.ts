/**
 * dropUser `{dropUser: name}` and dropAllUsersFromDatabase `{dropAllUsersFromDatabase: 1}` (reply
 * `n`). A dropped user's connections lose its privileges at their next command.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { requireUser, userNameField } from "./user_commands.ts";

export const dropUser = defineCommand<{ user: string }>({
  name: "dropUser",
  help: "removes a user: {dropUser: <name>}",
  auth: "dropUser",
  parse: (body) => {
    const user = userNameField("dropUser", body);
    parseShape("dropUser", body, {}, { skip: "dropUser", alsoAccept: GENERIC_FIELDS });
    return { user };
  },
  run: (ctx: RequestContext<{ user: string }>): Doc => {
    const u = requireUser(ctx.auth.store, ctx.db, ctx.params.user);
    ctx.auth.store.remove("users", [u._id]);
    ctx.log.info(`dropped user "${u.user}@${u.db}" (conn #${ctx.client.connectionId})`);
    return { ok: 1 };
  },
});

export const dropAllUsersFromDatabase = defineCommand<Record<string, never>>({
  name: "dropAllUsersFromDatabase",
  help: "removes every user of this database",
  auth: "dropUser",
  parse: (body) =>
    parseShape("dropAllUsersFromDatabase", body, {}, {
      skip: "dropAllUsersFromDatabase",
      alsoAccept: GENERIC_FIELDS,
    }),
  run: (ctx): Doc => {
    const ids = ctx.auth.store.listUsers(ctx.db).map((u) => u._id);
    const n = ctx.auth.store.remove("users", ids);
    ctx.log.info(`dropped ${n} user(s) of "${ctx.db}" (conn #${ctx.client.connectionId})`);
    return { n, ok: 1 };
  },
});
