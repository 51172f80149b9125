/** find's typed params: returnKey / showRecordId are booleans. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseFind } from "./find.ts";
import { assertRefuses as refuses } from "../../errors/assert_command_error.ts";

Deno.test("find: returnKey / showRecordId are read as booleans; a string is 14", () => {
  assertEquals(parseFind({ find: "c", returnKey: false, showRecordId: false }).collection, "c");
  const p = parseFind({ find: "c", returnKey: true, showRecordId: true });
  assertEquals([p.returnKey, p.showRecordId], [true, true]);
  refuses(() => parseFind({ find: "c", showRecordId: "yes" }), 14, "showRecordId");
});
