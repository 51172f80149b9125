import assert from "node:assert/strict";
import { type CompactHost, compactTables } from "./compact.ts";

class Busy extends Error {}

/** Tables of `size` bytes with `free` reusable; compacting one shrinks it by its free bytes. */
function host(tables: Record<string, { size: number; free: number; busyTimes?: number }>, open = () => true) {
  const calls: string[] = [];
  const h: CompactHost = {
    reusableBytes: (i) => tables[i]!.free,
    fileBytes: (i) => tables[i]!.size,
    compact: (i) => {
      calls.push(i);
      const t = tables[i]!;
      if ((t.busyTimes ?? 0) > 0) {
        t.busyTimes!--;
        return Promise.reject(new Busy());
      }
      t.size -= t.free;
      t.free = 0;
      return Promise.resolve();
    },
    busy: (e) => e instanceof Busy,
    open,
  };
  return { h, calls };
}

Deno.test("compactTables: estimate only for a dry run or below the target; else every table, bytes freed", async () => {
  const t = () => ({ a: { size: 100, free: 60 }, b: { size: 50, free: 10 } });
  let x = host(t());
  assert.deepEqual(await compactTables(x.h, ["a", "b"], { dryRun: true, minFreeBytes: 1 }), {
    reusableBytes: 70,
    bytesFreed: 0,
  });
  assert.deepEqual(x.calls, []);
  x = host(t());
  assert.deepEqual(await compactTables(x.h, ["a", "b"], { dryRun: false, minFreeBytes: 71 }), {
    reusableBytes: 70,
    bytesFreed: 0,
  });
  assert.deepEqual(x.calls, []);
  x = host(t());
  assert.deepEqual(await compactTables(x.h, ["a", "b"], { dryRun: false, minFreeBytes: 70 }), {
    reusableBytes: 70,
    bytesFreed: 70,
  });
  assert.deepEqual(x.calls, ["a", "b"]);
});

Deno.test("compactTables: a busy table is tried again, then the error surfaces; a closing engine stops it", async () => {
  let x = host({ a: { size: 10, free: 5, busyTimes: 2 } });
  assert.equal((await compactTables(x.h, ["a"], { dryRun: false, minFreeBytes: 1 })).bytesFreed, 5);
  assert.deepEqual(x.calls, ["a", "a", "a"]);
  x = host({ a: { size: 10, free: 5, busyTimes: 99 } });
  await assert.rejects(compactTables(x.h, ["a"], { dryRun: false, minFreeBytes: 1 }), Busy);
  assert.equal(x.calls.length, 5);
  let n = 0;
  x = host({ a: { size: 10, free: 5 }, b: { size: 10, free: 5 } }, () => n++ < 1);
  assert.equal((await compactTables(x.h, ["a", "b"], { dryRun: false, minFreeBytes: 1 })).bytesFreed, 5);
  assert.deepEqual(x.calls, ["a"]);
});
