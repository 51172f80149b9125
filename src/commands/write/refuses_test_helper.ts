/** Test helper: asserts that `fn` throws a CommandError with `code` whose message contains `text`. */
import { ok } from "node:assert/strict";
import { CommandError } from "../../errors/command_error.ts";

export function refuses(fn: () => unknown, code: number, text = ""): void {
  try {
    fn();
  } catch (e) {
    ok(e instanceof CommandError, `expected a CommandError, got ${e}`);
    ok(e.code === code, `expected code ${code}, got ${e.code}: ${e.message}`);
    ok(e.message.includes(text), `expected "${text}" in: ${e.message}`);
    return;
  }
  throw new Error(`expected error ${code}, nothing was thrown`);
}
