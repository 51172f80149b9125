import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseInsert } from "./insert.ts";
import { assertRefuses as refuses } from "../../errors/assert_command_error.ts";

Deno.test("insert params: documents, ordered and the collection", () => {
  const p = parseInsert({ insert: "c", documents: [{ a: 1 }], ordered: false, $db: "test" });
  assertEquals([p.collection, p.documents, p.ordered], ["c", [{ a: 1 }], false]);
});

Deno.test("insert params: an unknown field is 40415", () => {
  refuses(() => parseInsert({ insert: "c", documents: [{}], foo: 1 }), 40415, "'insert.foo'");
});

Deno.test("insert params: documents missing or null is 40414", () => {
  refuses(() => parseInsert({ insert: "c" }), 40414, "'insert.documents' is missing");
  refuses(() => parseInsert({ insert: "c", documents: null }), 40414, "'insert.documents' is missing");
});

Deno.test("insert params: a non-document entry is 14 naming insert.documents", () => {
  refuses(
    () => parseInsert({ insert: "c", documents: [{}, 5] }),
    14,
    "BSON field 'insert.documents' is the wrong type 'int', expected type 'object'",
  );
});

Deno.test("insert params: an empty batch is 16 InvalidLength", () => {
  refuses(() => parseInsert({ insert: "c", documents: [] }), 16, "between 1 and 100000. Got 0");
});

Deno.test("insert params: let must be a document even though insert ignores it", () => {
  refuses(() => parseInsert({ insert: "c", documents: [{}], let: 1 }), 14, "'insert.let'");
});
