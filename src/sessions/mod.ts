/**
 * Server-wide session state: logical sessions keyed by lsid (idle expiry, endSessions,
 * $listLocalSessions), retryable-write records per (lsid, txnNumber), and — with the transactions
 * issue — the storage transaction a session holds across commands. May import: storage, bson,
 * errors. Imported by: commands, app.
 */
export { type Lsid, lsidKey } from "./lsid.ts";
export { LogicalSessions } from "./logical_sessions.ts";
export { RetryableWrites } from "./retryable_writes.ts";
