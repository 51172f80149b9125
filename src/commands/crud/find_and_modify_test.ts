import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { findAndModify, parseFindAndModify } from "./find_and_modify.ts";
import { assertRefuses as refuses } from "../../errors/assert_command_error.ts";

Deno.test("findAndModify params: the lower-case alias names the collection too", () => {
  const p = parseFindAndModify({
    findandmodify: "c",
    query: { a: 1 },
    update: { $inc: { n: 1 } },
    new: true,
  });
  assertEquals([p.collection, p.query, p.new], ["c", { a: 1 }, true]);
});

Deno.test("findAndModify params: an unknown field is 40415", () => {
  refuses(
    () => parseFindAndModify({ findAndModify: "c", remove: true, foo: 1 }),
    40415,
    "'findAndModify.foo'",
  );
});

Deno.test("findAndModify params: wrong types are 14 with the field path", () => {
  refuses(
    () => parseFindAndModify({ findAndModify: "c", remove: true, query: 1 }),
    14,
    "'findAndModify.query'",
  );
});

Deno.test("findAndModify params: needs exactly one of update and remove (9)", () => {
  refuses(() => parseFindAndModify({ findAndModify: "c" }), 9, "Either an update or remove=true");
  refuses(
    () => parseFindAndModify({ findAndModify: "c", remove: true, update: {} }),
    9,
    "both an update and remove=true",
  );
  refuses(() => parseFindAndModify({ findAndModify: "c", remove: true, new: true }), 9, "new=true");
});

Deno.test("findAndModify params: a null update or a numeric hint is 9", () => {
  refuses(() => parseFindAndModify({ findAndModify: "c", update: null }), 9, "Update argument");
  refuses(() => parseFindAndModify({ findAndModify: "c", remove: true, hint: 1 }), 9, "Hint must be");
});

Deno.test("findAndModify explain: one document, DELETE when removing", () => {
  const shape = findAndModify.explain!(
    parseFindAndModify({ findAndModify: "c", remove: true, sort: { a: -1 } }),
  );
  assertEquals([shape.wrap, shape.parts.limit, shape.parts.sort], ["DELETE", 1, { a: -1 }]);
});
