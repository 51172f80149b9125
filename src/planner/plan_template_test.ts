import assert from "node:assert/strict";
import { ObjectId } from "bson";
import { planQuery } from "./find_plan.ts";
import type { FindPlanInput, IndexInfo, PlanChoice } from "./plan.ts";
import { planFromTemplate, templateOf } from "./plan_template.ts";
import { indexInfo } from "./ix_path_fixture.ts";

const ix = indexInfo;
const ID = ix("_id_", { _id: 1 }, { unique: true });

const INDEX_SETS: IndexInfo[][] = [
  [ID, ix("a_1", { a: 1 })],
  [ID, ix("a_-1", { a: -1 })],
  [ID, ix("a_1", { a: 1 }), ix("b_1", { b: 1 })],
  [ID, ix("a_1_b_1", { a: 1, b: 1 })],
  [ID, ix("a_1_b_-1", { a: 1, b: -1 }), ix("b_1", { b: 1 })],
  [ID, ix("a_1", { a: 1 }, { multikey: true }), ix("b_1", { b: 1 })],
  [ID, ix("a_1", { a: 1 }, { sparse: true })],
  [ID, ix("a_1", { a: 1 }, { unique: true }), ix("a_1_b_1", { a: 1, b: 1 })],
  [ID, ix("a_1", { a: 1 }, { hidden: true }), ix("b_1_a_1", { b: 1, a: 1 })],
];

/** Filter shapes (a function of two values) with the values each is tried with. */
const SHAPES: ((x: unknown, y: unknown) => Record<string, unknown>)[] = [
  (x) => ({ a: x }),
  (x) => ({ a: { $eq: x } }),
  (x) => ({ a: { $gt: x } }),
  (x) => ({ a: { $lte: x } }),
  (x, y) => ({ a: { $gte: x, $lt: y } }),
  (x, y) => ({ a: { $gt: x, $lte: y } }),
  (x, y) => ({ a: x, b: { $lt: y } }),
  (x, y) => ({ a: { $gte: x }, b: y }),
  (x, y) => ({ b: x, a: { $gt: y } }),
  (x, y) => ({ a: x, b: y }),
  (x) => ({ b: x }),
  (x) => ({ c: x }),
  (x, y) => ({ c: x, a: { $lt: y } }),
  (x, y) => ({ a: { $eq: x, $gt: y } }),
  () => ({}),
];
const SORTS: (Record<string, unknown> | undefined)[] = [
  undefined,
  { a: 1 },
  { a: -1 },
  { b: 1 },
  { a: 1, b: 1 },
  { a: 1, b: -1 },
  { $natural: -1 },
];
const INTS = [0, 5, 9, -3, 2 ** 40, 7.5];
const STRINGS = ["", "m", "zz", "b"];
const DATES = [new Date(0), new Date(1e12)];
const OIDS = [new ObjectId("0123456789abcdef01234567"), new ObjectId("ffffffffffffffffffffffff")];

/** Every plan equal, `indexBounds` too (read through its getter). */
function assertSamePlan(got: PlanChoice, want: PlanChoice, what: string): void {
  assert.deepEqual(got, want, what);
  if (got.access.kind === "ixScan" && want.access.kind === "ixScan") {
    assert.deepEqual(got.access.indexBounds, want.access.indexBounds, `${what}: indexBounds`);
  }
}

function pairs(values: unknown[]): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  for (const x of values) for (const y of values) out.push([x, y]);
  return out;
}

