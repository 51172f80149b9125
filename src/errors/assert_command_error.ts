/**
 * assert_command_error.ts — a test helper: asserts that `fn` throws a `CommandError` with the given
 * code (name or number) and, optionally, a message containing / equal to `message`. Pure; used by
 * the `*_test.ts` files of the engines.
 */
import { CommandError } from "./command_error.ts";
import { ErrorCode, type ErrorCodeName } from "./codes.ts";

export function assertCommandError(
  fn: () => unknown,
  code: ErrorCodeName | number,
  message?: string | RegExp,
): CommandError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof CommandError)) {
    throw new Error(
      `expected CommandError ${code}, got ${thrown === undefined ? "no throw" : String(thrown)}`,
    );
  }
  const want = typeof code === "number" ? code : ErrorCode[code];
  if (thrown.code !== want) {
    throw new Error(
      `expected code ${want} (${code}), got ${thrown.code} ${thrown.codeName}: ${thrown.message}`,
    );
  }
  if (typeof message === "string" && thrown.message !== message) {
    throw new Error(`expected message ${JSON.stringify(message)}, got ${JSON.stringify(thrown.message)}`);
  }
  if (message instanceof RegExp && !message.test(thrown.message)) {
    throw new Error(`expected message matching ${message}, got ${JSON.stringify(thrown.message)}`);
  }
  return thrown;
}

/** The CommandError `fn` throws (fails when it throws nothing or something else). */
export function thrownCommandError(fn: () => unknown): CommandError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CommandError) return e;
    throw new Error(`expected a CommandError, got ${String(e)}`);
  }
  throw new Error("expected a CommandError, nothing was thrown");
}

/** Asserts that `fn` throws a CommandError with `code` whose message contains `text`. */
export function assertRefuses(fn: () => unknown, code: number, text = ""): void {
  const e = thrownCommandError(fn);
  if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.message}`);
  if (!e.message.includes(text)) throw new Error(`expected "${text}" in: ${e.message}`);
}
