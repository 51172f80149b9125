import assert from "node:assert/strict";
import { AutoCompactor } from "./auto_compact.ts";
import type { CollectionEntry, CompactOptions, StorageEngine } from "./api.ts";
import { createLogger } from "../observability/log.ts";

const coll = (name: string) =>
  ({ db: "d", name, ident: `i-${name}`, indexes: [] }) as unknown as CollectionEntry;

/** A storage with collections a, b, c; `fail` names the ones whose compaction throws. */
function fakeStorage(fail: Set<string> = new Set()) {
  const calls: string[] = [];
  const storage = {
    catalog: { listDatabases: () => ["d"], listCollections: () => [coll("a"), coll("b"), coll("c")] },
    compact: (c: CollectionEntry, opts: CompactOptions) => {
      calls.push(`${c.name}:${opts.minFreeBytes}`);
      return fail.has(c.name)
        ? Promise.reject(new Error("busy"))
        : Promise.resolve({ reusableBytes: 10, bytesFreed: 10 });
    },
  } as unknown as StorageEngine;
  return { storage, calls };
}

const quiet = createLogger("ERROR", { sink: () => {} });
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

Deno.test("autoCompact: runOnce makes one pass over every collection, then turns itself off", async () => {
  const { storage, calls } = fakeStorage();
  const ac = new AutoCompactor(storage, quiet, { passIntervalMs: 10, pauseMs: 0 });
  assert.equal(ac.start({ minFreeBytes: 7, runOnce: true }), true);
  assert.equal(ac.start({ minFreeBytes: 7, runOnce: true }), false); // on already
  await until(() => !ac.enabled);
  assert.deepEqual(calls, ["a:7", "b:7", "c:7"]);
  assert.equal(ac.passes, 1);
  assert.equal(ac.bytesFreed, 30);
  assert.equal(ac.stop(), false); // off already
});

Deno.test("autoCompact: passes repeat until stopped; a failing collection is left alone afterwards", async () => {
  const { storage, calls } = fakeStorage(new Set(["b"]));
  const ac = new AutoCompactor(storage, quiet, { passIntervalMs: 10, pauseMs: 0 });
  ac.start({ minFreeBytes: 1, runOnce: false });
  await until(() => ac.passes >= 3);
  assert.equal(ac.stop(), true);
  await ac.close();
  assert.equal(ac.enabled, false);
  assert.deepEqual(calls.slice(0, 5), ["a:1", "b:1", "c:1", "a:1", "c:1"]);
  assert.equal(calls.filter((c) => c === "b:1").length, 1);
  assert.equal(ac.start({ minFreeBytes: 2, runOnce: true }), true); // on again with other options
  await ac.close();
});
