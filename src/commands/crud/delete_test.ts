import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { del, parseDelete } from "./delete.ts";
import { assertRefuses as refuses } from "../../errors/assert_command_error.ts";

const one = (st: unknown) => ({ delete: "c", deletes: [st] });

Deno.test("delete params: limit 0 deletes all, 1 deletes one", () => {
  const p = parseDelete({
    delete: "c",
    deletes: [{ q: {}, limit: 0 }, { q: { a: 1 }, limit: 1, hint: "a_1" }],
  });
  assertEquals(p.deletes.map((s) => s.multi), [true, false]);
  assertEquals(p.deletes[1]!.hint, "a_1");
});

Deno.test("delete params: q and limit are required", () => {
  refuses(() => parseDelete(one({ limit: 0 })), 40414, "'delete.deletes.q'");
  refuses(() => parseDelete(one({ q: {} })), 40414, "'delete.deletes.limit'");
});

Deno.test("delete params: an unknown statement field is 40415 with its dotted path", () => {
  refuses(() => parseDelete(one({ q: {}, limit: 0, sort: {} })), 40415, "'delete.deletes.sort'");
});

Deno.test("delete params: limit other than 0 or 1 is 9, a fraction is 2", () => {
  refuses(() => parseDelete(one({ q: {}, limit: 2 })), 9, "must be 0 or 1. Got 2");
  refuses(() => parseDelete(one({ q: {}, limit: 0.5 })), 2, "Field 'limit' must be an integer");
});

Deno.test("delete params: an unknown top-level field is 40415 (delete takes no bypassDocumentValidation)", () => {
  refuses(
    () => parseDelete({ delete: "c", deletes: [{ q: {}, limit: 0 }], bypassDocumentValidation: true }),
    40415,
    "'delete.bypassDocumentValidation'",
  );
});

Deno.test("delete explain: plans the first statement under DELETE", () => {
  const shape = del.explain!(parseDelete(one({ q: { a: 1 }, limit: 0 })));
  assertEquals([shape.coll, shape.wrap, shape.parts.filter, shape.parts.limit], ["c", "DELETE", { a: 1 }, 0]);
});
