/**
 * connectionStatus: who is authenticated on this connection, their roles (inherited ones included) and,
 * with showPrivileges, the privileges those roles grant. Reads
 * `showPrivileges` (safeBool, as mongod's IDL declares it); other fields are accepted, as they were
 * before typed params, since monitoring tools attach their own.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { bool } from "../params/schema.ts";
import { allRoles, expandRoles } from "../../auth/roles.ts";

export interface ConnectionStatusParams {
  readonly showPrivileges: boolean;
}

export function parseConnectionStatus(body: Doc): ConnectionStatusParams {
  const v = body["showPrivileges"];
  return {
    showPrivileges: v === undefined || v === null ? false : bool(v, "connectionStatus.showPrivileges"),
  };
}

function run(ctx: RequestContext<ConnectionStatusParams>): Doc {
  const users = ctx.client.authenticatedUsers;
  const store = ctx.auth.store;
  const direct = users.flatMap((u) => store.getUser(u.db, u.user)?.roles ?? []);
  const authInfo: Doc = {
    authenticatedUsers: users.map((u) => ({ user: u.user, db: u.db })),
    authenticatedUserRoles: allRoles(store, direct).map((r) => ({ role: r.role, db: r.db })),
  };
  if (ctx.params.showPrivileges) {
    authInfo["authenticatedUserPrivileges"] = users.length > 0 ? expandRoles(store, direct).privileges : [];
  }
  return { authInfo, ok: 1 };
}

export const connectionStatus = defineCommand<ConnectionStatusParams>({
  name: "connectionStatus",
  help: "authenticated users and roles of this connection",
  auth: "none",
  parse: parseConnectionStatus,
  run,
});
