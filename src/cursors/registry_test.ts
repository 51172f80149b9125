import assert from "node:assert/strict";
import { type BatchSource, CursorRegistry } from "./registry.ts";

function source(): BatchSource & { closed: boolean } {
  return {
    closed: false,
    nextBatch: () => Promise.resolve({ docs: [], done: true }),
    close() {
      this.closed = true;
    },
  };
}

Deno.test("cursor ids are positive int64 values and unique", () => {
  let next = 5n;
  const reg = new CursorRegistry({
    idleTimeoutMs: 1000,
    randomId: () => (next === 5n ? (next = 6n, 5n) : next++),
  });
  const a = reg.open("db.c", source(), 0, 1);
  const b = reg.open("db.c", source(), 0, 1);
  assert.notEqual(a.id, b.id);
  assert.ok(a.id > 0n && b.id > 0n);
  assert.equal(reg.size, 2);
});

Deno.test("idle cursors are reaped by the injected clock; busy ones are kept", () => {
  let now = 0;
  const reg = new CursorRegistry({ idleTimeoutMs: 100, now: () => now });
  const s1 = source();
  const s2 = source();
  const c1 = reg.open("db.c", s1, 0, 1);
  const c2 = reg.open("db.c", s2, 0, 1);
  c2.busy = true;
  now = 101;
  assert.equal(reg.reapIdle(), 1);
  assert.equal(reg.get(c1.id), undefined);
  assert.ok(s1.closed);
  assert.ok(reg.get(c2.id));
});

Deno.test("a cursor opened with noCursorTimeout is not reaped when idle", () => {
  let now = 0;
  const reg = new CursorRegistry({ idleTimeoutMs: 100, now: () => now });
  const kept = reg.open("db.c", source(), 0, 1);
  kept.noTimeout = true;
  const reaped = reg.open("db.c", source(), 0, 1);
  now = 1_000_000;
  assert.equal(reg.reapIdle(), 1);
  assert.ok(reg.get(kept.id));
  assert.equal(reg.get(reaped.id), undefined);
});

Deno.test("kill and killNamespace close sources", () => {
  const reg = new CursorRegistry({ idleTimeoutMs: 1000 });
  const s1 = source();
  const s2 = source();
  const s3 = source();
  const c1 = reg.open("db.a", s1, 0, 1);
  reg.open("db.b", s2, 0, 1);
  reg.open("other.b", s3, 0, 1);
  assert.equal(reg.kill(c1.id), true);
  assert.equal(reg.kill(c1.id), false);
  reg.killNamespace("db", true);
  assert.ok(s1.closed && s2.closed && !s3.closed);
  reg.closeAll();
  assert.ok(s3.closed);
  assert.equal(reg.size, 0);
});
