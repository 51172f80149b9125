import assert from "node:assert/strict";
import { PlanCache, shapeOf } from "./plan_cache.ts";

Deno.test("shapes ignore values but keep structure, operators and types", () => {
  const a = JSON.stringify(shapeOf({ x: 1, y: { $gt: 5, $lt: 9 }, z: { $in: [1, 2, 3] } }));
  const b = JSON.stringify(shapeOf({ x: 7, y: { $gt: 0, $lt: 1 }, z: { $in: [4] } }));
  const c = JSON.stringify(shapeOf({ x: "7", y: { $gt: 0, $lt: 1 }, z: { $in: [4] } }));
  assert.equal(a, b);
  assert.notEqual(a, c);
});

Deno.test("the cache is bounded", () => {
  const cache = new PlanCache(2);
  cache.set("a", "i1");
  cache.set("b", "i2");
  cache.set("c", "i3");
  assert.equal(cache.get("c"), "i3");
  assert.ok(cache.size <= 2);
  cache.clear("c");
  assert.equal(cache.get("c"), undefined);
});

Deno.test("clear keeps to one collection, and with a suffix to one shape of it (planCacheClear)", () => {
  const cache = new PlanCache();
  cache.set("u1|a,b|{x}|{}|{}", "a");
  cache.set("u1|a,b,c|{x}|{}|{}", "b");
  cache.set("u1|a,b|{y}|{}|{}", "a");
  cache.set("u2|a,b|{x}|{}|{}", "a");
  cache.clear("u1|", "|{x}|{}|{}");
  assert.deepEqual(cache.entries("u1|"), [["u1|a,b|{y}|{}|{}", "a"]]);
  assert.equal(cache.size, 2);
  cache.clear("u1|");
  assert.deepEqual(cache.entries("u1|"), []);
  assert.deepEqual(cache.entries("u2|"), [["u2|a,b|{x}|{}|{}", "a"]]);
});

Deno.test("shapes: $exists true and false differ", () => {
  assert.notEqual(
    JSON.stringify(shapeOf({ a: { $exists: true } })),
    JSON.stringify(shapeOf({ a: { $exists: false } })),
  );
  assert.equal(
    JSON.stringify(shapeOf({ a: { $exists: 0 } })),
    JSON.stringify(shapeOf({ a: { $exists: false } })),
  );
});

Deno.test("PlanCache: a chosen winner keeps its entry count until another index wins", () => {
  const c = new PlanCache();
  c.setChosen("k", "a_1", 200);
  c.set("k", "a_1");
  assert.equal(c.peek("k")?.works, 200);
  c.set("k", "b_1");
  assert.equal(c.peek("k")?.works, undefined);
  assert.equal(c.peek("k")?.winner, "b_1");
});
