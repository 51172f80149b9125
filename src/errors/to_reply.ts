/**
 * to_reply.ts — the ONE place a thrown value becomes a MongoDB error reply document.
 *
 * A `CommandError` becomes `{ok: 0, errmsg, code, codeName, ...extra}`. Anything else is a bug: the
 * client gets a generic `InternalError` with no stack or message detail, and the full stack goes to the
 * optional `log` callback (the server log).
 */
import { CommandError } from "./command_error.ts";
import { ErrorCode } from "./codes.ts";

/** Converts any thrown value into an `{ok: 0, …}` reply. */
export function errorToReply(e: unknown, log?: (msg: string) => void): Record<string, unknown> {
  if (e instanceof CommandError) {
    return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName, ...e.extra };
  }
  if (log) {
    const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    log(`unexpected error: ${detail}`);
  }
  return { ok: 0, errmsg: "internal error", code: ErrorCode.InternalError, codeName: "InternalError" };
}
