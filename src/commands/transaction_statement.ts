/**
 * Running one command as a statement of a multi-document transaction (`autocommit: false`), the
 * way mongod's service entry point does: check the session fields (initializeOperationSessionInfo),
 * whether the command may run in a transaction (263), read/write concern rules (72), begin or
 * continue the session's transaction (`src/sessions/transactions.ts`), run the command with storage
 * bound to the transaction's snapshot, and abort the transaction when the statement fails (an error,
 * a write error, or a storage write that failed part-way). Also mongod's error labels for commands
 * of a transaction (TransientTransactionError, UnknownTransactionCommitResult, RetryableWriteError).
 */
import { CommandError } from "../errors/command_error.ts";
import { ErrorCode } from "../errors/codes.ts";
import { isWriteConflict } from "./write/conflict_retry.ts";
import { lsidKey } from "../sessions/lsid.ts";
import { type SessionUser, userDigest } from "../sessions/user_digest.ts";
import type { SessionTxn } from "../sessions/transactions.ts";
import { TRANSIENT } from "../sessions/transactions.ts";
import { catalogConflict, TransactionStorage } from "../sessions/txn_storage.ts";
import type { GenericArgs } from "./params/generic.ts";
import type { ServerContext } from "./context.ts";
import { checkClusterTimeReached } from "./read_concern_support.ts";
import { readAtOrTooOld } from "./snapshot_read.ts";
import { commitTimestamp } from "../oplog/cluster_clock.ts";
import type { Doc, Reply } from "./reply.ts";
import type { OpControl } from "../observability/op_control.ts";

/** Commands mongod 8.0 allows inside a transaction (allowedInTransactions). */
const ALLOWED: ReadonlySet<string> = new Set([
  "abortTransaction",
  "aggregate",
  "bulkWrite",
  "commitTransaction",
  "create",
  "createIndexes",
  "delete",
  "distinct",
  "find",
  "findAndModify",
  "getMore",
  "insert",
  "killCursors",
  "update",
]);

/** Of those, the ones that may run against the admin database. */
/**
 * What a transaction may run against `admin`: its commit and abort, bulkWrite (8.0) and the cursor
 * commands for bulkWrite's results cursor (`admin.$cmd.bulkWrite`, the only admin cursor a transaction
 * can open: a reply past 16 MiB is read with getMore, as the CRUD spec's client bulkWrite prose test 8 does).
 */
const ADMIN_ALLOWED: ReadonlySet<string> = new Set([
  "abortTransaction",
  "bulkWrite",
  "commitTransaction",
  "getMore",
  "killCursors",
]);

export function isCommitOrAbort(command: string): boolean {
  return command === "commitTransaction" || command === "abortTransaction";
}

/** mongod's checks of lsid / txnNumber / autocommit / startTransaction before anything runs. */
export function checkSessionArgs(g: GenericArgs, command: string, standalone: boolean): void {
  if (g.txnNumber !== undefined && g.lsid === undefined) {
    throw new CommandError("InvalidOptions", "Transaction number requires a session ID to also be specified");
  }
  // a standalone mongod has no oplog to hang transactions or retryable writes on
  if (g.txnNumber !== undefined && standalone) {
    throw new CommandError(
      "IllegalOperation",
      "Transaction numbers are only allowed on a replica set member or mongos",
    );
  }
  if (g.autocommit !== undefined && g.txnNumber === undefined) {
    throw new CommandError(
      "InvalidOptions",
      "'autocommit' field requires a transaction number to also be specified",
    );
  }
  if (g.autocommit === true) {
    throw new CommandError("InvalidOptions", "Specifying autocommit=true is not allowed.");
  }
  if (g.startTransaction !== undefined && g.autocommit === undefined) {
    throw new CommandError(
      "InvalidOptions",
      "'startTransaction' field requires 'autocommit' field to also be specified",
    );
  }
  if (g.startTransaction === false) {
    throw new CommandError("InvalidOptions", "Specifying startTransaction=false is not allowed.");
  }
  if (isCommitOrAbort(command) && g.autocommit === undefined) {
    throw new CommandError("InvalidOptions", `${command} must be run within a transaction`);
  }
}

