/**
 * Multi-document transactions: per logical session, mongod's transaction state machine over one
 * storage `TxnHandle` (a WiredTiger snapshot transaction held across commands).
 *
 * A session has at most one *active* transaction number (shared with retryable writes). A statement
 * with `startTransaction: true` and a higher txnNumber begins a transaction (aborting an older one
 * still open); later statements carry the same txnNumber. States: in progress → committed | aborted.
 * Errors are mongod's: 225 TransactionTooOld (a lower txnNumber), 251 NoSuchTransaction (unknown or
 * aborted transaction), 256 TransactionCommitted (a statement after commit), 117
 * ConflictingOperationInProgress (startTransaction again at the active number, as on a replica set).
 *
 * Cursors opened inside a transaction are listed on it and killed (through the injected `onEnd`)
 * when it commits or aborts. `sweep()` aborts transactions older than transactionLifetimeLimitSeconds
 * (injected clock); a transaction with a statement running is left for the next sweep.
 *
 * May import: storage, bson, errors, observability (not commands, not cursors).
 */
import { CommandError } from "../errors/command_error.ts";
import type { StorageEngine, TxnHandle } from "../storage/api.ts";
import { type Timer, unrefInterval } from "../timers.ts";

export type TxnPhase = "inProgress" | "committed" | "aborted";

/** One transaction of one session. */
export interface SessionTxn {
  /** The session's lsid key (`lsidKey`). */
  readonly session: string;
  readonly txnNumber: bigint;
  phase: TxnPhase;
  /** The storage transaction; ended (committed/aborted) once `phase` leaves inProgress. */
  readonly handle: TxnHandle;
  /** Clock reading (ms) when the transaction began. */
  readonly startedAt: number;
  /** Cursor ids opened by statements of this transaction. */
  readonly cursors: Set<bigint>;
  /** Statements currently running (the sweep leaves a busy transaction alone). */
  running: number;
  /** Statements run so far (readConcern is only allowed on the first). */
  statements: number;
  /** Why it was aborted, for the log and for messages. */
  abortReason?: string;
  /** Namespaces (`db.coll`) its statements wrote or are writing (index builds wait for them). */
  readonly written: Set<string>;
  /** Namespaces its find / aggregate / count / distinct statements read (DDL waits for them too). */
  readonly read: Set<string>;
}

export interface TransactionsOptions {
  /** Milliseconds clock (injected in tests). */
  readonly now?: () => number;
  /** transactionLifetimeLimitSeconds (mongod's name; default 60). */
  readonly lifetimeLimitSeconds?: number;
  /** Told when a transaction ends (commit or abort), e.g. to kill its cursors. */
  readonly onEnd?: (txn: SessionTxn) => void;
  /** Told the duration (microseconds since it started) of every transaction that commits or aborts. */
  readonly onFinish?: (micros: number) => void;
}

function txnLabel(n: bigint): string {
  return `{ txnNumber: ${n} }`;
}

/** `TransientTransactionError`: the label a whole-transaction retry is safe after. */
export const TRANSIENT = { errorLabels: ["TransientTransactionError"] } as const;

export class Transactions {
  /** Session key → its active transaction (the latest one, whatever its phase). */
  readonly #txns = new Map<string, SessionTxn>();
  /** Session key → highest txnNumber used by a retryable write. */
  readonly #retryable = new Map<string, bigint>();
  readonly #now: () => number;
  readonly #onEnd: (txn: SessionTxn) => void;
  readonly #onFinish: (micros: number) => void;
  lifetimeLimitSeconds: number;
  #timer: Timer | undefined;
  /** Counters for serverStatus.transactions. */
  readonly stats = { totalStarted: 0, totalCommitted: 0, totalAborted: 0 };

  constructor(private readonly storage: StorageEngine, opts: TransactionsOptions = {}) {
    this.#now = opts.now ?? (() => Date.now());
    this.#onEnd = opts.onEnd ?? (() => {});
    this.#onFinish = opts.onFinish ?? (() => {});
    this.lifetimeLimitSeconds = opts.lifetimeLimitSeconds ?? 60;
  }

  /** The session's active transaction number (transaction or retryable write), if any. */
  activeNumber(session: string): bigint | undefined {
    const t = this.#txns.get(session)?.txnNumber;
    const r = this.#retryable.get(session);
    if (t === undefined) return r;
    if (r === undefined) return t;
    return t > r ? t : r;
  }

