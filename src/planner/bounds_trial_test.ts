import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { boundsTrialCandidates, chooseInstead } from "./bounds_trial.ts";
import type { AccessPath, IxScanPath, PlanChoice } from "./plan.ts";
import { ixPath } from "./ix_path_fixture.ts";

const ix = ixPath;

Deno.test("boundsTrialCandidates: the chosen index scan against the other indexes' scans, without a sort", () => {
  const a = ix("a");
  const b = ix("b");
  const c = ix("c");
  const choice: PlanChoice = { access: a, rejected: [b, ix("a"), c, ix("d"), ix("e")] };
  // one scan per other index, at most three
  assertEquals(boundsTrialCandidates(choice, {}), { chosen: a, others: [b, c, ix("d")] });
  // a sort (its own trial), a hint, min/max: nothing to weigh
  assertEquals(boundsTrialCandidates(choice, { sort: { b: 1 } }), undefined);
  assertEquals(boundsTrialCandidates(choice, { sort: { $natural: 1 } }), {
    chosen: a,
    others: [b, c, ix("d")],
  });
  assertEquals(boundsTrialCandidates(choice, { hint: "a_1" }), undefined);
  assertEquals(boundsTrialCandidates(choice, { max: { a: 1 } }), undefined);
  // no other index scan; a chosen plan that is not an index scan; text or key-filtered scans
  assertEquals(boundsTrialCandidates({ access: a, rejected: [] }, {}), undefined);
  const coll: AccessPath = { kind: "collScan", reverse: false };
  assertEquals(boundsTrialCandidates({ access: coll, rejected: [b] }, {}), undefined);
  const filtered = ix("f", { keyFilter: { test: () => true } as unknown as IxScanPath["keyFilter"] });
  assertEquals(boundsTrialCandidates({ access: filtered, rejected: [b] }, {}), undefined);
  assertEquals(boundsTrialCandidates({ access: a, rejected: [filtered] }, {}), undefined);
});

Deno.test("chooseInstead: the replaced plan first among the rejected", () => {
  const a = ix("a");
  const b = ix("b");
  const c = ix("c");
  assertEquals(chooseInstead({ access: a, rejected: [b, c] }, c), { access: c, rejected: [a, b] });
});
