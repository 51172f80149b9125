/**
 * The authorization check dispatch runs for every command. Two steps, both fail-closed:
 * `checkAuthenticated` before the command's body is parsed (with auth on, only the commands whose
 * action is `none` run before someone has logged in: 13 "Command X requires authentication"), and
 * `checkPrivileges` with the privileges the command needs on its resources (13 "not authorized on
 * …"). With auth off (the default) `allowAll` lets everything through; with auth on `rbac.ts`
 * answers from the users' roles.
 */
import type { Action } from "./actions.ts";
import type { Privilege, Target } from "./privileges.ts";

/** Who is authenticated on a connection. */
export interface AuthenticatedUser {
  readonly user: string;
  readonly db: string;
}

/** What the authorizer needs to know of a connection. */
export interface AuthClient {
  readonly authenticatedUsers: readonly AuthenticatedUser[];
  readonly remoteAddress: string;
}

/** One privilege a command needs: an action on a resource. */
export interface PrivilegeCheck {
  readonly action: string;
  readonly target: Target;
}

export interface Authorizer {
  /** Authentication is enforced (`auth = true`). */
  readonly enabled: boolean;
  /** Throws 13 Unauthorized when `action` needs a logged-in user and there is none. */
  checkAuthenticated(client: AuthClient, command: string, action: Action): void;
  /** Throws 13 Unauthorized unless every check is granted. */
  checkPrivileges(client: AuthClient, command: string, db: string, checks: readonly PrivilegeCheck[]): void;
  /** Whether one privilege is granted (for filtering listDatabases / listCollections, owner checks). */
  isAuthorized(client: AuthClient, action: string, target: Target): boolean;
  /** The merged privileges of the connection's users (connectionStatus showPrivileges). */
  privileges(client: AuthClient): Privilege[];
}

/** Authentication disabled (`auth = false`, the default): everything is allowed. */
export const allowAll: Authorizer = {
  enabled: false,
  checkAuthenticated() {},
  checkPrivileges() {},
  isAuthorized: () => true,
  privileges: () => [],
};
