/**
 * The authorization check dispatch runs before every command: may this connection's user perform
 * `action` on `db`? Until SCRAM and RBAC land (the security issue) every client is treated as fully
 * privileged, but the call site, the declared actions and the fail-closed registry are real, so
 * turning checks on is a change here only.
 */
import type { Action } from "./actions.ts";

/** Who is authenticated on a connection (empty until the security issue). */
export interface AuthenticatedUser {
  readonly user: string;
  readonly db: string;
}

export interface Authorizer {
  /** Throws CommandError 13 Unauthorized when not allowed. */
  check(users: readonly AuthenticatedUser[], action: Action, db: string): void;
}

/** Authentication disabled (`auth = false`, the default): everything is allowed. */
export const allowAll: Authorizer = { check() {} };
