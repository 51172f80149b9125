/**
 * Ending or killing one logical session, shared by endSessions, killSessions and killAllSessions:
 * abort its open transaction (which kills the transaction's cursors), kill the cursors it opened
 * outside transactions, forget its retryable-write and transaction state and the session itself.
 */
import type { ServerContext } from "../context.ts";
import { type Lsid, lsidKey } from "../../sessions/lsid.ts";

export function endLogicalSession(ctx: ServerContext, lsid: Lsid, reason: string): void {
  const key = lsidKey(lsid);
  ctx.transactions.endSession(key, reason);
  ctx.cursors.killSession(key);
  ctx.snapshots.release(key);
  ctx.sessions.end(lsid);
}
