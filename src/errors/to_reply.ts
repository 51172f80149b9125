/**
 * to_reply.ts — the ONE place an error reply document (`{ok: 0, …}`) is built.
 *
 * `errorToReply` turns any thrown value into one: a `CommandError` becomes
 * `{ok: 0, errmsg, code, codeName, ...extra}`. Anything else is a bug: the client gets a generic
 * `InternalError` with no stack or message detail, and the full stack goes to the optional `log`
 * callback (the server log). `errorReply` builds the same shape from a code and message, for the
 * layers that refuse a request without throwing (the wire layer's `RequestError`, the connection's
 * own refusals).
 *
 * A stack overflow (`RangeError: Maximum call stack size exceeded`) is the one non-CommandError with a
 * known cause: a value nested too deep for a recursive algorithm. Requests and stored documents are
 * depth-limited before that can happen (limits.ts), so it is still logged as a bug, but the client gets
 * mongod's 15 Overflow for nesting instead of InternalError.
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
  if (isStackOverflow(e)) return errorReply("Overflow", NESTING_TOO_DEEP);
  return errorReply("InternalError", "internal error");
}

/** mongod's message for BSON nested past its depth limit. */
export const NESTING_TOO_DEEP = "BSONObj exceeds maximum nested object depth";

/** True for V8's stack overflow error. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function build(
  code: number,
  codeName: string,
  message: string,
  extra: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return { ok: 0, errmsg: message, code, codeName, ...extra };
}
