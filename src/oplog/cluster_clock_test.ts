import assert from "node:assert/strict";
import { BSON, Timestamp } from "bson";
import { ClusterClock } from "./cluster_clock.ts";
import { appendToRaw } from "../bson/raw_reply.ts";

Deno.test("cluster time never goes backwards, even within one second", () => {
  let now = 5_000;
  const clock = new ClusterClock(() => now);
  const a = clock.tick();
  const b = clock.tick();
  now = 4_000; // wall clock stepped back
  const c = clock.tick();
  assert.ok(a.lessThan(b) && b.lessThan(c));
  assert.ok(c instanceof Timestamp);
});

Deno.test("appendToRaw adds fields to a serialised document", () => {
  const raw = BSON.serialize({ ok: 1, n: 2 });
  const out = appendToRaw(raw, { x: "y", z: { a: 1 } });
  assert.deepEqual(BSON.deserialize(out), { ok: 1, n: 2, x: "y", z: { a: 1 } });
});

Deno.test("a reply's time is the newest issued, without a tick (reads leave the clock alone)", () => {
  const clock = new ClusterClock(() => 7_000);
  const first = clock.replyTime(); // nothing issued yet: one tick
  assert.ok(first.equals(new Timestamp({ t: 7, i: 1 })));
  assert.ok(clock.replyTime().equals(first));
  const w = clock.tick(); // a write's oplog entry
  assert.ok(clock.replyTime().equals(w));
  assert.ok(clock.latest().equals(w));
});
