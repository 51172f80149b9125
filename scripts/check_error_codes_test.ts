import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { checkLocationTable, scanSource } from "./check_error_codes.ts";

const CODES = new Set([15947, 28725, 40432]);
const scan = (src: string) =>
  scanSource("src/x.ts", src, CODES).map((f) => [f.line, f.message.split(" ")[0]]);

Deno.test("check_error_codes: literal codes in error constructors are found", () => {
  assertEquals(scan(`throw new CommandError(15947, "a group's fields must be an object");`), [[
    1,
    "literal",
  ]]);
  assertEquals(scan(`throw new CommandError(\n  isMap ? 16880 : 28648,\n  "Missing 'input'",\n);`), [
    [2, "literal"],
    [2, "literal"],
  ]);
  assertEquals(scan(`throw new CommandError(code + 3, "Unrecognized parameter");`), [[1, "literal"]]);
  assertEquals(scan(`return new RequestError(2, "bad");`), [[1, "literal"]]);
});

Deno.test("check_error_codes: names, index access, messages and comments are not findings", () => {
  assertEquals(scan(`throw new CommandError("BadValue", "limit must be in [1, 100]");`), []);
  assertEquals(scan(`throw new CommandError(Location.FacetSpecEmpty, \`got \${n + 1}\`);`), []);
  assertEquals(scan(`if (bad) throw new CommandError(bad[0], bad[1]);`), []);
  assertEquals(scan(`throw new FrameError(\`flags 0x\${flags.toString(16)}\`);`), []);
  assertEquals(scan(`// new CommandError(15947, …) in a comment\n/* code: 2 */ const x = 1;`), []);
});

Deno.test("check_error_codes: hand-built replies and location names are found", () => {
  assertEquals(scan(`return { ok: 0, errmsg: "x", code: 10334, codeName: "BSONObjectTooLarge" };`), [
    [1, "ok:"],
    [1, "code:"],
  ]);
  assertEquals(scan(`const fp = { errorCode: 91 };`), [[1, "errorCode:"]]);
  assertEquals(scan(`throw new RequestError("Location40432", "Unknown section kind");`), [[
    1,
    '"Location40432"',
  ]]);
  assertEquals(scan(`const r = { ok: 1, code: x };`), []);
});

Deno.test("check_error_codes: known codes passed through helpers or strings are found", () => {
  assertEquals(scan(`const a = int32Arg(v, 28725, "Second argument to $slice");`), [[1, "literal"]]);
  assertEquals(scan(`const bad = "28725 $sqrt's argument must be positive";`), [[1, "string"]]);
  assertEquals(scan(`const size = 16 * 1024 * 1024; const ms = Date.UTC(2000, 0, 1);`), []);
});

Deno.test("check_error_codes: the Location table has one name per number and none codes.ts names", () => {
  const codes = { BadValue: 2, IDLUnknownField: 40415 };
  assertEquals(checkLocationTable({ A: 15947, B: 15948 }, codes), { errors: [], warnings: [] });
  assertEquals(checkLocationTable({ A: 15947, B: 15947 }, codes).errors.length, 1);
  assertEquals(checkLocationTable({ A: 2 }, codes).errors.length, 1);
  assertEquals(checkLocationTable({ IDLUnknownField: 40415 }, codes, ["IDLUnknownField"]).warnings.length, 1);
  assertEquals(checkLocationTable({ A: 1 }, codes, ["A"]).errors.length, 1);
});
