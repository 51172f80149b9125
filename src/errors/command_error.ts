/**
 * CommandError: the one exception type a command, engine or parser throws to refuse a request with a
 * MongoDB error. It carries the code name (from the generated table in `codes.ts`) and optional extra
 * reply fields (`errorLabels`, `keyPattern`, `keyValue`, …). `to_reply.ts` turns it into `{ok: 0, …}`.
 */
import { ErrorCode, type ErrorCodeName } from "./codes.ts";

export class CommandError extends Error {
  readonly code: number;
  constructor(
    readonly codeName: ErrorCodeName,
    message: string,
    /** Extra fields copied into the error reply (e.g. errorLabels, keyPattern, keyValue). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = "CommandError";
    this.code = ErrorCode[codeName];
  }
}