/** 263 for a command (or database) a transaction may not use. */
export function checkAllowedInTransaction(command: string, db: string): void {
  if (command === "count") {
    throw new CommandError(
      "OperationNotSupportedInTransaction",
      "Cannot run 'count' in a multi-document transaction. Please see http://dochub.mongodb.org/core/transaction-count for a recommended alternative.",
    );
  }
  if (!ALLOWED.has(command)) {
    throw new CommandError(
      "OperationNotSupportedInTransaction",
      `Cannot run '${command}' in a multi-document transaction.`,
    );
  }
  if (db === "local" || db === "config" || (db === "admin" && !ADMIN_ALLOWED.has(command))) {
    throw new CommandError(
      "OperationNotSupportedInTransaction",
      `Cannot run command against the '${db}' database in a transaction.`,
    );
  }
}

/** A statement being run inside its session's transaction. */
export interface Statement {
  readonly txn: SessionTxn;
  readonly storage: TransactionStorage;
}

const TXN_READ_LEVELS: readonly (string | undefined)[] = [undefined, "local", "majority", "snapshot"];

/** Begins or continues the transaction for this statement (throws mongod's errors). */
export function enterStatement(
  server: ServerContext,
  g: GenericArgs,
  command: string,
  users: readonly SessionUser[] = [],
): Statement {
  if (g.writeConcernGiven && !isCommitOrAbort(command)) {
    throw new CommandError(
      "InvalidOptions",
      "writeConcern is not allowed within a multi-statement transaction",
    );
  }
  const start = g.startTransaction === true;
  if (g.readConcern !== undefined) {
    if (!start) {
      throw new CommandError(
        "InvalidOptions",
        "Only the first command in a transaction may specify a readConcern",
      );
    }
    if (!TXN_READ_LEVELS.includes(g.readConcern.level)) {
      throw new CommandError(
        "InvalidOptions",
        "The readConcern level must be either 'local' (default), 'majority' or 'snapshot' in order to run in a transaction",
      );
    }
  }
  const at = start ? g.readConcern?.atClusterTime : undefined;
  // the oplog entry's lsid is mongod's {id, uid}: uid the digest of the user (of '' without auth)
  const lsid = { id: g.lsid!.id, uid: g.lsid!.uid ?? userDigest(server.authorizer.enabled, users) };
  const begin = (readAt?: bigint) =>
    server.transactions.statement(lsidKey(g.lsid!), g.txnNumber!, start, command, lsid, readAt);
  let txn;
  if (at === undefined) txn = begin();
  else {
    const latest = server.clusterClock.latest();
    checkClusterTimeReached("atClusterTime", at, latest);
    txn = at.equals(latest) ? begin() : readAtOrTooOld(server, at, () => begin(commitTimestamp(at)));
  }
  return { txn, storage: new TransactionStorage(server.storage, txn.handle) };
}

/** The namespaces (`db.coll`) a write statement writes; none for other commands. */
function writtenNamespaces(command: string, db: string, params: unknown): string[] {
  const p = params as { collection?: unknown; namespaces?: readonly { db: string; coll: string }[] };
  if (command === "bulkWrite") return (p.namespaces ?? []).map((n) => `${n.db}.${n.coll}`);
  if (WRITE_COMMANDS.has(command) && typeof p.collection === "string") return [`${db}.${p.collection}`];
  return [];
}

const WRITE_COMMANDS: ReadonlySet<string> = new Set(["insert", "update", "delete", "findAndModify"]);

/**
 * Before a write statement runs: wait while an index of a collection it writes is being built, then
 * note the collection on the transaction (a build waits for open transactions that wrote its
 * collection; executor/index_builds.ts). No await separates the last check from the note. A collection
 * that DDL created, dropped, renamed or changed after the transaction began cannot be written by it:
 * 112 WriteConflict (TransientTransactionError), as on mongod (its reads still see it as it was then).
 */
