/**
 * Role-based authorization (auth = true): a connection's privileges are the union of its users'
 * roles' privileges (built-in and custom, resolved through `roles.ts`), recomputed whenever users or
 * roles change (the store's generation), so grants and revocations apply at the next command.
 * Commands whose action is `none` run for anyone; `authenticated` needs a logged-in user and no
 * privilege. mongod's localhost exception: while no user exists, a connection from a loopback
 * address may run createUser and createRole (logged each time).
 */
import { CommandError } from "../errors/command_error.ts";
import type { Action } from "./actions.ts";
import type { AuthClient, Authorizer, PrivilegeCheck } from "./authorizer.ts";
import { allows, type Privilege, type Target } from "./privileges.ts";
import { expandRoles } from "./roles.ts";
import type { AuthStore } from "./store.ts";
import { isLoopback } from "./peer.ts";

/** Commands the localhost exception lets through while no user exists. */
const LOCALHOST_EXCEPTION: ReadonlySet<string> = new Set(["createUser", "createRole"]);

/** Actions that need a logged-in user but no privilege. */
const AUTHENTICATED_ONLY: ReadonlySet<string> = new Set(["authenticated", "configureFailPoint"]);

export class RbacAuthorizer implements Authorizer {
  readonly enabled = true;
  readonly #store: AuthStore;
  readonly #log: (msg: string) => void;
  readonly #cache = new Map<string, { gen: number; privileges: Privilege[] }>();

  constructor(store: AuthStore, log: (msg: string) => void) {
    this.#store = store;
    this.#log = log;
  }

  #localhostException(client: AuthClient, command: string): boolean {
    if (client.authenticatedUsers.length > 0 || !LOCALHOST_EXCEPTION.has(command)) return false;
    if (!isLoopback(client.remoteAddress) || this.#store.hasAnyUser()) return false;
    this.#log(`localhost exception: ${command} from ${client.remoteAddress} allowed (no user exists yet)`);
    return true;
  }

  checkAuthenticated(client: AuthClient, command: string, action: Action): void {
    if (action === "none" || client.authenticatedUsers.length > 0) return;
    if (LOCALHOST_EXCEPTION.has(command) && isLoopback(client.remoteAddress) && !this.#store.hasAnyUser()) {
      return;
    }
    throw new CommandError("Unauthorized", `Command ${command} requires authentication`);
  }

  checkPrivileges(client: AuthClient, command: string, db: string, checks: readonly PrivilegeCheck[]): void {
    if (checks.length === 0) return;
    if (this.#localhostException(client, command)) return;
    if (client.authenticatedUsers.length === 0) {
      throw new CommandError("Unauthorized", `Command ${command} requires authentication`);
    }
    const privileges = this.privileges(client);
    for (const c of checks) {
      if (AUTHENTICATED_ONLY.has(c.action)) continue;
      if (!allows(privileges, c.action, c.target)) {
        throw new CommandError(
          "Unauthorized",
          `not authorized on ${db} to execute command { ${command}: ${describe(c.target)} }`,
        );
      }
    }
  }

  isAuthorized(client: AuthClient, action: string, target: Target): boolean {
    if (client.authenticatedUsers.length === 0) return false;
    return allows(this.privileges(client), action, target);
  }

  privileges(client: AuthClient): Privilege[] {
    const users = client.authenticatedUsers;
    if (users.length === 0) return [];
    const k = users.map((u) => `${u.db}.${u.user}`).join("\0");
    const gen = this.#store.generation;
    const hit = this.#cache.get(k);
    if (hit && hit.gen === this.#store.generation) return hit.privileges;
    const roles = users.flatMap((u) => this.#store.getUser(u.db, u.user)?.roles ?? []);
    const privileges = expandRoles(this.#store, roles).privileges;
    if (this.#cache.size > 1000) this.#cache.clear();
    this.#cache.set(k, { gen, privileges });
    return privileges;
  }
}

function describe(t: Target): string {
  if (t.kind === "cluster") return "1";
  if (t.kind === "database") return `"${t.db}"`;
  return `"${t.collection}"`;
}
