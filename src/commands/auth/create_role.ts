/**
 * createRole `{createRole, privileges, roles, authenticationRestrictions}` and updateRole
 * `{updateRole, privileges?, roles?}`: custom roles in admin.system.roles. Existing role → 51002;
 * unknown inherited role → 31; a role graph cycle → 49.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { array, optional, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import type { RoleName } from "../../auth/builtin_roles.ts";
import type { Privilege } from "../../auth/privileges.ts";
import { key, type RoleDoc } from "../../auth/store.ts";
import { checkRolesExist, parseRoleNames, roleDocs } from "./role_names.ts";
import { checkNoCycle, checkRoleDb, parsePrivileges, requireRole, roleNameField } from "./role_params.ts";
import { restrictionList } from "./restriction_list.ts";

interface CreateRoleParams {
  readonly role: string;
  readonly privileges: Privilege[];
  readonly roles: RoleName[];
  readonly authenticationRestrictions: unknown[] | undefined;
}

function parseCreate(body: Doc, input: { db: string }): CreateRoleParams {
  const role = roleNameField("createRole", body);
  const p = parseShape("createRole", body, {
    privileges: required(array),
    roles: required(array),
    authenticationRestrictions: optional(restrictionList),
  }, { skip: "createRole", alsoAccept: GENERIC_FIELDS });
  return {
    role,
    privileges: parsePrivileges(p.privileges, input.db, "createRole.privileges"),
    roles: parseRoleNames(p.roles, input.db, "createRole.roles"),
    authenticationRestrictions: p.authenticationRestrictions,
  };
}

function runCreate(ctx: RequestContext<CreateRoleParams>): Doc {
  const p = ctx.params;
  const store = ctx.auth.store;
  checkRoleDb(ctx.db, p.role);
  if (store.getRole(ctx.db, p.role)) {
    throw new CommandError(Location.RoleAlreadyExists, `Role "${p.role}@${ctx.db}" already exists`);
  }
  checkRolesExist(store, p.roles);
  checkNoCycle(store, { role: p.role, db: ctx.db }, p.roles);
  const doc: RoleDoc = {
    _id: key(ctx.db, p.role),
    role: p.role,
    db: ctx.db,
    privileges: p.privileges,
    roles: roleDocs(p.roles),
    ...(p.authenticationRestrictions
      ? { authenticationRestrictions: p.authenticationRestrictions as Doc[] }
      : {}),
  };
  store.insert("roles", doc);
  ctx.log.info(`created role "${p.role}@${ctx.db}" (conn #${ctx.client.connectionId})`);
  return { ok: 1 };
}

export const createRole = defineCommand<CreateRoleParams>({
  name: "createRole",
  help: "creates a custom role: {createRole: <name>, privileges: [...], roles: [...]}",
  auth: "createRole",
  parse: parseCreate,
  run: runCreate,
});

interface UpdateRoleParams {
  readonly role: string;
  readonly privileges: Privilege[] | undefined;
  readonly roles: RoleName[] | undefined;
}

function parseUpdate(body: Doc, input: { db: string }): UpdateRoleParams {
  const role = roleNameField("updateRole", body);
  const p = parseShape("updateRole", body, {
    privileges: optional(array),
    roles: optional(array),
    authenticationRestrictions: optional(restrictionList),
  }, { skip: "updateRole", alsoAccept: GENERIC_FIELDS });
  if (p.privileges === undefined && p.roles === undefined && p.authenticationRestrictions === undefined) {
    throw new CommandError("BadValue", "Must specify at least one field to update in updateRole");
  }
  return {
    role,
    privileges: p.privileges === undefined
      ? undefined
      : parsePrivileges(p.privileges, input.db, "updateRole.privileges"),
    roles: p.roles === undefined ? undefined : parseRoleNames(p.roles, input.db, "updateRole.roles"),
  };
}

function runUpdate(ctx: RequestContext<UpdateRoleParams>): Doc {
  const p = ctx.params;
  const store = ctx.auth.store;
  const existing = requireRole(store, ctx.db, p.role);
  if (p.roles) {
    checkRolesExist(store, p.roles);
    checkNoCycle(store, { role: p.role, db: ctx.db }, p.roles);
  }
  store.replace("roles", {
    ...existing,
    ...(p.privileges ? { privileges: p.privileges } : {}),
    ...(p.roles ? { roles: roleDocs(p.roles) } : {}),
  });
  return { ok: 1 };
}

export const updateRole = defineCommand<UpdateRoleParams>({
  name: "updateRole",
  help: "replaces a custom role's privileges and/or inherited roles",
  auth: "grantRole",
  parse: parseUpdate,
  run: runUpdate,
});
