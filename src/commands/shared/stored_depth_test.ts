import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { CommandError } from "../../errors/command_error.ts";
import { serializeStorable } from "./stored_depth.ts";

function nested(levels: number): Record<string, unknown> {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return { _id: 1, d: v };
}

const overflow = (msg: RegExp) => (e: unknown) =>
  e instanceof CommandError && e.code === 15 && msg.test(e.message);

Deno.test("serializeStorable: 180 levels are stored, 181 are 15 Overflow with mongod's wording", () => {
  assertEquals(serializeStorable(nested(179), "insert").length > 0, true); // root + 179 = 180
  throws(
    () => serializeStorable(nested(180), "insert"),
    overflow(/cannot insert document because it exceeds 180/),
  );
  throws(
    () => serializeStorable(nested(180), "update"),
    overflow(/Document exceeds maximum nesting depth of 180/),
  );
});

Deno.test("serializeStorable: a run-time value too deep for the encoder is the same refusal", () => {
  throws(() => serializeStorable(nested(200_000), "update"), overflow(/maximum nesting depth/));
});
