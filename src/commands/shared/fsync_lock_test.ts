import { deepStrictEqual as assertEquals, ok, rejects } from "node:assert/strict";
import { FsyncLock } from "./fsync_lock.ts";
import { OpControl } from "../../observability/op_control.ts";

Deno.test("fsync lock: nests; waiters resume when the count is back to zero; kill interrupts a waiter", async () => {
  const l = new FsyncLock();
  assertEquals(l.unlock(), -1);
  assertEquals(l.lock(), 1);
  assertEquals(l.lock(), 2);
  let resumed = false;
  const waiting = l.waitUnlocked(new OpControl()).then(() => resumed = true);
  assertEquals(l.unlock(), 1);
  await Promise.resolve();
  ok(!resumed);
  assertEquals(l.unlock(), 0);
  await waiting;
  ok(resumed);
  l.lock();
  const ctl = new OpControl();
  const killed = l.waitUnlocked(ctl);
  ctl.kill();
  await rejects(killed);
  l.unlock();
});
