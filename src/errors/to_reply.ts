/**
 * to_reply.ts — the ONE place an error reply document (`{ok: 0, …}`) is built.
 *
 * `errorToReply` turns any thrown value into one: a `CommandError` becomes
 * `{ok: 0, errmsg, code, codeName, ...extra}`. Anything else is a bug: the client gets a generic
 * `InternalError` with no stack or message detail, and the full stack goes to the optional `log`
 * callback (the server log). `errorReply` builds the same shape from a code and message, for the
 * layers that refuse a request without throwing (the wire layer's `RequestError`, the connection's
 * own refusals).
 */
import { CommandError } from "./command_error.ts";
import type { ErrorCodeName } from "./codes.ts";
import { resolveCode } from "./resolve_code.ts";

/** `{ok: 0, errmsg, code, codeName, ...extra}` for a code name from the table or a `Location` code. */
export function errorReply(
  code: ErrorCodeName | number,
  message: string,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const r = resolveCode(code);
  return build(r.code, r.codeName, message, extra);
}

/** Converts any thrown value into an `{ok: 0, …}` reply. */
export function errorToReply(e: unknown, log?: (msg: string) => void): Record<string, unknown> {
  if (e instanceof CommandError) return build(e.code, e.codeName, e.message, e.extra);
  if (log) {
    const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    log(`unexpected error: ${detail}`);
  }
  return errorReply("InternalError", "internal error");
}

function build(
  code: number,
  codeName: string,
  message: string,
  extra: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return { ok: 0, errmsg: message, code, codeName, ...extra };
}
