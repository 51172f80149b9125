/**
 * mongod's own-operation rule for currentOp and killOp: without the cluster `inprog` / `killop`
 * privilege a logged-in user may still list (`$ownOps: true`) and kill the operations of the
 * connections logged in as one of its own users. With auth off everything is one's own.
 */
import type { RequestContext } from "../context.ts";
import type { ClientState } from "../context.ts";

export function holdsClusterAction(ctx: RequestContext<unknown>, action: "inprog" | "killop"): boolean {
  return ctx.authorizer.isAuthorized(ctx.client, action, { kind: "cluster" });
}

/** Whether `other` (an operation's connection) runs as one of `me`'s users. */
export function sameUser(me: ClientState, other: ClientState): boolean {
  return other.authenticatedUsers.some((u) =>
    me.authenticatedUsers.some((m) => m.user === u.user && m.db === u.db)
  );
}

/** Throws 13 Unauthorized as the authorizer words it, for `action` on the cluster. */
export function requireClusterAction(ctx: RequestContext<unknown>, action: "inprog" | "killop"): void {
  ctx.authorizer.checkPrivileges(ctx.client, ctx.command, ctx.db, [{ action, target: { kind: "cluster" } }]);
}
