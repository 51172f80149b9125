import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { parseListDatabases } from "./list_databases.ts";

Deno.test("listDatabases: nameOnly is a safeBool, filter a document", () => {
  assertEquals(parseListDatabases({ listDatabases: 1, nameOnly: 1, filter: { name: "a" } }), {
    nameOnly: true,
    filter: { name: "a" },
  });
});

Deno.test("listDatabases: authorizedDatabases is a strict bool", () => {
  throws(() => parseListDatabases({ listDatabases: 1, authorizedDatabases: "yes" }), {
    code: ErrorCode.TypeMismatch,
    message:
      "BSON field 'listDatabases.authorizedDatabases' is the wrong type 'string', expected type 'bool'",
  });
});

Deno.test("listDatabases: an unknown field is 40415", () => {
  throws(() => parseListDatabases({ listDatabases: 1, bogus: 1 }), {
    code: 40415,
    message: "BSON field 'listDatabases.bogus' is an unknown field.",
  });
});
