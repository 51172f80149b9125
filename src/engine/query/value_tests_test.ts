import assert from "node:assert/strict";
import { Decimal128, Double, Int32, Long, ObjectId } from "bson";
import { inTest } from "./value_tests.ts";
import { compileRegex } from "./regex.ts";

Deno.test("$in: numbers of every kind match by value, whatever kind the query and the document hold", () => {
  const t = inTest(
    [
      1,
      new Double(2),
      new Int32(3),
      Long.fromNumber(4),
      Decimal128.fromString("5"),
      Long.fromString("9007199254740993"),
      NaN,
      -0,
      "x",
      null,
    ],
    [],
    undefined,
  );
  for (
    const hit of [
      1,
      new Double(1),
      new Int32(1),
      Long.fromNumber(1),
      2,
      new Int32(2),
      3.0,
      new Double(3),
      4,
      new Double(4),
    ]
  ) {
    assert.equal(t(hit, false), true, String(hit));
  }
  for (
    const hit of [
      5,
      new Double(5),
      Decimal128.fromString("5.0"),
      Long.fromString("9007199254740993"),
      NaN,
      new Double(NaN),
      0,
      "x",
      null,
      undefined,
    ]
  ) {
    assert.equal(t(hit, false), true, String(hit));
  }
  for (
    const miss of [
      6,
      new Double(2.5),
      Long.fromString("9007199254740992"),
      Decimal128.fromString("1.5"),
      "y",
      true,
    ]
  ) {
    assert.equal(t(miss, false), false, String(miss));
  }
});

Deno.test("$in: an integral double query value matches an int document value and the reverse (no linear scan needed)", () => {
  const values = Array.from({ length: 10_000 }, (_, i) => new Double(i));
  const t = inTest(values, [], undefined);
  let n = 0;
  for (let i = 0; i < 20_000; i++) if (t(i % 2 === 0 ? i : new Double(i), false)) n++;
  assert.equal(n, 10_000);
});

Deno.test("$in: ObjectIds match by their bytes, beside other kinds; nothing else equals one", () => {
  const ids = Array.from({ length: 50 }, () => new ObjectId());
  const t = inTest([...ids, "x", 7, null], [compileRegex("^zz", "")], undefined);
  for (const id of ids) assert.equal(t(new ObjectId(id.toHexString()), false), true);
  assert.equal(t(new ObjectId(), false), false);
  assert.equal(t(ids[0]!.toHexString(), false), false); // its hex string is a string, not the id
  assert.equal(t("x", false), true);
  assert.equal(t(7, false), true);
  assert.equal(t(undefined, false), true);
  assert.equal(t("zzabc", false), true);
  const none = inTest([], [], undefined);
  assert.equal(none(ids[0], false), false);
});
