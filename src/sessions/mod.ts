/**
 * Server-wide session state: logical sessions keyed by lsid (idle expiry, endSessions,
 * $listLocalSessions), retryable-write records per (lsid, txnNumber), and multi-document
 * transactions: per session the state machine and the open storage `TxnHandle`
 * (`transactions.ts`), and the storage view a statement of a transaction runs on
 * (`txn_storage.ts`). May import: storage, bson, errors. Imported by: commands, app.
 *
 * Where transactions differ from mongod 8.0 (catalog changes are not part of a TxnHandle):
 * - A collection created inside a transaction (implicitly by a write, or with `create`) is created
 *   at once and is visible to others (empty) before commit; an abort drops it again unless another client
 *   has committed documents into it meanwhile.
 * - `createIndexes` inside a transaction commits its catalog entry at once too; its keys for the
 *   transaction's own documents are written in the transaction.
 * - A statement's storage writes are not savepoints: any failed statement (error or write error)
 *   aborts the whole transaction, as mongod does for most errors.
 * - No prepared transactions, no txnRetryCounter (sharded-cluster features); restarting a
 *   transaction at the active txnNumber is 117, as on a replica set.
 * - transactionLifetimeLimitSeconds is a constructor option (default 60), not settable at runtime.
 */
export { type Lsid, lsidKey } from "./lsid.ts";
export { LogicalSessions } from "./logical_sessions.ts";
export { RetryableWrites } from "./retryable_writes.ts";
export { type SessionTxn, Transactions } from "./transactions.ts";
export { TransactionStorage } from "./txn_storage.ts";
