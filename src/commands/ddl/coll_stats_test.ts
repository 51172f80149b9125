import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseCollStats, parseDbStats } from "./coll_stats.ts";

Deno.test("collStats: scale is truncated to an integer", () => {
  assertEquals(parseCollStats({ collStats: "c", scale: 1024.7, verbose: true }), {
    scale: 1024,
    collection: "c",
  });
});

Deno.test("collStats/dbStats: a scale below 1 is BadValue", () => {
  for (const scale of [0, -5, "x"]) {
    throws(() => parseCollStats({ collStats: "c", scale }), {
      code: ErrorCode.BadValue,
      message: "Scale factor must be greater than zero",
    });
    throws(() => parseDbStats({ dbStats: 1, scale }), { code: ErrorCode.BadValue });
  }
});

Deno.test("dbStats: freeStorage is accepted and ignored; unknown fields are 40415", () => {
  assertEquals(parseDbStats({ dbStats: 1, freeStorage: 1 }), {});
  throws(() => parseDbStats({ dbStats: 1, bogus: 1 }), {
    code: 40415,
    message: "BSON field 'dbStats.bogus' is an unknown field.",
  });
  throws(() => parseCollStats({ collStats: "c", freeStorage: 1 }), { code: 40415 });
});
