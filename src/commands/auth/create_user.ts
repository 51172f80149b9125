/**
 * createUser: `{createUser: name, pwd, roles, customData, mechanisms, digestPassword,
 * authenticationRestrictions}` — stores a user in admin.system.users with SCRAM credentials for the
 * mechanisms asked (default SCRAM-SHA-1 and SCRAM-SHA-256). Existing user → 51003; unknown role →
 * 31. While no user exists, a loopback connection may run it without authenticating (the localhost
 * exception, rbac.ts).
 */
import { Binary } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { any, array, bool, doc, optional, type Parsed, parseShape, required, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import type { RoleName } from "../../auth/builtin_roles.ts";
import type { ScramMechanism } from "../../auth/scram.ts";
import { key, type UserDoc } from "../../auth/store.ts";
import { checkRolesExist, parseRoleNames, roleDocs } from "./role_names.ts";
import { makeCredentials, parseMechanisms } from "./user_credentials.ts";
import { checkUserDb, userNameField } from "./user_commands.ts";
import { restrictionList } from "./restriction_list.ts";

const FIELDS = {
  pwd: optional(str),
  roles: required(array),
  customData: optional(doc),
  mechanisms: optional(any),
  digestPassword: optional(bool),
  authenticationRestrictions: optional(restrictionList),
} as const;

export interface CreateUserParams {
  readonly user: string;
  readonly pwd: string | undefined;
  readonly roles: RoleName[];
  readonly customData: Doc | undefined;
  readonly mechanisms: ScramMechanism[] | undefined;
  readonly digestPassword: boolean;
  readonly authenticationRestrictions: unknown[] | undefined;
}

function parse(body: Doc, input: { db: string }): CreateUserParams {
  const user = userNameField("createUser", body);
  if (body["roles"] === undefined) {
    throw new CommandError("BadValue", '"createUser" command requires a "roles" array');
  }
  const p: Parsed<typeof FIELDS> = parseShape("createUser", body, FIELDS, {
    skip: "createUser",
    alsoAccept: GENERIC_FIELDS,
  });
  return {
    user,
    pwd: p.pwd,
    roles: parseRoleNames(p.roles, input.db, "createUser.roles"),
    customData: p.customData,
    mechanisms: parseMechanisms(p.mechanisms, "createUser.mechanisms"),
    digestPassword: p.digestPassword ?? true,
    authenticationRestrictions: p.authenticationRestrictions,
  };
}

async function run(ctx: RequestContext<CreateUserParams>): Promise<Doc> {
  const p = ctx.params;
  const store = ctx.auth.store;
  checkUserDb(ctx.db);
  if (store.getUser(ctx.db, p.user)) {
    throw new CommandError(Location.UserAlreadyExists, `User "${p.user}@${ctx.db}" already exists`);
  }
  checkRolesExist(store, p.roles);
  const credentials = await makeCredentials(ctx.auth, ctx.db, p.user, p.pwd, p.mechanisms, p.digestPassword);
  const user: UserDoc = {
    _id: key(ctx.db, p.user),
    userId: new Binary(crypto.getRandomValues(new Uint8Array(16)), Binary.SUBTYPE_UUID),
    user: p.user,
    db: ctx.db,
    credentials,
    roles: roleDocs(p.roles),
    ...(p.customData ? { customData: p.customData } : {}),
    ...(p.authenticationRestrictions
      ? { authenticationRestrictions: p.authenticationRestrictions as Doc[] }
      : {}),
  };
  try {
    store.insert("users", user);
  } catch (e) {
    if (e instanceof Error && e.name === "StorageError" && (e as { code?: string }).code === "DuplicateKey") {
      throw new CommandError(Location.UserAlreadyExists, `User "${p.user}@${ctx.db}" already exists`);
    }
    throw e;
  }
  ctx.log.info(`created user "${p.user}@${ctx.db}" (conn #${ctx.client.connectionId})`);
  return { ok: 1 };
}

export const createUser = defineCommand<CreateUserParams>({
  name: "createUser",
  help: "creates a user: {createUser: <name>, pwd, roles, customData, mechanisms}",
  auth: "createUser",
  parse,
  run,
});
