/**
 * Retryable writes: a write command sent with `lsid` + `txnNumber` (outside a transaction) runs at
 * most once. Its reply is remembered per session; the driver's retry with the same txnNumber gets
 * that reply back instead of writing again (a retried insert is not inserted twice). A txnNumber
 * lower than the session's latest is 225 TransactionTooOld. Replies of commands that failed as a
 * whole (ok: 0: nothing was written) are not remembered, so their retry runs. Sessions are forgotten
 * after 30 minutes without use (logicalSessionTimeoutMinutes).
 */
import { CommandError } from "../errors/command_error.ts";
import { type Lsid, lsidKey } from "./lsid.ts";

const RETRYABLE_WRITES = new Set(["insert", "update", "delete", "findAndModify", "bulkWrite"]);
const IDLE_MS = 30 * 60 * 1000;

interface SessionWrites<R> {
  txnNumber: bigint;
  reply: R | undefined;
  lastUsed: number;
}

export class RetryableWrites<R> {
  readonly #sessions = new Map<string, SessionWrites<R>>();
  constructor(private readonly now: () => number = () => Date.now()) {}

  /** The session and txnNumber of a retryable write, or undefined when the command is not one. */
  identify(
    command: string,
    args: { readonly lsid?: Lsid; readonly txnNumber?: bigint; readonly autocommit?: boolean },
  ): { key: string; txnNumber: bigint } | undefined {
    if (!RETRYABLE_WRITES.has(command) || args.autocommit !== undefined) return undefined;
    if (args.txnNumber === undefined || args.lsid === undefined) return undefined;
    return { key: lsidKey(args.lsid), txnNumber: args.txnNumber };
  }

  /** The remembered reply of this write, if it already ran; throws for an outdated txnNumber. */
  lookup(id: { key: string; txnNumber: bigint }): R | undefined {
    this.#reap();
    const s = this.#sessions.get(id.key);
    if (!s) return undefined;
    s.lastUsed = this.now();
    if (id.txnNumber < s.txnNumber) {
      throw new CommandError(
        "TransactionTooOld",
        `Retryable write with txnNumber ${id.txnNumber} is prohibited on session because a newer retryable write with txnNumber ${s.txnNumber} has already started on this session.`,
      );
    }
    return id.txnNumber === s.txnNumber ? s.reply : undefined;
  }

  /** Remembers the reply of a write that ran (not for whole-command failures). */
  record(id: { key: string; txnNumber: bigint }, reply: R, failedWhole: boolean): void {
    if (failedWhole) return;
    this.#sessions.set(id.key, { txnNumber: id.txnNumber, reply, lastUsed: this.now() });
  }

  #reap(): void {
    if (this.#sessions.size < 1000) return;
    const cutoff = this.now() - IDLE_MS;
    for (const [k, s] of this.#sessions) if (s.lastUsed < cutoff) this.#sessions.delete(k);
  }
}
