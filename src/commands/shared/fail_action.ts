/**
 * Carrying out a triggered `failCommand` fail point around one command: block first, then close the
 * connection, or answer with the configured error, or run the command and attach the configured
 * writeConcernError. Retryable writes get mongod's RetryableWriteError label on retryable codes
 * unless the fail point names its labels itself.
 */
import { codeNameOf } from "../../errors/codes.ts";
import type { FailAction } from "./fail_points.ts";
import type { Doc, Reply } from "../spec.ts";

/** Error codes mongod treats as retryable for retryable writes (isRetriableError). */
const RETRYABLE_CODES = new Set([
  6,
  7,
  89,
  91,
  133,
  189,
  262,
  9001,
  10107,
  11600,
  11602,
  13435,
  13436,
  63,
  150,
  13388,
]);
const RETRYABLE_WRITES = new Set(["insert", "update", "delete", "findAndModify", "bulkWrite"]);

function isRetryableWrite(command: string, body: Doc): boolean {
  return RETRYABLE_WRITES.has(command) && body["txnNumber"] !== undefined && body["autocommit"] === undefined;
}

function labelsFor(action: FailAction, code: number, command: string, body: Doc): string[] | undefined {
  if (action.data.errorLabels) return [...action.data.errorLabels];
  return RETRYABLE_CODES.has(code) && isRetryableWrite(command, body) ? ["RetryableWriteError"] : undefined;
}

export async function runWithFailPoint(
  action: FailAction,
  command: string,
  body: Doc,
  run: () => Promise<Reply>,
): Promise<Reply> {
  const d = action.data;
  if (d.blockConnection && d.blockTimeMS > 0) await new Promise((r) => setTimeout(r, d.blockTimeMS));
  if (d.closeConnection) return { closeConnection: true };
  if (d.errorCode !== undefined) {
    const reply: Doc = {
      ok: 0,
      errmsg: "Failing command via 'failCommand' failpoint",
      code: d.errorCode,
      codeName: codeNameOf(d.errorCode) ?? `Location${d.errorCode}`,
    };
    const labels = labelsFor(action, d.errorCode, command, body);
    if (labels) reply["errorLabels"] = labels;
    return reply;
  }
  const reply = await run();
  if (
    d.writeConcernError && !(reply instanceof Uint8Array) && !("streaming" in reply) &&
    !("closeConnection" in reply)
  ) {
    const wce = d.writeConcernError;
    const out: Doc = { ...reply, writeConcernError: wce };
    const code = typeof wce["code"] === "number" ? wce["code"] : undefined;
    const labels = code === undefined ? undefined : labelsFor(action, code, command, body);
    if (labels) out["errorLabels"] = labels;
    return out;
  }
  return reply;
}
