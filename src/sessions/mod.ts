/**
 * Server-wide session state: logical sessions keyed by lsid (idle expiry, endSessions,
 * $listLocalSessions), retryable-write records per (lsid, txnNumber), and multi-document
 * transactions: per session the state machine and the open storage `TxnHandle`
 * (`transactions.ts`), and the storage view a statement of a transaction runs on
 * (`txn_storage.ts`). May import: storage, bson, errors. Imported by: commands, app.
 *
 * A collection created inside a transaction (implicitly by a write, or with `create`), and indexes
 * created on it, are part of the transaction (`TxnHandle.createCollection`): invisible to others
 * until commit, gone after abort; another client creating the same namespace meanwhile waits (a plain
 * write retries its WriteConflict) and then finds it or not. createIndexes on a collection that
 * existed before the transaction is 263, as on mongod 8.0.
 *
 * Where transactions differ from mongod 8.0:
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