export async function awaitIndexBuilds(
  server: ServerContext,
  st: Statement,
  command: string,
  db: string,
  params: unknown,
  ctl: OpControl,
): Promise<void> {
  const nss = writtenNamespaces(command, db, params);
  while (nss.some((ns) => server.indexBuilds.building(ns))) {
    for (const ns of nss) await server.indexBuilds.idle(ns, ctl);
  }
  for (const ns of nss) {
    const dot = ns.indexOf(".");
    const [db, name] = [ns.slice(0, dot), ns.slice(dot + 1)];
    if (st.txn.handle.catalogAsOf(db, name) !== undefined) throw catalogConflict(db, name);
  }
  for (const ns of nss) st.txn.written.add(ns);
  for (const ns of readNamespaces(command, db, params)) st.txn.read.add(ns);
}

/**
 * The namespaces a read statement reads (DDL waits for the transaction, as for one that wrote them): the
 * collection it names, and for an aggregate the collections its $lookup, $graphLookup and $unionWith
 * stages read, nested pipelines and $facet included.
 */
function readNamespaces(command: string, db: string, params: unknown): string[] {
  if (!READ_COMMANDS.has(command)) return [];
  const p = params as { collection?: unknown; pipeline?: unknown };
  const out = typeof p.collection === "string" ? [`${db}.${p.collection}`] : [];
  if (command === "aggregate") pipelineReads(db, p.pipeline, out);
  return out;
}

function pipelineReads(db: string, pipeline: unknown, out: string[]): void {
  if (!Array.isArray(pipeline)) return;
  for (const stage of pipeline) {
    if (stage === null || typeof stage !== "object") continue;
    const s = stage as Record<string, unknown>;
    for (const key of ["$lookup", "$graphLookup"] as const) {
      const spec = s[key] as { from?: unknown; pipeline?: unknown } | undefined;
      if (spec === undefined || spec === null || typeof spec !== "object") continue;
      if (typeof spec.from === "string") out.push(`${db}.${spec.from}`);
      pipelineReads(db, spec.pipeline, out);
    }
    const union = s["$unionWith"];
    if (typeof union === "string") out.push(`${db}.${union}`);
    else if (union !== null && typeof union === "object") {
      const u = union as { coll?: unknown; pipeline?: unknown };
      if (typeof u.coll === "string") out.push(`${db}.${u.coll}`);
      pipelineReads(db, u.pipeline, out);
    }
    const facet = s["$facet"];
    if (facet !== null && typeof facet === "object") {
      for (const sub of Object.values(facet as Record<string, unknown>)) pipelineReads(db, sub, out);
    }
  }
}

const READ_COMMANDS: ReadonlySet<string> = new Set(["find", "aggregate", "count", "distinct"]);

/** A reply that means the statement failed (ok: 0, or write errors inside an ok: 1 reply). */
function failedReply(reply: Reply): boolean {
  if (reply instanceof Uint8Array || "streaming" in reply || "closeConnection" in reply) return false;
  const d = reply as Doc;
  return d["ok"] === 0 || Array.isArray(d["writeErrors"]) ||
    (typeof d["nErrors"] === "number" && d["nErrors"] > 0);
}

/**
 * After a statement ran: a storage write conflict becomes the statement's error (112 with
 * TransientTransactionError; the first writer wins), and any failure aborts the transaction.
 */
export function finishStatement(server: ServerContext, st: Statement, reply: Reply, command: string): Reply {
  server.transactions.finishStatement(st.txn);
  const failure = st.storage.failure;
  if (failure !== undefined || failedReply(reply)) {
    server.transactions.abortIfOpen(st.txn, `${command} failed`);
  }
  if (isWriteConflict(failure)) {
    throw new CommandError(
      "WriteConflict",
      "Write conflict during plan execution and yielding is disabled.",
      TRANSIENT,
    );
  }
  return reply;
}

