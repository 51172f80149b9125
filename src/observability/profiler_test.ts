import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Profiler } from "./profiler.ts";
import { Top } from "./top.ts";

Deno.test("profiler: level per database, shared slowms/sampleRate, set returns the settings before", () => {
  const p = new Profiler({ random: () => 0.5 });
  assertEquals(p.settings("a"), { level: 0, slowms: 100, sampleRate: 1, filter: undefined });
  const before = p.set("a", { level: 1, slowms: 20 });
  assertEquals(before.level, 0);
  assertEquals(p.settings("a").level, 1);
  assertEquals(p.settings("b").level, 0);
  assertEquals(p.settings("b").slowms, 20); // server-wide
  ok(p.active);
  ok(!p.shouldProfile("a", 19, () => ({})));
  ok(p.shouldProfile("a", 20, () => ({})));
  ok(!p.shouldProfile("b", 1000, () => ({})));
  p.set("a", { sampleRate: 0.4 });
  ok(!p.isSlow(1000)); // the draw (0.5) is not below 0.4
  p.set("a", { sampleRate: 0.6 });
  ok(p.isSlow(1000));
  p.set("a", { level: 0 });
  ok(!p.active);
});

Deno.test("profiler: level 2 takes everything; a filter replaces slowms at level 1", () => {
  const p = new Profiler();
  p.set("a", { level: 2 });
  ok(p.shouldProfile("a", 0, () => ({})));
  p.set("a", { level: 1, filter: { doc: { op: "query" }, matches: (e) => e["op"] === "query" } });
  assertEquals(p.settings("a").filter, { op: "query" });
  ok(p.shouldProfile("a", 0, () => ({ op: "query" })));
  ok(!p.shouldProfile("a", 10_000, () => ({ op: "insert" })));
  p.set("a", { filter: "unset" });
  assertEquals(p.settings("a").filter, undefined);
});

Deno.test("top: totals, lock row and kind per namespace", () => {
  const t = new Top();
  t.record("d.c", "find", 10);
  t.record("d.c", "insert", 5);
  t.record("d.c", "aggregate", 7);
  const e = t.entries().get("d.c")!;
  assertEquals(e.total, { time: 22, count: 3 });
  assertEquals(e.queries, { time: 10, count: 1 });
  assertEquals(e.insert, { time: 5, count: 1 });
  assertEquals(e.commands, { time: 7, count: 1 });
  assertEquals(e.readLock.count, 2);
  assertEquals(e.writeLock.count, 1);
  t.forget("d.c");
  assertEquals(t.entries().size, 0);
});

Deno.test("profiler: profiles(db) is true at levels 1 and 2 of that database only", () => {
  const p = new Profiler();
  ok(!p.profiles("a"));
  p.set("a", { level: 1 });
  ok(p.profiles("a") && !p.profiles("b"));
  p.set("a", { level: 2 });
  ok(p.profiles("a"));
  p.set("a", { level: 0 });
  ok(!p.profiles("a"));
});
