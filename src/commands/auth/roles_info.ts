/**
 * rolesInfo: `{rolesInfo: 1 | "name" | {role, db} | [...], showPrivileges, showBuiltinRoles,
 * showAuthenticationRestrictions}` — built-in and custom roles as mongod shows them (`role, db,
 * isBuiltin, roles, inheritedRoles`, and with showPrivileges `privileges, inheritedPrivileges`).
 * Anyone may see the roles they hold (directly or inherited); other roles need viewRole on their
 * database.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { any, bool, optional, type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { builtinRoleNames, isBuiltinRole, type RoleName } from "../../auth/builtin_roles.ts";
import { allRoles, expandRoles, lookupRole, roleKey } from "../../auth/roles.ts";
import { roleDocs } from "./role_names.ts";

const FIELDS = {
  showPrivileges: optional(any),
  showBuiltinRoles: optional(bool),
  showAuthenticationRestrictions: optional(bool),
} as const;

type Selector = { kind: "all" } | { kind: "some"; roles: RoleName[] };

export type RolesInfoParams = Parsed<typeof FIELDS> & { readonly selector: Selector };

function roleName(v: unknown, db: string): RoleName {
  if (typeof v === "string") return { role: v, db };
  if (isPlainDoc(v) && typeof v["role"] === "string" && typeof v["db"] === "string") {
    return { role: v["role"], db: v["db"] };
  }
  throw new CommandError(
    "BadValue",
    'Role name must be either a string or an object of the form {role: "<role>", db: "<db>"}',
  );
}

function parse(body: Doc, input: { db: string }): RolesInfoParams {
  const p = parseShape("rolesInfo", body, FIELDS, { skip: "rolesInfo", alsoAccept: GENERIC_FIELDS });
  const v = body["rolesInfo"];
  let selector: Selector;
  if (typeof v === "number" && v === 1) selector = { kind: "all" };
  else if (Array.isArray(v)) selector = { kind: "some", roles: v.map((x) => roleName(x, input.db)) };
  else selector = { kind: "some", roles: [roleName(v, input.db)] };
  return { ...p, selector };
}

function run(ctx: RequestContext<RolesInfoParams>): Doc {
  const store = ctx.auth.store;
  const p = ctx.params;
  const sel = p.selector;
  // Self-service: roles the user holds need no viewRole.
  const mine = new Set(
    allRoles(store, ctx.client.authenticatedUsers.flatMap((u) => store.getUser(u.db, u.user)?.roles ?? []))
      .map(roleKey),
  );
  const dbs = sel.kind === "all" ? [ctx.db] : sel.roles.filter((r) => !mine.has(roleKey(r))).map((r) => r.db);
  if (dbs.length > 0) {
    ctx.authorizer.checkPrivileges(
      ctx.client,
      "rolesInfo",
      ctx.db,
      [...new Set(dbs)].map((db) => ({ action: "viewRole", target: { kind: "database", db } })),
    );
  }
  let names: RoleName[];
  if (sel.kind === "all") {
    names = store.listRoles(ctx.db).map((r) => ({ role: r.role, db: r.db }));
    if (p.showBuiltinRoles) names.push(...builtinRoleNames(ctx.db).map((role) => ({ role, db: ctx.db })));
  } else names = sel.roles;
  const showPrivileges = p.showPrivileges === true || p.showPrivileges === 1 ||
    p.showPrivileges === "asUserFragment";
  const out: Doc[] = [];
  for (const n of names) {
    if (n.role === "__system") continue;
    const def = lookupRole(store, n);
    if (!def) continue;
    const builtin = isBuiltinRole(n);
    const d: Doc = builtin ? {} : { _id: `${n.db}.${n.role}` };
    Object.assign(d, {
      role: n.role,
      db: n.db,
      isBuiltin: builtin,
      roles: roleDocs(def.roles),
      inheritedRoles: roleDocs(expandRoles(store, [n]).inherited),
    });
    if (showPrivileges) {
      d["privileges"] = def.privileges;
      d["inheritedPrivileges"] = expandRoles(store, [n]).privileges;
    }
    if (p.showAuthenticationRestrictions) {
      d["authenticationRestrictions"] = builtin
        ? []
        : store.getRole(n.db, n.role)?.authenticationRestrictions ?? [];
      d["inheritedAuthenticationRestrictions"] = [];
    }
    out.push(d);
  }
  return { roles: out, ok: 1 };
}

export const rolesInfo = defineCommand<RolesInfoParams>({
  name: "rolesInfo",
  help: "describes roles: {rolesInfo: 1 | <name> | {role, db} | [...], showPrivileges, showBuiltinRoles}",
  auth: "viewRole",
  parse,
  run,
});