  /** The session's latest transaction (any phase). */
  get(session: string): SessionTxn | undefined {
    return this.#txns.get(session);
  }

  /**
   * True while an open transaction other than `except` has written or read a namespace `held(ns)`
   * accepts: mongod's transaction holds that collection's lock until it ends, so DDL on it waits
   * (commands/shared/transaction_holders.ts).
   */
  openHolderWhere(held: (ns: string) => boolean, except?: SessionTxn): boolean {
    for (const t of this.#txns.values()) {
      if (t.phase !== "inProgress" || t === except) continue;
      for (const ns of t.written) if (held(ns)) return true;
      for (const ns of t.read) if (held(ns)) return true;
    }
    return false;
  }

  /** Open transactions (for currentOp-like reporting and tests). */
  get openCount(): number {
    let n = 0;
    for (const t of this.#txns.values()) if (t.phase === "inProgress") n++;
    return n;
  }

  /**
   * A retryable write (txnNumber without autocommit) on the session: 225 below the active number;
   * a higher number aborts an open transaction, as mongod's new txnNumber does.
   */
  retryableWrite(session: string, txnNumber: bigint): void {
    const active = this.activeNumber(session);
    const txn = this.#txns.get(session);
    if (active !== undefined && txnNumber < active) {
      const what = txn && txn.txnNumber === active ? "transaction" : "retryable write";
      throw new CommandError(
        "TransactionTooOld",
        `Retryable write with txnNumber ${txnNumber} is prohibited on session ${session} because a newer ${what} with txnNumber ${active} has already started on this session.`,
      );
    }
    if (txn && txnNumber === txn.txnNumber) {
      throw new CommandError(
        "IncompleteTransactionHistory",
        "Cannot retry a retryable write that has been converted into a transaction",
      );
    }
    if (txn && txnNumber > txn.txnNumber) this.#end(txn, "aborted", "a newer txnNumber arrived");
    this.#retryable.set(session, txnNumber);
  }

  /**
   * Begins (startTransaction) or continues the session's transaction `txnNumber` for a statement
   * and returns it; throws mongod's error otherwise. The caller marks the statement done with
   * `finishStatement`.
   */
  statement(
    session: string,
    txnNumber: bigint,
    startTransaction: boolean,
    command: string,
    /** The lsid document, recorded on the transaction's oplog entry. */
    lsid?: Readonly<Record<string, unknown>>,
    /** A new transaction reads as of this storage commit timestamp (readConcern atClusterTime). */
    readAt?: bigint,
  ): SessionTxn {
    const active = this.activeNumber(session);
    if (active !== undefined && txnNumber < active) {
      throw new CommandError(
        "TransactionTooOld",
        `Cannot start transaction ${
          txnLabel(txnNumber)
        } on session ${session} because a newer transaction with txnNumber ${active} has already started on this session.`,
      );
    }
    const current = this.#txns.get(session);
    if (startTransaction) {
      if (active !== undefined && txnNumber === active) {
        throw new CommandError(
          "ConflictingOperationInProgress",
          "Only servers in a sharded cluster can start a new transaction at the active transaction number",
        );
      }
      if (current?.phase === "inProgress") this.#end(current, "aborted", "a newer transaction started");
      const txn: SessionTxn = {
        session,
        txnNumber,
        phase: "inProgress",
        handle: this.storage.begin({
          label: { txnNumber, ...(lsid ? { lsid } : {}) },
          ...(readAt !== undefined ? { readAt } : {}),
        }),
        startedAt: this.#now(),
        cursors: new Set(),
        written: new Set(),
        read: new Set(),
        running: 0,
        statements: 0,
      };
      this.#txns.set(session, txn);
      this.#retryable.delete(session);
      this.stats.totalStarted++;
      txn.running++;
      return txn;
    }
    if (!current || current.txnNumber !== txnNumber) {
      throw new CommandError(
        "NoSuchTransaction",
        `Given transaction number ${txnNumber} does not match any in-progress transactions. The active transaction number is ${
          active ?? -1
        }`,
        TRANSIENT,
      );
    }
    if (current.phase === "aborted") {
      throw new CommandError(
        "NoSuchTransaction",
        `Transaction with ${txnLabel(txnNumber)} has been aborted.`,
        TRANSIENT,
      );
    }
    if (current.phase === "committed" && command !== "commitTransaction") {
      throw new CommandError(
        "TransactionCommitted",
        `Transaction with ${txnLabel(txnNumber)} has been committed.`,
      );
    }
    current.running++;
    return current;
  }

  /** A statement of `txn` finished (its error, if any, already handled by the caller). */
  finishStatement(txn: SessionTxn): void {
    txn.running = Math.max(0, txn.running - 1);
    txn.statements++;
  }

  /**
   * Commits `txn` (idempotent on a committed one). A commit the storage refuses aborts the
   * transaction and throws NoSuchTransaction-like errors from the caller's translation.
   */
  commit(txn: SessionTxn, sync: boolean): void {
    if (txn.phase === "committed") return;
    if (txn.phase === "aborted") {
      throw new CommandError(
        "NoSuchTransaction",
        `Transaction with ${txnLabel(txn.txnNumber)} has been aborted.`,
        TRANSIENT,
      );
    }
    this.#notifyEnd(txn); // cursors go before the storage transaction ends
    try {
      txn.handle.commit({ sync });
    } catch (e) {
      this.#end(txn, "aborted", "the commit failed", false);
      throw e;
    }
    this.#end(txn, "committed", undefined, false);
  }

  /** Aborts `txn` (abortTransaction); 256 on a committed one, 251 on an aborted one. */
  abort(txn: SessionTxn, reason = "abortTransaction"): void {
    if (txn.phase === "committed") {
      throw new CommandError(
        "TransactionCommitted",
        `Transaction with ${txnLabel(txn.txnNumber)} has been committed.`,
      );
    }
    if (txn.phase === "aborted") {
      throw new CommandError(
        "NoSuchTransaction",
        `Transaction with ${txnLabel(txn.txnNumber)} has been aborted.`,
        TRANSIENT,
      );
    }
    this.#end(txn, "aborted", reason);
  }

  /** Aborts `txn` if it is still open (a failed statement, a killed session); never throws. */
  abortIfOpen(txn: SessionTxn, reason: string): void {
    if (txn.phase === "inProgress") this.#end(txn, "aborted", reason);
  }

  /** Ends a session (endSessions/killSessions): aborts its open transaction, forgets its state. */
  endSession(session: string, reason = "session ended"): void {
    const txn = this.#txns.get(session);
    if (txn) this.abortIfOpen(txn, reason);
    this.#txns.delete(session);
    this.#retryable.delete(session);
  }

  /** The open transactions no statement is running in now (currentOp's idle sessions). */
  idleOpen(): SessionTxn[] {
    return [...this.#txns.values()].filter((t) => t.phase === "inProgress" && t.running === 0);
  }

  /** Every session key with an open transaction (killAllSessions). */
  sessionsWithOpenTransactions(): string[] {
    return [...this.#txns.values()].filter((t) => t.phase === "inProgress").map((t) => t.session);
  }

  /** Aborts open transactions older than the lifetime limit; returns how many. */
  sweep(): number {
    const cutoff = this.#now() - this.lifetimeLimitSeconds * 1000;
    let n = 0;
    for (const txn of [...this.#txns.values()]) {
      if (txn.phase !== "inProgress" || txn.running > 0 || txn.startedAt > cutoff) continue;
      this.#end(txn, "aborted", "transactionLifetimeLimitSeconds exceeded");
      n++;
    }
    return n;
  }

  /** Runs `sweep` every `intervalMs` (unref'd timer) until `stop()`. */
  startSweeper(intervalMs = 1000): void {
    if (this.#timer !== undefined) return;
    this.#timer = unrefInterval(() => this.sweep(), intervalMs);
  }

  /** Stops the sweeper and aborts every open transaction (shutdown). */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    for (const txn of this.#txns.values()) this.abortIfOpen(txn, "shutdown");
  }

  #notifyEnd(txn: SessionTxn): void {
    try {
      this.#onEnd(txn);
    } catch {
      // ending a transaction must not fail on its cursors
    }
  }

  #end(txn: SessionTxn, phase: "committed" | "aborted", reason?: string, notify = true): void {
    if (txn.phase !== "inProgress") return;
    if (notify) this.#notifyEnd(txn);
    txn.phase = phase;
    if (phase === "aborted") {
      if (reason !== undefined) txn.abortReason = reason;
      txn.handle.abort();
      this.stats.totalAborted++;
    } else {
      this.stats.totalCommitted++;
    }
    this.#onFinish(Math.max(0, this.#now() - txn.startedAt) * 1000);
  }
}
