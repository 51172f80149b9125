import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseUpdate, update } from "./update.ts";
import { assertRefuses as refuses } from "../../errors/assert_command_error.ts";

const one = (st: Record<string, unknown>) => ({ update: "c", updates: [st] });

Deno.test("update params: statement defaults (upsert, multi false) and let", () => {
  const p = parseUpdate({ update: "c", updates: [{ q: { a: 1 }, u: { $set: { b: 1 } } }], let: { x: 1 } });
  assertEquals(p.updates[0], {
    q: { a: 1 },
    u: { $set: { b: 1 } },
    upsert: false,
    multi: false,
    arrayFilters: undefined,
    sort: undefined,
    hint: undefined,
    collation: undefined,
  });
  assertEquals(p.let, { x: 1 });
});

Deno.test("update params: an unknown statement field is 40415 with its dotted path", () => {
  refuses(() => parseUpdate(one({ q: {}, u: {}, x: 1 })), 40415, "'update.updates.x'");
});

Deno.test("update params: q and u are required (null q counts as missing)", () => {
  refuses(() => parseUpdate(one({ u: {} })), 40414, "'update.updates.q'");
  refuses(() => parseUpdate(one({ q: null, u: {} })), 40414, "'update.updates.q'");
  refuses(() => parseUpdate(one({ q: {} })), 40414, "'update.updates.u'");
});

Deno.test("update params: wrong statement field types are 14 with the dotted path", () => {
  refuses(() => parseUpdate(one({ q: 1, u: {} })), 14, "'update.updates.q' is the wrong type 'int'");
  refuses(() => parseUpdate(one({ q: {}, u: {}, multi: "x" })), 14, "'update.updates.multi'");
  refuses(() => parseUpdate({ update: "c", updates: [3] }), 14, "'update.updates' is the wrong type");
});

Deno.test("update params: u must be a document or pipeline (9)", () => {
  refuses(() => parseUpdate(one({ q: {}, u: 5 })), 9, "Update argument must be either an object or an array");
});

Deno.test("update params: sort with multi is refused (9)", () => {
  refuses(() => parseUpdate(one({ q: {}, u: {}, multi: true, sort: { a: 1 } })), 9, "sort with multi=true");
});

Deno.test("update explain: plans the first statement, one document unless multi", () => {
  const p = parseUpdate({
    update: "c",
    updates: [{ q: { a: 1 }, u: {}, sort: { b: 1 }, collation: { locale: "fr" } }, { q: {}, u: {} }],
  });
  const shape = update.explain!(p);
  assertEquals(shape.wrap, "UPDATE");
  assertEquals(shape.parts.filter, { a: 1 });
  assertEquals([shape.parts.limit, shape.parts.sort, shape.parts.collation], [1, { b: 1 }, { locale: "fr" }]);
});
