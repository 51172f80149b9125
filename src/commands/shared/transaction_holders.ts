/**
 * DDL against open multi-document transactions. In mongod a command that drops or rewrites a
 * collection's storage (drop, dropDatabase, renameCollection, dropIndexes, collMod, convertToCapped)
 * needs the collection's exclusive lock, so it waits while an open transaction holds that collection's
 * lock — it wrote or read the collection — until that transaction commits or aborts
 * (transactionLifetimeLimitSeconds ends a forgotten one) or the command's maxTimeMS expires (50
 * MaxTimeMSExpired), and killOp ends the wait (11601). The same here, from `Transactions`' record of the
 * namespaces each open transaction wrote or read (the one a find, aggregate, count or distinct names, and
 * those an aggregate's $lookup, $graphLookup and $unionWith read).
 *
 * Without the wait the storage dropped WiredTiger tables under a transaction's uncommitted writes: its
 * later abort touched freed storage (heap corruption, found by the transactions spec suite) and left the
 * namespace unwritable. A DDL command runs its storage change in the same turn of the event loop as
 * the last check (no await between), so no transaction statement writes the namespace in between.
 */
import { IndexBuilds } from "../../executor/index_builds.ts";
import type { RequestContext } from "../context.ts";
import type { Reply } from "../spec.ts";

/** Which namespaces the command changes: `db.coll` names, or every collection of a database. */
export type DdlTarget = { readonly namespaces: readonly string[] } | { readonly db: string };

function heldBy(target: DdlTarget): (ns: string) => boolean {
  if ("db" in target) {
    const prefix = `${target.db}.`;
    return (ns) => ns.startsWith(prefix);
  }
  const set = new Set(target.namespaces);
  return (ns) => set.has(ns);
}

/** True while an open transaction (not the caller's own) has written or read a namespace of `target`. */
export function heldByTransactions(ctx: RequestContext<unknown>, target: DdlTarget): boolean {
  return ctx.transactions.openHolderWhere(heldBy(target), ctx.transaction);
}

/**
 * Resolves once no open transaction holds `target` (at once when none does); throws 50 /
 * 11601 through the command's control while waiting. The caller checks again synchronously after it.
 */
export async function afterTransactionHolders(ctx: RequestContext, target: DdlTarget): Promise<void> {
  await IndexBuilds.until(() => heldByTransactions(ctx, target), ctx.control);
}

/**
 * `run` once no open transaction holds what `target(ctx)` names: at once (synchronously)
 * when none does, else after the wait, looking again.
 */
export function afterTransactions<P>(
  target: (ctx: RequestContext<P>) => DdlTarget,
  run: (ctx: RequestContext<P>) => Reply | Promise<Reply>,
): (ctx: RequestContext<P>) => Reply | Promise<Reply> {
  const guarded = (ctx: RequestContext<P>): Reply | Promise<Reply> => {
    const t = target(ctx);
    if (!heldByTransactions(ctx, t)) return run(ctx);
    return afterTransactionHolders(ctx, t).then(() => guarded(ctx));
  };
  return guarded;
}
