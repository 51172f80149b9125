/**
 * Carrying out a triggered `failCommand` fail point (src/testing/) around one command: block first
 * (blockTimeMS is required with blockConnection, as on mongod), then close the connection, or refuse with the configured error (thrown, so the one error boundary
 * builds the reply), or run the command and attach the configured writeConcernError. Retryable
 * writes get mongod's RetryableWriteError label on retryable codes unless the fail point names its
 * labels itself.
 */
import { appendToRaw } from "../bson/raw_reply.ts";
import { CommandError } from "../errors/command_error.ts";
import { RETRYABLE_CODES } from "../errors/retryable_codes.ts";
import type { FailAction } from "../testing/fail_points.ts";
import type { Doc, Reply } from "./reply.ts";
import type { OpControl } from "../observability/op_control.ts";

/** Facts about the command the fail point hit. */
export interface FailedCommand {
  readonly name: string;
  /** A retryable write (lsid + txnNumber, outside a transaction). */
  readonly retryableWrite: boolean;
}

function labelsFor(action: FailAction, code: number, cmd: FailedCommand): string[] | undefined {
  if (action.data.errorLabels) return [...action.data.errorLabels];
  return RETRYABLE_CODES.has(code) && cmd.retryableWrite ? ["RetryableWriteError"] : undefined;
}

export async function runWithFailPoint(
  action: FailAction,
  cmd: FailedCommand,
  run: () => Reply | Promise<Reply>,
  /** The operation's control: the block is interruptible (killOp, killSessions) and ends at its deadline. */
  control: OpControl,
): Promise<Reply> {
  const d = action.data;
  if (d.blockConnection) {
    if (d.blockTimeMS === undefined) {
      throw new CommandError("InvalidOptions", "must specify 'blockTimeMS' when 'blockConnection' is true");
    }
    if (d.blockTimeMS < 0) throw new CommandError("InvalidOptions", "'blockTimeMS' must be non-negative");
    if (d.blockTimeMS > 0) await control.sleep(d.blockTimeMS);
  }
  if (d.closeConnection) return { closeConnection: true };
  if (d.errorCode !== undefined) {
    const labels = labelsFor(action, d.errorCode, cmd);
    throw new CommandError(
      d.errorCode,
      "Failing command via 'failCommand' failpoint",
      labels ? { errorLabels: labels } : {},
    );
  }
  const reply = await run();
  if (d.writeConcernError && reply instanceof Uint8Array) {
    const wce = d.writeConcernError;
    const code = typeof wce["code"] === "number" ? wce["code"] : undefined;
    const labels = code === undefined ? undefined : labelsFor(action, code, cmd);
    return appendToRaw(reply, { writeConcernError: wce, ...(labels ? { errorLabels: labels } : {}) });
  }
  if (
    d.writeConcernError && !(reply instanceof Uint8Array) && !("streaming" in reply) &&
    !("closeConnection" in reply)
  ) {
    const wce = d.writeConcernError;
    const out: Doc = { ...reply, writeConcernError: wce };
    const code = typeof wce["code"] === "number" ? wce["code"] : undefined;
    const labels = code === undefined ? undefined : labelsFor(action, code, cmd);
    if (labels) out["errorLabels"] = labels;
    return out;
  }
  return reply;
}
