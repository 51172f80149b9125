/**
 * usersInfo: `{usersInfo: 1 | "name" | {user, db} | [...] | {forAllDBs: true}, showCredentials,
 * showCustomData, showPrivileges, showAuthenticationRestrictions, filter}` — users as mongod shows
 * them (`_id, userId, user, db, [credentials], roles, [customData], mechanisms`, and with
 * showPrivileges `inheritedRoles`, `inheritedPrivileges`, `inheritedAuthenticationRestrictions`).
 * Anyone may see their own user; other users need viewUser on their database (forAllDBs: on the
 * cluster). `filter` is a query over those documents (only with 1 or forAllDBs, as mongod).
 */
import { CommandError } from "../../errors/command_error.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { compileFilter } from "../../engine/mod.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { bool, doc, optional, type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { allRoles, expandRoles } from "../../auth/roles.ts";
import { type UserDoc, userMechanisms } from "../../auth/store.ts";
import type { Target } from "../../auth/privileges.ts";
import { roleDocs } from "./role_names.ts";

const FIELDS = {
  showCredentials: optional(bool),
  showCustomData: optional(bool),
  showPrivileges: optional(bool),
  showAuthenticationRestrictions: optional(bool),
  filter: optional(doc),
} as const;

type Selector = { kind: "all"; forAllDBs: boolean } | { kind: "some"; users: { user: string; db: string }[] };

export type UsersInfoParams = Parsed<typeof FIELDS> & { readonly selector: Selector };

function userName(v: unknown, db: string): { user: string; db: string } {
  if (typeof v === "string") return { user: v, db };
  if (isPlainDoc(v) && typeof v["user"] === "string" && typeof v["db"] === "string") {
    return { user: v["user"], db: v["db"] };
  }
  throw new CommandError(
    "BadValue",
    'User name must be either a string or an object of the form {user: "<user>", db: "<db>"}',
  );
}

function parse(body: Doc, input: { db: string }): UsersInfoParams {
  const p = parseShape("usersInfo", body, FIELDS, { skip: "usersInfo", alsoAccept: GENERIC_FIELDS });
  const v = body["usersInfo"];
  let selector: Selector;
  if (typeof v === "number" && v === 1) selector = { kind: "all", forAllDBs: false };
  else if (isPlainDoc(v) && v["forAllDBs"] === true) selector = { kind: "all", forAllDBs: true };
  else if (Array.isArray(v)) selector = { kind: "some", users: v.map((x) => userName(x, input.db)) };
  else selector = { kind: "some", users: [userName(v, input.db)] };
  if (p.filter && selector.kind !== "all") {
    throw new CommandError("BadValue", "Filter is only allowed when retrieving all users");
  }
  return { ...p, selector };
}

function authorize(ctx: RequestContext<UsersInfoParams>): void {
  const sel = ctx.params.selector;
  const me = ctx.client.authenticatedUsers;
  const targets: Target[] = [];
  if (sel.kind === "all") {
    targets.push(sel.forAllDBs ? { kind: "cluster" } : { kind: "database", db: ctx.db });
  } else {
    for (const u of sel.users) {
      if (!me.some((m) => m.user === u.user && m.db === u.db)) targets.push({ kind: "database", db: u.db });
    }
  }
  if (targets.length === 0) return;
  ctx.authorizer.checkPrivileges(
    ctx.client,
    "usersInfo",
    ctx.db,
    targets.map((target) => ({ action: "viewUser", target })),
  );
}

function show(ctx: RequestContext<UsersInfoParams>, u: UserDoc): Doc {
  const p = ctx.params;
  const out: Doc = { _id: u._id, userId: u.userId, user: u.user, db: u.db };
  if (p.showCredentials) out["credentials"] = u.credentials;
  out["roles"] = roleDocs(u.roles);
  if (p.showCustomData !== false && u.customData) out["customData"] = u.customData;
  out["mechanisms"] = u.credentials.external ? ["external"] : userMechanisms(u);
  if (p.showPrivileges) {
    out["inheritedRoles"] = roleDocs(allRoles(ctx.auth.store, u.roles));
    out["inheritedPrivileges"] = expandRoles(ctx.auth.store, u.roles).privileges;
    out["inheritedAuthenticationRestrictions"] = [];
  }
  if (p.showAuthenticationRestrictions || p.showPrivileges) {
    out["authenticationRestrictions"] = u.authenticationRestrictions ?? [];
  }
  return out;
}

function run(ctx: RequestContext<UsersInfoParams>): Doc {
  authorize(ctx);
  const store = ctx.auth.store;
  const sel = ctx.params.selector;
  let users: UserDoc[];
  if (sel.kind === "all") users = store.listUsers(sel.forAllDBs ? undefined : ctx.db);
  else users = sel.users.map((n) => store.getUser(n.db, n.user)).filter((u): u is UserDoc => u !== undefined);
  let docs = users.map((u) => show(ctx, u));
  if (ctx.params.filter) {
    const m = compileFilter(ctx.params.filter);
    docs = docs.filter((d) => m.matches(d));
  }
  return { users: docs, ok: 1 };
}

export const usersInfo = defineCommand<UsersInfoParams>({
  name: "usersInfo",
  help: "describes users: {usersInfo: 1 | <name> | {user, db} | [...] | {forAllDBs: true}}",
  auth: "viewUser",
  parse,
  run,
});
