/** Test helpers for this folder: assertions over node:assert, temp engines, simple index keys. */

import nodeAssert from "node:assert";
import { BSON } from "bson";
import type { IndexKeys, OpenOptions } from "../api.ts";
import { openWiredTiger, type WiredTigerEngine } from "./mod.ts";

export function assert(cond: unknown, msg?: string): asserts cond {
  nodeAssert.ok(cond, msg);
}
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}
/** Byte equality (fast, and indifferent to Buffer vs Uint8Array). */
export function assertBytes(actual: Uint8Array | null, expected: Uint8Array): void {
  assert(actual !== null, "expected bytes, got null");
  assertEquals(actual.length, expected.length, "length differs");
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) assert(false, `byte ${i} differs`);
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

export function options(path: string, extra: Partial<OpenOptions> = {}): OpenOptions {
  return { path, cacheSizeBytes: 64 << 20, sessionMax: 32, syncOnCommit: false, ...extra };
}

/** Run fn on a fresh on-disk engine in a temp dir (which fn may reopen via `path`). */
export function withTempDir(fn: (path: string) => void): void {
  const dir = Deno.makeTempDirSync({ prefix: "secantus-storage-test-" });
  try {
    fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

export function open(path: string): WiredTigerEngine {
  return openWiredTiger(options(path));
}

const enc = new TextEncoder();
/** A stand-in key encoding for tests: the value's decimal/string form (not src/keys). */
export const key = (v: string | number): Uint8Array => enc.encode(String(v));

export function doc(id: number | string, extra: Record<string, unknown> = {}): Uint8Array {
  return BSON.serialize({ _id: id, ...extra });
}

export function idKeys(id: number | string, more: Record<string, (Uint8Array)[]> = {}): IndexKeys {
  return new Map([["_id_", [key(id)]], ...Object.entries(more)]);
}

export const decode = (b: Uint8Array): Record<string, unknown> => BSON.deserialize(b);

/** `withTempDir` for async test bodies. */
export async function withTempDirAsync(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "secantus-storage-test-" });
  try {
    await fn(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** One turn of the event loop (a macrotask), so other work can run in between. */
export const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
