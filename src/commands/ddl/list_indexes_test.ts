import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseListIndexes } from "./list_indexes.ts";

Deno.test("listIndexes: collection and cursor options", () => {
  assertEquals(parseListIndexes({ listIndexes: "c", cursor: { batchSize: 0 } }), {
    cursor: { batchSize: 0 },
    collection: "c",
  });
});

Deno.test("listIndexes: an unknown cursor option is 40415 with its dotted path", () => {
  throws(() => parseListIndexes({ listIndexes: "c", cursor: { size: 1 } }), {
    code: 40415,
    message: "BSON field 'listIndexes.cursor.size' is an unknown field.",
  });
});

Deno.test("listIndexes: a non-string collection is InvalidNamespace, an unknown field 40415", () => {
  throws(() => parseListIndexes({ listIndexes: 1 }), { code: ErrorCode.InvalidNamespace });
  throws(() => parseListIndexes({ listIndexes: "c", bogus: 1 }), { code: 40415 });
});
