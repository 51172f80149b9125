import assert from "node:assert/strict";
import { checkArguments, MalformedOperation } from "./arguments.ts";

Deno.test("checkArguments accepts a well-formed operation", () => {
  checkArguments("findOneAndUpdate", { filter: {}, update: {}, returnDocument: "After" });
  checkArguments("listIndexes", {});
});

Deno.test("checkArguments names missing required arguments", () => {
  assert.throws(() => checkArguments("insertOne", { foo: "bar" }), MalformedOperation);
  assert.throws(() => checkArguments("createFindCursor", {}), /filter/);
});

Deno.test("checkArguments refuses a returnDocument outside the enum", () => {
  assert.throws(
    () => checkArguments("findOneAndReplace", { filter: {}, replacement: {}, returnDocument: "invalid" }),
    /returnDocument/,
  );
});
