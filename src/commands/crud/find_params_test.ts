/** find's typed params: options that would change the documents' shape are refused until built. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseFind } from "./find.ts";
import { assertRefuses as refuses } from "../../errors/assert_command_error.ts";

Deno.test("find: returnKey / showRecordId false are accepted, true is 238 (not answered with whole documents)", () => {
  assertEquals(parseFind({ find: "c", returnKey: false, showRecordId: false }).collection, "c");
  refuses(() => parseFind({ find: "c", returnKey: true }), 238, "returnKey");
  refuses(() => parseFind({ find: "c", showRecordId: true }), 238, "showRecordId");
  refuses(() => parseFind({ find: "c", showRecordId: "yes" }), 14, "showRecordId");
});
