import assert from "node:assert/strict";
import { Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId } from "bson";
import { encodeIndexKey } from "../keys/key_string.ts";
import { extractPredicates, fieldIntervals } from "./bounds.ts";
import { buildBounds } from "./key_bounds.ts";
import { type CheckInterval, packKeyCheck, passesIntervals } from "./key_check.ts";
import type { KeyInterval } from "./plan.ts";

/** The packed check read back: the key directions and each checked field's intervals. */
function unpack(b: Uint8Array): { flips: number[]; fields: { field: number; intervals: CheckInterval[] }[] } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 0;
  const k = dv.getUint16(at, true);
  const flips = [...b.subarray(2, 2 + k)];
  at = 2 + k;
  const n = dv.getUint16(at, true);
  at += 2;
  const fields = [];
  for (let f = 0; f < n; f++) {
    const field = dv.getUint16(at, true);
    const count = dv.getUint16(at + 2, true);
    at += 4;
    const intervals: CheckInterval[] = [];
    for (let i = 0; i < count; i++) {
      const flags = b[at]!;
      const ll = dv.getUint16(at + 1, true);
      const lo = b.slice(at + 3, at + 3 + ll);
      at += 3 + ll;
      const hl = dv.getUint16(at, true);
      const hi = b.slice(at + 2, at + 2 + hl);
      at += 2 + hl;
      intervals.push({
        lo: flags & 1 ? lo : undefined,
        loStrict: (flags & 2) !== 0,
        hi: flags & 4 ? hi : undefined,
        hiStrict: (flags & 8) !== 0,
      });
    }
    fields.push({ field, intervals });
  }
  assert.deepEqual(at, b.length);
  return { flips, fields };
}

function inKeyInterval(key: Uint8Array, iv: KeyInterval): boolean {
  const cmp = (a: Uint8Array, b: Uint8Array) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return a.length - b.length;
  };
  if (iv.lower && cmp(key, iv.lower) < 0) return false; // (a lower end is inclusive)
  if (iv.upper && (cmp(key, iv.upper) > 0 || (cmp(key, iv.upper) === 0 && iv.upperExclusive))) return false;
  return true;
}

const VALUES: unknown[] = [
  null,
  new MinKey(),
  new MaxKey(),
  -5,
  new Int32(0),
  new Double(2.5),
  Long.fromInt(7),
  Decimal128.fromString("-0.5"),
  NaN,
  Infinity,
  "",
  "a",
  "ab",
  "b",
  new Date(0),
  new Date(1e12),
  new ObjectId("000000000000000000000001"),
  true,
  false,
  { x: 1 },
  [1, 2],
];

const FILTERS: Record<string, unknown>[] = [
  { c: { $gt: 0 } },
  { c: { $lte: 2.5 } },
  { c: { $gte: "a", $lt: "b" } },
  { c: { $in: [null, 7, "ab"] } },
  { c: { $ne: "a" } },
  { c: { $lt: new Date(5) } },
  { c: { $gt: new ObjectId("000000000000000000000000") } },
  { c: { $exists: true } },
  { c: { $type: "string" } },
  { c: { $not: { $gte: 0 } } },
  { c: null },
];

Deno.test("key check: a checked field passes exactly the keys its single-field bounds hold, in either direction", () => {
  for (const filter of FILTERS) {
    const preds = extractPredicates(filter, false).get("c")!;
    const list = fieldIntervals(preds, false);
    for (const dir of [1, -1] as const) {
      const alone = buildBounds(["c"], [dir], [list]);
      const compound = buildBounds(["a", "c"], [1, dir], [undefined, list], true, true);
      assert.deepEqual(compound.intervals, [{}], "the intervals stop at the unconstrained field");
      assert.deepEqual(compound.display["c"], alone.display["c"], "explain shows the checked field's bounds");
      const { flips, fields } = unpack(compound.keyCheck!);
      assert.deepEqual(flips, [0, dir === 1 ? 0 : 255]);
      assert.deepEqual(fields.map((f) => f.field), [1]);
      for (const v of VALUES) {
        const key = encodeIndexKey([v], [dir]).slice();
        const want = alone.intervals.some((iv) => inKeyInterval(key, iv));
        assert.deepEqual(
          passesIntervals(key, fields[0]!.intervals),
          want,
          `${JSON.stringify(filter)} ${dir} ${String(v)}`,
        );
      }
    }
  }
});

Deno.test("key check: only when asked for, past the intervals, and none for an unconstrained tail", () => {
  const point = fieldIntervals([{ kind: "eq", value: 1 }], false);
  const range = fieldIntervals([{ kind: "range", op: "$gt", value: 1 }], false);
  assert.deepEqual(buildBounds(["a", "b", "c"], [1, 1, 1], [point, undefined, range]).keyCheck, undefined);
  const b = buildBounds(["a", "b", "c"], [1, 1, 1], [point, undefined, range], true, true);
  assert.deepEqual(b.pointPrefix, 1);
  assert.deepEqual(b.boundedFields, 1);
  assert.deepEqual(unpack(b.keyCheck!).fields.map((f) => f.field), [2]);
  assert.deepEqual(b.display["b"], ["[MinKey, MaxKey]"]);
  assert.deepEqual(b.display["c"], ["(1, inf.0]"]);
  // a range's field ends the intervals; a later one is checked
  const r = buildBounds(["a", "b", "c"], [1, 1, 1], [range, undefined, point], true, true);
  assert.deepEqual(unpack(r.keyCheck!).fields.map((f) => f.field), [2]);
  // every field in the intervals: nothing to check
  assert.deepEqual(buildBounds(["a", "b"], [1, 1], [point, range], true, true).keyCheck, undefined);
  assert.deepEqual(buildBounds(["a", "b"], [1, 1], [point, undefined], true, true).keyCheck, undefined);
});

Deno.test("key check: fields of too many intervals are left out of the packing", () => {
  const many = Array.from(
    { length: 65 },
    (_, i) => ({ lo: Uint8Array.of(i), loStrict: false, hiStrict: false }),
  );
  assert.deepEqual(packKeyCheck([1, 1], [{ field: 1, intervals: many }]), undefined);
  const packed = packKeyCheck([1, -1], [{ field: 1, intervals: many.slice(0, 64) }])!;
  assert.ok(packed.length > 0);
  assert.deepEqual(unpack(packed).fields[0]!.intervals.length, 64);
});
