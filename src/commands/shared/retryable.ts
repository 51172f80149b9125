/**
 * Retryable writes: a write command sent with `lsid` + `txnNumber` (outside a transaction) runs at
 * most once. Its reply is remembered per session; the driver's retry with the same txnNumber gets
 * that reply back instead of writing again (a retried insert is not inserted twice). A txnNumber
 * lower than the session's latest is 225 TransactionTooOld. Replies of commands that failed as a
 * whole (ok: 0: nothing was written) are not remembered, so their retry runs. Sessions are forgotten
 * after 30 minutes without use (logicalSessionTimeoutMinutes).
 */
import { Binary, Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { Doc, Reply } from "../spec.ts";

const RETRYABLE_WRITES = new Set(["insert", "update", "delete", "findAndModify", "bulkWrite"]);
const IDLE_MS = 30 * 60 * 1000;

interface SessionWrites {
  txnNumber: bigint;
  reply: Reply | undefined;
  lastUsed: number;
}

function lsidKey(lsid: unknown): string | undefined {
  if (lsid === null || typeof lsid !== "object") return undefined;
  const id = (lsid as Doc)["id"];
  if (!(id instanceof Binary)) return undefined;
  let key = "";
  for (const b of id.buffer) key += b.toString(16).padStart(2, "0");
  const uid = (lsid as Doc)["uid"];
  if (uid instanceof Binary) { for (const b of uid.buffer) key += b.toString(16).padStart(2, "0"); }
  return key;
}

function txnNumberOf(v: unknown): bigint | undefined {
  if (v instanceof Long) return v.toBigInt();
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (typeof v === "bigint") return v;
  return undefined;
}

export class RetryableWrites {
  readonly #sessions = new Map<string, SessionWrites>();
  constructor(private readonly now: () => number = () => Date.now()) {}

  /** The session and txnNumber of a retryable write, or undefined when the command is not one. */
  identify(command: string, body: Doc): { key: string; txnNumber: bigint } | undefined {
    if (!RETRYABLE_WRITES.has(command) || body["autocommit"] !== undefined) return undefined;
    const txnNumber = txnNumberOf(body["txnNumber"]);
    const key = lsidKey(body["lsid"]);
    if (txnNumber === undefined || key === undefined) return undefined;
    return { key, txnNumber };
  }

  /** The remembered reply of this write, if it already ran; throws for an outdated txnNumber. */
  lookup(id: { key: string; txnNumber: bigint }): Reply | undefined {
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
  record(id: { key: string; txnNumber: bigint }, reply: Reply): void {
    if (!(reply instanceof Uint8Array) && (reply as Doc)["ok"] === 0) return;
    this.#sessions.set(id.key, { txnNumber: id.txnNumber, reply, lastUsed: this.now() });
  }

  #reap(): void {
    if (this.#sessions.size < 1000) return;
    const cutoff = this.now() - IDLE_MS;
    for (const [k, s] of this.#sessions) if (s.lastUsed < cutoff) this.#sessions.delete(k);
  }
}
