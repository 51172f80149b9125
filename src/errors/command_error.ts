/**
 * CommandError: the one exception type a command, engine or parser throws to refuse a request with a
 * MongoDB error. It carries the code (a name from the generated table in `codes.ts`, or one of mongod's
 * "location" codes by name from `locations.ts`, e.g. `Location.GroupMissingId`, whose codeName is then
 * `Location15955`) and optional
 * extra reply fields (`errorLabels`, `keyPattern`, `keyValue`, …). `to_reply.ts` turns it into
 * `{ok: 0, errmsg, code, codeName, …}`.
 */
import type { ErrorCodeName } from "./codes.ts";
import { resolveCode } from "./resolve_code.ts";

export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  constructor(
    code: ErrorCodeName | number,
    message: string,
    /** Extra fields copied into the error reply (e.g. errorLabels, keyPattern, keyValue). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = "CommandError";
    ({ code: this.code, codeName: this.codeName } = resolveCode(code));
  }
}
