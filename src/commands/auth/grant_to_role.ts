/**
 * grantPrivilegesToRole / revokePrivilegesFromRole `{…: role, privileges}` and grantRolesToRole /
 * revokeRolesFromRole `{…: role, roles}` on custom roles (built-in ones: 49). Granting a role that
 * would make the graph cyclic is refused (49).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { array, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import type { RoleName } from "../../auth/builtin_roles.ts";
import { mergePrivileges, type Privilege, resourceKey } from "../../auth/privileges.ts";
import { roleKey } from "../../auth/roles.ts";
import { checkRolesExist, parseRoleNames, roleDocs } from "./role_names.ts";
import { checkNoCycle, parsePrivileges, requireRole, roleNameField } from "./role_params.ts";

interface PrivParams {
  readonly role: string;
  readonly privileges: Privilege[];
}

function privParser(command: string) {
  return (body: Doc, input: { db: string }): PrivParams => {
    const role = roleNameField(command, body);
    const p = parseShape(command, body, { privileges: required(array) }, {
      skip: command,
      alsoAccept: GENERIC_FIELDS,
    });
    return { role, privileges: parsePrivileges(p.privileges, input.db, `${command}.privileges`) };
  };
}

function changePrivileges(ctx: RequestContext<PrivParams>, grant: boolean): Doc {
  const store = ctx.auth.store;
  const r = requireRole(store, ctx.db, ctx.params.role);
  let privileges: Privilege[];
  if (grant) privileges = mergePrivileges([...r.privileges, ...ctx.params.privileges]);
  else {
    const remove = new Map<string, Set<string>>();
    for (const p of ctx.params.privileges) {
      const k = resourceKey(p.resource);
      const s = remove.get(k) ?? new Set<string>();
      for (const a of p.actions) s.add(a);
      remove.set(k, s);
    }
    privileges = r.privileges
      .map((p) => ({
        resource: p.resource,
        actions: p.actions.filter((a) => !remove.get(resourceKey(p.resource))?.has(a)),
      }))
      .filter((p) => p.actions.length > 0);
  }
  store.replace("roles", { ...r, privileges });
  return { ok: 1 };
}

export const grantPrivilegesToRole = defineCommand<PrivParams>({
  name: "grantPrivilegesToRole",
  help: "adds privileges to a custom role",
  auth: "grantRole",
  parse: privParser("grantPrivilegesToRole"),
  run: (ctx) => changePrivileges(ctx, true),
});

export const revokePrivilegesFromRole = defineCommand<PrivParams>({
  name: "revokePrivilegesFromRole",
  help: "removes privileges from a custom role",
  auth: "revokeRole",
  parse: privParser("revokePrivilegesFromRole"),
  run: (ctx) => changePrivileges(ctx, false),
});

interface RolesParams {
  readonly role: string;
  readonly roles: RoleName[];
}

function rolesParser(command: string) {
  return (body: Doc, input: { db: string }): RolesParams => {
    const role = roleNameField(command, body);
    const p = parseShape(command, body, { roles: required(array) }, {
      skip: command,
      alsoAccept: GENERIC_FIELDS,
    });
    return { role, roles: parseRoleNames(p.roles, input.db, `${command}.roles`) };
  };
}

function changeRoles(ctx: RequestContext<RolesParams>, grant: boolean): Doc {
  const store = ctx.auth.store;
  const r = requireRole(store, ctx.db, ctx.params.role);
  checkRolesExist(store, ctx.params.roles);
  const current = new Map(r.roles.map((x) => [roleKey(x), x]));
  if (grant) {
    checkNoCycle(store, { role: r.role, db: r.db }, ctx.params.roles);
    for (const x of ctx.params.roles) current.set(roleKey(x), x);
  } else {
    for (const x of ctx.params.roles) current.delete(roleKey(x));
  }
  store.replace("roles", { ...r, roles: roleDocs([...current.values()]) });
  return { ok: 1 };
}

export const grantRolesToRole = defineCommand<RolesParams>({
  name: "grantRolesToRole",
  help: "makes a custom role inherit other roles",
  auth: "grantRole",
  parse: rolesParser("grantRolesToRole"),
  run: (ctx) => changeRoles(ctx, true),
});

export const revokeRolesFromRole = defineCommand<RolesParams>({
  name: "revokeRolesFromRole",
  help: "removes inherited roles from a custom role",
  auth: "revokeRole",
  parse: rolesParser("revokeRolesFromRole"),
  run: (ctx) => changeRoles(ctx, false),
});
