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
