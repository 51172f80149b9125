/**
 * grantRolesToUser `{grantRolesToUser: name, roles}` and revokeRolesFromUser
 * `{revokeRolesFromUser: name, roles}`: add or remove roles of a user (unknown roles: 31).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { array, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import type { RoleName } from "../../auth/builtin_roles.ts";
import { roleKey } from "../../auth/roles.ts";
import { checkRolesExist, parseRoleNames, roleDocs } from "./role_names.ts";
import { requireUser, userNameField } from "./user_commands.ts";

interface Params {
  readonly user: string;
  readonly roles: RoleName[];
}

function parser(command: string) {
  return (body: Doc, input: { db: string }): Params => {
    const user = userNameField(command, body);
    const p = parseShape(command, body, { roles: required(array) }, {
      skip: command,
      alsoAccept: GENERIC_FIELDS,
    });
    const roles = parseRoleNames(p.roles, input.db, `${command}.roles`);
    if (roles.length === 0) {
      throw new CommandError("BadValue", `"${command}" command requires a non-empty "roles" array`);
    }
    return { user, roles };
  };
}

function change(ctx: RequestContext<Params>, grant: boolean): Doc {
  const store = ctx.auth.store;
  const u = requireUser(store, ctx.db, ctx.params.user);
  checkRolesExist(store, ctx.params.roles);
  const current = new Map(u.roles.map((r) => [roleKey(r), r]));
  for (const r of ctx.params.roles) {
    if (grant) current.set(roleKey(r), r);
    else current.delete(roleKey(r));
  }
  store.replace("users", { ...u, roles: roleDocs([...current.values()]) });
  return { ok: 1 };
}

export const grantRolesToUser = defineCommand<Params>({
  name: "grantRolesToUser",
  help: "grants roles to a user: {grantRolesToUser: <name>, roles: [...]}",
  auth: "grantRole",
  parse: parser("grantRolesToUser"),
  run: (ctx) => change(ctx, true),
});

export const revokeRolesFromUser = defineCommand<Params>({
  name: "revokeRolesFromUser",
  help: "revokes roles from a user: {revokeRolesFromUser: <name>, roles: [...]}",
  auth: "revokeRole",
  parse: parser("revokeRolesFromUser"),
  run: (ctx) => change(ctx, false),
});
