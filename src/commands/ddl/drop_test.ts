import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseDrop } from "./drop.ts";
import { parseDropDatabase } from "./drop_database.ts";

Deno.test("drop: the collection name, generic arguments accepted", () => {
  assertEquals(parseDrop({ drop: "c", writeConcern: { w: 1 }, $db: "test" }), { collection: "c" });
});

Deno.test("drop: an unknown field is 40415, a bad name InvalidNamespace", () => {
  throws(() => parseDrop({ drop: "c", bogus: 1 }), {
    code: 40415,
    message: "BSON field 'drop.bogus' is an unknown field.",
  });
  throws(() => parseDrop({ drop: "" }), { code: ErrorCode.InvalidNamespace });
});

Deno.test("dropDatabase: takes no fields of its own; its value is kept for run's check that it is 1", () => {
  assertEquals(parseDropDatabase({ dropDatabase: 1, writeConcern: { w: "majority" } }), { value: 1 });
  assertEquals(parseDropDatabase({ dropDatabase: 1.0 }), { value: 1 });
  assertEquals(parseDropDatabase({ dropDatabase: "x" }), { value: Number.NaN });
  throws(() => parseDropDatabase({ dropDatabase: 1, bogus: 1 }), {
    code: 40415,
    message: "BSON field 'dropDatabase.bogus' is an unknown field.",
  });
});
