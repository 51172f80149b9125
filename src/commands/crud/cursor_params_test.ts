/** getMore and killCursors typed params: the codes and messages mongod's IDL gives. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Long } from "bson";
import { parseGetMore } from "./get_more.ts";
import { parseKillCursors } from "./kill_cursors.ts";
import { thrownCommandError } from "../../errors/assert_command_error.ts";

Deno.test("getMore reads the cursor id exactly, the collection and batchSize", () => {
  const p = parseGetMore({ getMore: Long.fromString("9007199254740993"), collection: "c", batchSize: 2 });
  assertEquals(p, { cursorId: 9007199254740993n, collection: "c", batchSize: 2 });
});

Deno.test("getMore without a collection is 40414", () => {
  const e = thrownCommandError(() => parseGetMore({ getMore: 1 }));
  assertEquals([e.code, e.message], [
    40414,
    "BSON field 'getMore.collection' is missing but a required field",
  ]);
});

Deno.test("getMore with a negative batchSize is 51024", () => {
  const e = thrownCommandError(() => parseGetMore({ getMore: 1, collection: "c", batchSize: -1 }));
  assertEquals([e.code, e.message], [51024, "BSON field 'batchSize' value must be >= 0, actual value '-1'"]);
});

Deno.test("getMore with a non-integral cursor id is 14 TypeMismatch", () => {
  assertEquals(thrownCommandError(() => parseGetMore({ getMore: "x", collection: "c" })).code, 14);
});

Deno.test("getMore accepts generic arguments and refuses unknown fields", () => {
  parseGetMore({ getMore: 1, collection: "c", maxTimeMS: 5, lsid: {}, term: 1 });
  assertEquals(thrownCommandError(() => parseGetMore({ getMore: 1, collection: "c", bogus: 1 })).code, 40415);
});

Deno.test("killCursors needs a cursors array of ids", () => {
  assertEquals(parseKillCursors({ killCursors: "c", cursors: [1, Long.fromInt(2)] }), {
    cursors: [1n, 2n],
    collection: "c",
  });
  assertEquals(thrownCommandError(() => parseKillCursors({ killCursors: "c" })).code, 40414);
  const e = thrownCommandError(() => parseKillCursors({ killCursors: "c", cursors: ["x"] }));
  assertEquals(
    e.message,
    "BSON field 'killCursors.cursors' is the wrong type 'string', expected type 'long'",
  );
});
