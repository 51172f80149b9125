import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ErrorCode } from "../errors/codes.ts";
import { validateIndexSpec } from "./index_spec.ts";
import { planIndexScans } from "./index_plan.ts";
import type { IndexInfo } from "./plan.ts";

const ok = () => {};
const wild: IndexInfo = {
  name: "$**_1",
  key: { "$**": 1 },
  unique: false,
  sparse: false,
  multikey: false,
  hidden: false,
};

Deno.test("wildcard specs: options checked as mongod", () => {
  assertEquals(validateIndexSpec({ key: { "a.$**": 1 }, name: "w" }, ok).spec["key"], { "a.$**": 1 });
  throws(() => validateIndexSpec({ key: { "$**": 1 }, name: "w", unique: true }, ok), {
    code: ErrorCode.CannotCreateIndex,
  });
  throws(() => validateIndexSpec({ key: { "a.$**": 1 }, name: "w", wildcardProjection: { b: 1 } }, ok), {
    code: ErrorCode.FailedToParse,
  });
  throws(() => validateIndexSpec({ key: { a: 1 }, name: "w", wildcardProjection: { b: 1 } }, ok), {
    code: ErrorCode.BadValue,
  });
});

Deno.test("wildcard plans: one virtual {$_path, path} scan per covered scalar predicate", () => {
  const plans = planIndexScans({ filter: { a: 5, "b.c": { $gt: 1 }, n: null }, indexes: [wild] });
  assertEquals(
    plans.map((p) => p.keyPattern).sort((x, y) => JSON.stringify(x) < JSON.stringify(y) ? -1 : 1),
    [
      { $_path: 1, a: 1 },
      { $_path: 1, "b.c": 1 },
    ],
  );
  assertEquals(planIndexScans({ filter: { a: { x: 1 } }, indexes: [wild] }), []);
  assertEquals(planIndexScans({ filter: { _id: 1 }, indexes: [wild] }), []);
});
