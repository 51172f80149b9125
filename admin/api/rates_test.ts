import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { countersOf, rates } from "./rates.ts";

Deno.test("rates are per-second deltas of opcounters", () => {
  const a = { at: 0, counters: countersOf({ opcounters: { insert: 10, query: 5, command: 100 } }) };
  const b = { at: 2000, counters: countersOf({ opcounters: { insert: 30, query: 5, command: 103 } }) };
  assertEquals(rates(a, b), { insert: 10, query: 0, command: 1.5 });
});

Deno.test("rates: no time passed or a counter going backwards gives null", () => {
  const a = { at: 5, counters: { insert: 10 } };
  assertEquals(rates(a, { at: 5, counters: { insert: 11 } }), null);
  assertEquals(rates(a, { at: 1005, counters: { insert: 1 } }), null);
});

Deno.test("countersOf accepts Long-like wrappers and skips missing fields", () => {
  const long = { valueOf: () => 7 };
  assertEquals(countersOf({ opcounters: { insert: long, delete: null } }), { insert: 7 });
  assertEquals(countersOf({}), {});
});
