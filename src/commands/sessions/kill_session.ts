/**
 * Ending or killing one logical session, shared by endSessions, killSessions and killAllSessions:
 * abort its open transaction (which kills the transaction's cursors), kill the cursors it opened
 * outside transactions, forget its retryable-write and transaction state and the session itself.
 * Killing (not ending) also interrupts the operations running in the session (`killSessionOps`):
 * each fails with 11601 Interrupted at its next yield point or wait, a failCommand block included.
 */
import type { RequestContext, ServerContext } from "../context.ts";
import { type Lsid, lsidKey } from "../../sessions/lsid.ts";
import { parseLsid } from "../params/generic.ts";

export function endLogicalSession(ctx: ServerContext, lsid: Lsid, reason: string): void {
  const key = lsidKey(lsid);
  ctx.transactions.endSession(key, reason);
  ctx.cursors.killSession(key);
  ctx.snapshots.release(key);
  ctx.sessions.end(lsid);
}

/** Interrupts the running operations (other than the caller's) whose session's key `killed` names. */
export function killSessionOps(ctx: RequestContext, killed: (key: string) => boolean): void {
  for (const op of ctx.ops.list()) {
    const raw = op.opId === ctx.opId ? undefined : op.detail.body["lsid"];
    if (raw === undefined) continue;
    let key: string;
    try {
      key = lsidKey(parseLsid(raw));
    } catch {
      continue; // (refused by its own parse)
    }
    if (killed(key)) op.control.kill("operation was interrupted because its session was killed");
  }
}
