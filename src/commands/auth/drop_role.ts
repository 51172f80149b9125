/**
 * dropRole `{dropRole: name}` and dropAllRolesFromDatabase `{dropAllRolesFromDatabase: 1}` (reply
 * `n`): remove custom roles, and — as mongod — remove them from every user and role that held them.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import type { AuthStore } from "../../auth/store.ts";
import { requireRole, roleNameField } from "./role_params.ts";

/** Removes roles `ids` (`db.role`) and every grant of them. */
function dropRoles(store: AuthStore, ids: ReadonlySet<string>): number {
  if (ids.size === 0) return 0;
  const held = (r: { role: string; db: string }) => ids.has(`${r.db}.${r.role}`);
  for (const u of store.listUsers()) {
    if (u.roles.some(held)) store.replace("users", { ...u, roles: u.roles.filter((r) => !held(r)) });
  }
  for (const r of store.listRoles()) {
    if (!ids.has(r._id) && r.roles.some(held)) {
      store.replace("roles", { ...r, roles: r.roles.filter((x) => !held(x)) });
    }
  }
  return store.remove("roles", [...ids]);
}

export const dropRole = defineCommand<{ role: string }>({
  name: "dropRole",
  help: "removes a custom role: {dropRole: <name>}",
  auth: "dropRole",
  parse: (body) => {
    const role = roleNameField("dropRole", body);
    parseShape("dropRole", body, {}, { skip: "dropRole", alsoAccept: GENERIC_FIELDS });
    return { role };
  },
  run: (ctx: RequestContext<{ role: string }>): Doc => {
    const r = requireRole(ctx.auth.store, ctx.db, ctx.params.role);
    dropRoles(ctx.auth.store, new Set([r._id]));
    ctx.log.info(`dropped role "${r.role}@${r.db}" (conn #${ctx.client.connectionId})`);
    return { ok: 1 };
  },
});

export const dropAllRolesFromDatabase = defineCommand<Record<string, never>>({
  name: "dropAllRolesFromDatabase",
  help: "removes every custom role of this database",
  auth: "dropRole",
  parse: (body) =>
    parseShape("dropAllRolesFromDatabase", body, {}, {
      skip: "dropAllRolesFromDatabase",
      alsoAccept: GENERIC_FIELDS,
    }),
  run: (ctx): Doc => {
    const ids = new Set(ctx.auth.store.listRoles(ctx.db).map((r) => r._id));
    return { n: dropRoles(ctx.auth.store, ids), ok: 1 };
  },
});