/** A statement threw: the transaction is aborted (unless the error was about the transaction itself). */
export function failStatement(server: ServerContext, st: Statement, command: string): void {
  server.transactions.finishStatement(st.txn);
  // A failed commit (e.g. its deadline) leaves the transaction as storage left it; the driver retries.
  if (command !== "commitTransaction") server.transactions.abortIfOpen(st.txn, `${command} failed`);
}

/** mongod's retryable error codes (isRetriableError). */
const RETRYABLE: ReadonlySet<number> = new Set([
  ErrorCode.HostUnreachable,
  ErrorCode.HostNotFound,
  ErrorCode.NetworkTimeout,
  ErrorCode.ShutdownInProgress,
  ErrorCode.FailedToSatisfyReadPreference,
  ErrorCode.PrimarySteppedDown,
  ErrorCode.ExceededTimeLimit,
  ErrorCode.SocketException,
  ErrorCode.NotWritablePrimary,
  ErrorCode.InterruptedAtShutdown,
  ErrorCode.InterruptedDueToReplStateChange,
  ErrorCode.NotPrimaryNoSecondaryOk,
  ErrorCode.NotPrimaryOrSecondary,
]);

const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  ErrorCode.WriteConflict,
  ErrorCode.LockTimeout,
  ErrorCode.PreparedTransactionInProgress,
  ErrorCode.SnapshotTooOld,
  ErrorCode.SnapshotUnavailable,
  ErrorCode.StaleChunkHistory,
  ErrorCode.MigrationConflict,
]);

/**
 * mongod's error labels (ErrorLabelBuilder) for a command of a transaction: `code` of a failed
 * command, `wceCode` of a writeConcernError.
 */
export function transactionErrorLabels(
  command: string,
  code: number | undefined,
  wceCode: number | undefined,
): string[] {
  const labels: string[] = [];
  const commitOrAbort = isCommitOrAbort(command);
  const retryable = commitOrAbort &&
    ((code !== undefined && RETRYABLE.has(code)) || (wceCode !== undefined && RETRYABLE.has(wceCode)));
  if (retryable) labels.push("RetryableWriteError");
  if (code !== undefined) {
    // A statement (not commit/abort) that failed for a not-primary/shutdown reason is safe to retry
    // as a whole transaction, as mongod labels it.
    const transient = TRANSIENT_CODES.has(code) || (!commitOrAbort && RETRYABLE.has(code)) ||
      (code === ErrorCode.NoSuchTransaction && (!commitOrAbort || wceCode === undefined));
    if (transient) labels.push("TransientTransactionError");
  }
  if (command === "commitTransaction") {
    const unknown = retryable ||
      (code !== undefined && (code === ErrorCode.MaxTimeMSExpired || code === ErrorCode.ExceededTimeLimit)) ||
      (wceCode !== undefined &&
        (wceCode === ErrorCode.MaxTimeMSExpired || wceCode === ErrorCode.ExceededTimeLimit ||
          wceCode === ErrorCode.WriteConcernTimeout));
    if (unknown && !labels.includes("TransientTransactionError")) {
      labels.push("UnknownTransactionCommitResult");
    }
  }
  return labels;
}

/** Adds the labels to an error reply or a reply with a writeConcernError (unless it has its own). */
export function labelReply(command: string, reply: Doc): Doc {
  if (reply["errorLabels"] !== undefined) return reply;
  const code = reply["ok"] === 0 && typeof reply["code"] === "number" ? reply["code"] : undefined;
  const wce = reply["writeConcernError"];
  const wceCode = wce && typeof wce === "object" && typeof (wce as Doc)["code"] === "number"
    ? (wce as Doc)["code"] as number
    : undefined;
  if (code === undefined && wceCode === undefined) return reply;
  const labels = transactionErrorLabels(command, code, wceCode);
  return labels.length > 0 ? { ...reply, errorLabels: labels } : reply;
}
