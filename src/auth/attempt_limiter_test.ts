import assert from "node:assert/strict";
import { AttemptLimiter } from "./attempt_limiter.ts";

Deno.test("attempt limiter: a burst of ten seconds' worth, then the refill rate; refusals reported once", () => {
  let now = 0;
  const reports: [string, number][] = [];
  const l = new AttemptLimiter(2, (addr, n) => reports.push([addr, n]), () => now);
  for (let i = 0; i < 20; i++) assert.ok(l.take("1.2.3.4"), `attempt ${i}`);
  assert.ok(!l.take("1.2.3.4"));
  assert.ok(!l.take("1.2.3.4"));
  assert.deepEqual(reports, [["1.2.3.4", 1]]);
  assert.ok(l.take("5.6.7.8"), "other peers are unaffected");
  now += 500; // one token back
  assert.ok(l.take("1.2.3.4"));
  assert.ok(!l.take("1.2.3.4"));
  now += 10_000;
  assert.ok(l.take("1.2.3.4"));
});

Deno.test("attempt limiter: 0 means unlimited", () => {
  const l = new AttemptLimiter(0, () => {});
  for (let i = 0; i < 1000; i++) assert.ok(l.take("x"));
});
