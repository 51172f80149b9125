import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../../errors/codes.ts";
import { Location } from "../../errors/locations.ts";
import { parseListCollections } from "./list_collections.ts";

Deno.test("listCollections: filter, nameOnly, authorizedCollections and cursor options", () => {
  assertEquals(
    parseListCollections({
      listCollections: 1,
      filter: { name: "a" },
      nameOnly: true,
      authorizedCollections: false,
      cursor: { batchSize: 5 },
      lsid: {},
    }),
    { filter: { name: "a" }, nameOnly: true, authorizedCollections: false, cursor: { batchSize: 5 } },
  );
});

Deno.test("listCollections: cursor is a strict shape (dotted path, negative batchSize 51024)", () => {
  throws(() => parseListCollections({ listCollections: 1, cursor: { foo: 1 } }), {
    code: 40415,
    message: "BSON field 'listCollections.cursor.foo' is an unknown field.",
  });
  throws(() => parseListCollections({ listCollections: 1, cursor: { batchSize: -1 } }), {
    code: Location.IDLNegativeValue,
  });
  throws(() => parseListCollections({ listCollections: 1, cursor: 1 }), { code: ErrorCode.TypeMismatch });
});

Deno.test("listCollections: nameOnly is a strict bool, filter a document", () => {
  throws(() => parseListCollections({ listCollections: 1, nameOnly: 1 }), {
    code: ErrorCode.TypeMismatch,
    message: "BSON field 'listCollections.nameOnly' is the wrong type 'int', expected type 'bool'",
  });
  throws(() => parseListCollections({ listCollections: 1, filter: [] }), { code: ErrorCode.TypeMismatch });
});

Deno.test("listCollections: an unknown field is 40415", () => {
  throws(() => parseListCollections({ listCollections: 1, bogus: 1 }), { code: 40415 });
});
