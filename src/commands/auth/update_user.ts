/**
 * updateUser: `{updateUser: name, pwd?, roles?, customData?, mechanisms?, digestPassword?,
 * authenticationRestrictions?}` — changes what is given (new credentials for a new password,
 * `mechanisms` alone narrows the existing ones). Takes effect for connected users at their next
 * command (the authorizer re-reads roles when the store changes).
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { any, array, bool, doc, optional, type Parsed, parseShape, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import type { RoleName } from "../../auth/builtin_roles.ts";
import type { ScramMechanism } from "../../auth/scram.ts";
import type { UserCredentials, UserDoc } from "../../auth/store.ts";
import { checkRolesExist, parseRoleNames, roleDocs } from "./role_names.ts";
import { makeCredentials, parseMechanisms } from "./user_credentials.ts";
import { requireUser, userNameField } from "./user_commands.ts";
import { restrictionList } from "./restriction_list.ts";

const FIELDS = {
  pwd: optional(str),
  roles: optional(array),
  customData: optional(doc),
  mechanisms: optional(any),
  digestPassword: optional(bool),
  authenticationRestrictions: optional(restrictionList),
} as const;

export interface UpdateUserParams {
  readonly user: string;
  readonly pwd: string | undefined;
  readonly roles: RoleName[] | undefined;
  readonly customData: Doc | undefined;
  readonly mechanisms: ScramMechanism[] | undefined;
  readonly digestPassword: boolean;
  readonly authenticationRestrictions: unknown[] | undefined;
}

function parse(body: Doc, input: { db: string }): UpdateUserParams {
  const user = userNameField("updateUser", body);
  const p: Parsed<typeof FIELDS> = parseShape("updateUser", body, FIELDS, {
    skip: "updateUser",
    alsoAccept: GENERIC_FIELDS,
  });
  const out: UpdateUserParams = {
    user,
    pwd: p.pwd,
    roles: p.roles === undefined ? undefined : parseRoleNames(p.roles, input.db, "updateUser.roles"),
    customData: p.customData,
    mechanisms: parseMechanisms(p.mechanisms, "updateUser.mechanisms"),
    digestPassword: p.digestPassword ?? true,
    authenticationRestrictions: p.authenticationRestrictions,
  };
  if (
    out.pwd === undefined && out.roles === undefined && out.customData === undefined &&
    out.mechanisms === undefined && out.authenticationRestrictions === undefined
  ) {
    throw new CommandError("BadValue", "Must specify at least one field to update in updateUser");
  }
  return out;
}

async function run(ctx: RequestContext<UpdateUserParams>): Promise<Doc> {
  const p = ctx.params;
  const store = ctx.auth.store;
  const existing = requireUser(store, ctx.db, p.user);
  if (p.roles) checkRolesExist(store, p.roles);
  let credentials: UserCredentials = existing.credentials;
  if (p.pwd !== undefined) {
    credentials = await makeCredentials(ctx.auth, ctx.db, p.user, p.pwd, p.mechanisms, p.digestPassword);
  } else if (p.mechanisms !== undefined) {
    const kept: Record<string, unknown> = {};
    for (const m of p.mechanisms) {
      const c = existing.credentials[m];
      if (!c) {
        throw new CommandError(
          "BadValue",
          "mechanisms field must be a subset of previously set mechanisms",
        );
      }
      kept[m] = c;
    }
    credentials = kept as UserCredentials;
  }
  const updated: UserDoc = {
    ...existing,
    credentials,
    ...(p.roles ? { roles: roleDocs(p.roles) } : {}),
    ...(p.customData ? { customData: p.customData } : {}),
    ...(p.authenticationRestrictions
      ? { authenticationRestrictions: p.authenticationRestrictions as Doc[] }
      : {}),
  };
  store.replace("users", updated);
  ctx.log.info(`updated user "${p.user}@${ctx.db}" (conn #${ctx.client.connectionId})`);
  return { ok: 1 };
}

export const updateUser = defineCommand<UpdateUserParams>({
  name: "updateUser",
  help: "changes a user's password, roles, custom data or mechanisms",
  auth: "changePassword",
  parse,
  run,
});
