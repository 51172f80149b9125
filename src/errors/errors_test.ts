import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { codeNameOf, CommandError, ErrorCode, errorToReply } from "./mod.ts";
import { parseErrorCodesYml } from "../../scripts/gen_error_codes.ts";

Deno.test("ErrorCode table has mongod's well-known codes", () => {
  assertEquals(ErrorCode.BadValue, 2);
  assertEquals(ErrorCode.FailedToParse, 9);
  assertEquals(ErrorCode.TypeMismatch, 14);
  assertEquals(ErrorCode.ConflictingUpdateOperators, 40);
  assertEquals(ErrorCode.ImmutableField, 66);
  assertEquals(ErrorCode.NotImplemented, 238);
  assertEquals(ErrorCode.DuplicateKey, 11000);
  assertEquals(codeNameOf(11000), "DuplicateKey");
  assertEquals(codeNameOf(31254), undefined);
});

Deno.test("CommandError by name and by location number", () => {
  const a = new CommandError("BadValue", "unknown operator: $foo");
  assertEquals([a.code, a.codeName], [2, "BadValue"]);
  const b = new CommandError(31254, "Cannot do exclusion on field x in inclusion projection");
  assertEquals([b.code, b.codeName], [31254, "Location31254"]);
  const c = new CommandError(14, "x");
  assertEquals(c.codeName, "TypeMismatch");
});

Deno.test("errorToReply: CommandError carries extra fields", () => {
  const r = errorToReply(new CommandError("DuplicateKey", "E11000", { keyValue: { a: 1 } }));
  assertEquals(r, { ok: 0, errmsg: "E11000", code: 11000, codeName: "DuplicateKey", keyValue: { a: 1 } });
});

Deno.test("errorToReply: unexpected errors are generic and logged", () => {
  const logged: string[] = [];
  const r = errorToReply(new TypeError("boom secret"), (m) => logged.push(m));
  assertEquals(r, { ok: 0, errmsg: "internal error", code: 1, codeName: "InternalError" });
  assertEquals(logged.length, 1);
  ok((logged[0] ?? "").includes("boom secret"));
  assertEquals(errorToReply("str").code, 1);
});

Deno.test("gen_error_codes parser: single and multi-line flow mappings, comments", () => {
  const yml = `error_categories:
  - NetworkError
error_codes:
  - {code: 0, name: OK}
  # - {code: 253, name: Removed}
  - {
      code: 50,
      name: MaxTimeMSExpired,
      categories: [Interruption, ExceededTimeLimitError],
    }
  - {code: 121, name: DocumentValidationFailure, extra: "doc::Info"} # trailing
`;
  assertEquals(parseErrorCodesYml(yml), [
    { code: 0, name: "OK" },
    { code: 50, name: "MaxTimeMSExpired" },
    { code: 121, name: "DocumentValidationFailure" },
  ]);
});

Deno.test("errorToReply: a stack overflow is 15 Overflow (nesting), logged; other bugs stay InternalError", () => {
  const logged: string[] = [];
  const deep = (n: number): number => n === 0 ? 0 : 1 + deep(n - 1);
  let overflow: unknown;
  try {
    deep(1e7);
  } catch (e) {
    overflow = e;
  }
  const r = errorToReply(overflow, (m) => logged.push(m));
  assertEquals([r.code, r.codeName, r.errmsg], [
    15,
    "Overflow",
    "BSONObj exceeds maximum nested object depth",
  ]);
  assertEquals(logged.length, 1);
  assertEquals(errorToReply(new RangeError("Invalid array length")).code, 1);
});
