/**
 * connectionStatus: who is authenticated on this connection (nobody until the auth issue). Reads
 * `showPrivileges` (safeBool, as mongod's IDL declares it); other fields are accepted, as they were
 * before typed params, since monitoring tools attach their own.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { bool } from "../params/schema.ts";

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
  const authInfo: Doc = { authenticatedUsers: [], authenticatedUserRoles: [] };
  if (ctx.params.showPrivileges) authInfo["authenticatedUserPrivileges"] = [];
  return { authInfo, ok: 1 };
}

export const connectionStatus = defineCommand<ConnectionStatusParams>({
  name: "connectionStatus",
  help: "authenticated users and roles of this connection",
  auth: "none",
  parse: parseConnectionStatus,
  run,
});
