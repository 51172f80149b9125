import assert from "node:assert/strict";
import { Decimal128, Double, Int32, Long } from "bson";
import { NumericSum } from "../expression/numeric_sum.ts";
import { nativeGroupDocs, nativeGroupPlan } from "./group_native.ts";

Deno.test("nativeGroupPlan: the shapes the storage engine folds, and the ones it leaves to JS", () => {
  const p = nativeGroupPlan({
    $group: { _id: "$r", n: { $sum: 1 }, t: { $sum: "$s" }, a: { $avg: "$s" }, c: { $count: {} } },
  }, undefined)!;
  assert.equal(p.key, "r");
  assert.deepEqual(p.inputs, [{ type: 0x10, value: 1 }, { field: "s" }, { field: "s" }, {
    type: 0x10,
    value: 1,
  }]);
  assert.deepEqual(p.outputs.map((o) => o.avg), [false, false, true, false]);
  assert.equal(
    nativeGroupPlan({ $group: { _id: null, t: { $sum: Long.fromNumber(2) } } }, undefined)!.key,
    null,
  );
  assert.deepEqual(
    nativeGroupPlan({ $group: { _id: "$r", t: { $sum: new Double(2) } } }, undefined)!.inputs,
    [{
      type: 0x01,
      value: 2,
    }],
  );
  for (
    const g of [
      { _id: "$a.b" },
      { _id: "$$ROOT" },
      { _id: { x: "$a" } },
      { _id: 1 },
      { _id: "$a", m: { $max: "$b.c" } },
      { _id: "$a", m: { $first: 1 } },
      { _id: "$a", m: { $push: "$b" } },
      { _id: "$a", s: { $sum: Decimal128.fromString("1") } },
      { _id: "$a", s: { $sum: "$b.c" } },
      { _id: "$a", s: { $sum: { $add: ["$b", 1] } } },
      { _id: "$a", s: { $sum: "x" } },
    ]
  ) assert.equal(nativeGroupPlan({ $group: g }, undefined), undefined, JSON.stringify(g));
  assert.equal(nativeGroupPlan({ $group: { _id: "$a" } }, { locale: "fr" }), undefined);
  assert.ok(nativeGroupPlan({ $group: { _id: "$a" } }, { locale: "simple" }));
});

Deno.test("NumericSum.fromParts gives what add() gives over the same values", () => {
  const values: unknown[] = [new Int32(5), Long.fromString("9223372036854775807"), 0.1, 2.5, new Int32(7)];
  const s = new NumericSum();
  for (const v of values) s.add(v instanceof Int32 ? v.value : v);
  let dbl = 0, comp = 0;
  for (const v of [0.1, 2.5]) {
    const y = v - comp;
    const t = dbl + y;
    comp = (t - dbl) - y;
    dbl = t;
  }
  const f = NumericSum.fromParts({ intTotal: 12n + 9223372036854775807n, kind: 2, dbl, comp, count: 5 });
  assert.deepEqual(f.result(), s.result());
  assert.deepEqual(f.average(), s.average());
  const ints = NumericSum.fromParts({ intTotal: 3n, kind: 0, dbl: 0, comp: 0, count: 2 });
  assert.equal(ints.result(), 3);
  assert.deepEqual(
    NumericSum.fromParts({ intTotal: 2n ** 40n, kind: 0, dbl: 0, comp: 0, count: 2 }).result(),
    Long.fromNumber(2 ** 40),
  );
});

Deno.test("nativeGroupDocs: _id decoded as the scan decodes it, sums and means typed by NumericSum", () => {
  const plan = nativeGroupPlan({ $group: { _id: "$k", s: { $sum: "$x" }, a: { $avg: "$x" } } }, undefined)!;
  const parts = { intTotal: 3n, dbl: 0, comp: 0, count: 2, kind: 1 as const };
  const long = new Uint8Array(8);
  long[0] = 7;
  const docs = nativeGroupDocs(plan, [
    { idType: 0x12, idBytes: long, sums: [parts, parts] },
    { idType: 0x0a, idBytes: new Uint8Array(0), sums: [parts, parts] },
  ]);
  assert.deepEqual(docs, [
    { _id: Long.fromNumber(7), s: Long.fromNumber(3), a: 1.5 },
    { _id: null, s: Long.fromNumber(3), a: 1.5 },
  ]);
});