Deno.test("a plan from a template equals the fresh plan for every value of the shape", () => {
  let templated = 0;
  let fromTemplate = 0;
  for (const indexes of INDEX_SETS) {
    for (const shape of SHAPES) {
      for (const sort of SORTS) {
        for (const values of [INTS, STRINGS, DATES, OIDS]) {
          const all = pairs(values);
          const input = (x: unknown, y: unknown): FindPlanInput => ({ filter: shape(x, y), sort, indexes });
          for (const [x0, y0] of all.filter((_, i) => i % 7 === 0)) {
            const first = input(x0, y0);
            const fresh = planQuery(first);
            // the two ways the plan cache keeps a template: a plan without rejected candidates, or the
            // cached winner planned alone
            const only = fresh.access.kind === "ixScan" && fresh.rejected.length > 0
              ? (fresh.access.indexName)
              : undefined;
            const planned = only === undefined
              ? fresh
              : planQuery({ ...first, indexes: indexes.filter((i) => i.name === only) });
            const t = templateOf(first, planned);
            if (t === undefined) continue;
            templated++;
            for (const [x, y] of all) {
              const next = input(x, y);
              const got = planFromTemplate(t, next);
              if (got === undefined) continue;
              fromTemplate++;
              const want = only === undefined
                ? planQuery(next)
                : planQuery({ ...next, indexes: indexes.filter((i) => i.name === only) });
              assertSamePlan(got, want, `${JSON.stringify(next.filter)} sort ${JSON.stringify(sort)}`);
            }
          }
        }
      }
    }
  }
  assert.ok(templated > 500 && fromTemplate > 5000, `${templated} templates, ${fromTemplate} plans`);
});

Deno.test("a range with nothing between its ends is planned afresh", () => {
  const indexes = [ID, ix("a_1", { a: 1 })];
  const input = (lo: number, hi: number): FindPlanInput => ({ filter: { a: { $gt: lo, $lt: hi } }, indexes });
  const t = templateOf(input(1, 9), planQuery(input(1, 9)))!;
  assert.ok(t);
  assert.equal(planFromTemplate(t, input(9, 1)), undefined);
  assert.ok(planFromTemplate(t, input(2, 3)));
});

Deno.test("shapes whose plan depends on values are not templated", () => {
  const plain = [ID, ix("a_1", { a: 1 }), ix("b_1", { b: 1 })];
  const notTemplated: FindPlanInput[] = [
    { filter: { a: null }, indexes: plain },
    { filter: { a: { $in: [1, 2] } }, indexes: plain },
    { filter: { a: { $gt: NaN } }, indexes: plain },
    { filter: { a: [1, 2] }, indexes: plain },
    { filter: { a: /x/ }, indexes: plain },
    { filter: { a: { x: 1 } }, indexes: plain },
    { filter: { $and: [{ a: 1 }] }, indexes: plain },
    { filter: { a: { $ne: 1 } }, indexes: plain },
    { filter: { a: 1 }, indexes: plain, hint: "a_1" },
    { filter: { a: 1 }, indexes: plain, min: { a: 0 }, hint: "a_1" },
    { filter: { a: "x" }, indexes: plain, collated: true, collation: { locale: "fr" } },
    { filter: { a: 1 }, indexes: [ID, ix("a_1", { a: 1 }, { partialFilterExpression: { a: { $gt: 0 } } })] },
    { filter: { a: 1 }, indexes: [ID, ix("a_1", { a: 1 }, { collation: { locale: "fr" } })] },
    { filter: { a: 1 }, indexes: [ID, { ...ix("a_h", {}), key: { a: "hashed" } }] },
    { filter: { a: 1 }, indexes: [ID, ix("w", { "$**": 1 })] },
  ];
  for (const input of notTemplated) {
    let fresh: PlanChoice;
    try {
      fresh = planQuery(input);
    } catch {
      continue;
    }
    assert.equal(templateOf(input, fresh), undefined, JSON.stringify(input.filter));
  }
});

Deno.test("a template is bound to its index list and to the templated forms", () => {
  const indexes = [ID, ix("a_1", { a: 1 })];
  const input: FindPlanInput = { filter: { a: 3 }, indexes };
  const t = templateOf(input, planQuery(input))!;
  assert.ok(planFromTemplate(t, input));
  assert.equal(planFromTemplate(t, { ...input, indexes: [...indexes] }), undefined);
  assert.equal(planFromTemplate(t, { ...input, filter: { a: null } }), undefined);
});
