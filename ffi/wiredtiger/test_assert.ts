/** Minimal assertions for this folder's tests (JSR's @std/assert is unreachable here), over node:assert. */

import nodeAssert from "node:assert";

export function assert(cond: unknown, msg?: string): asserts cond {
  nodeAssert.ok(cond, msg);
}

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}

// deno-lint-ignore no-explicit-any
export function assertThrows<E extends Error = Error>(fn: () => unknown, cls?: new (...a: any[]) => E): E {
  try {
    fn();
  } catch (e) {
    if (cls !== undefined && !(e instanceof cls)) throw new Error(`expected ${cls.name}, got ${String(e)}`);
    return e as E;
  }
  throw new Error("expected the function to throw");
}
