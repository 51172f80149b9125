import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { statementCommand } from "./profiling.ts";

Deno.test("statementCommand: an update statement as mongod's profiler shows it, defaults spelled out", () => {
  const body = {
    update: "c",
    updates: [
      { upsert: true, u: { $set: { a: 1 } }, q: { _id: 1 }, upsertSupplied: true },
      { q: {}, u: { $inc: { n: 1 } }, multi: true, collation: { locale: "fr" }, arrayFilters: [{ i: 0 }] },
    ],
  };
  assertEquals(
    JSON.stringify(statementCommand("update", body, 0)),
    JSON.stringify({
      q: { _id: 1 },
      u: { $set: { a: 1 } },
      multi: false,
      upsert: true,
    }),
  );
  assertEquals(
    JSON.stringify(statementCommand("update", body, 1)),
    JSON.stringify({
      q: {},
      u: { $inc: { n: 1 } },
      arrayFilters: [{ i: 0 }],
      multi: true,
      upsert: false,
      collation: { locale: "fr" },
    }),
  );
});

Deno.test("statementCommand: a delete statement in mongod's field order", () => {
  const body = { delete: "c", deletes: [{ collation: { locale: "fr" }, limit: 1, q: { a: 1 } }] };
  assertEquals(
    JSON.stringify(statementCommand("delete", body, 0)),
    JSON.stringify({ q: { a: 1 }, limit: 1, collation: { locale: "fr" } }),
  );
});
