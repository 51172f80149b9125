/** connectionStatus: who is authenticated on this connection (nobody until the auth issue). */
import type { LegacyCommandSpec } from "../spec.ts";

export const connectionStatus: LegacyCommandSpec = {
  name: "connectionStatus",
  help: "authenticated users and roles of this connection",
  auth: "none",
  run: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
};
