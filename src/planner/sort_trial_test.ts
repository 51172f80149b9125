import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { chooseOrdered, sortTrialPair, trialResults, trialWorks } from "./sort_trial.ts";
import type { AccessPath, OrPath, PlanChoice } from "./plan.ts";
import { ixPath } from "./ix_path_fixture.ts";

const ix = (name: string, providesSort: boolean) => ixPath(name, { providesSort });

Deno.test("sortTrialPair: a sorting index plan against the best rejected one giving the order", () => {
  const a = ix("a", false);
  const b = ix("b", true);
  const c = ix("c", true);
  const choice: PlanChoice = { access: a, rejected: [ix("d", false), b, c] };
  assertEquals(sortTrialPair(choice, { sort: { b: 1 } }), { blocking: a, ordered: b });
  // no sort, a $natural sort, a hint, min/max: nothing to race
  assertEquals(sortTrialPair(choice, {}), undefined);
  assertEquals(sortTrialPair(choice, { sort: { $natural: 1 } }), undefined);
  assertEquals(sortTrialPair(choice, { sort: { b: 1 }, hint: "a_1" }), undefined);
  assertEquals(sortTrialPair(choice, { sort: { b: 1 }, min: { a: 1 } }), undefined);
  // the winner gives the order already, or is no index scan, or nothing rejected gives it
  assertEquals(sortTrialPair({ access: b, rejected: [a] }, { sort: { b: 1 } }), undefined);
  const coll: AccessPath = { kind: "collScan", reverse: false };
  assertEquals(sortTrialPair({ access: coll, rejected: [b] }, { sort: { b: 1 } }), undefined);
  assertEquals(sortTrialPair({ access: a, rejected: [ix("d", false)] }, { sort: { b: 1 } }), undefined);
});

Deno.test("sortTrialPair: an OR under a blocking sort against the index giving the order", () => {
  const branches = [ix("owner", false), ix("status", false)];
  const or: OrPath = {
    kind: "or",
    branches,
    branchFilters: [{ owner: "u5" }, { status: "x" }],
    rooted: true,
    exact: true,
    branchesExact: true,
    score: 1,
  };
  const createdAt = ix("createdAt", true);
  const choice: PlanChoice = { access: or, rejected: [createdAt] };
  assertEquals(sortTrialPair(choice, { sort: { createdAt: -1 } }), { blocking: or, ordered: createdAt });
  assertEquals(chooseOrdered(choice, { blocking: or, ordered: createdAt }), {
    access: createdAt,
    rejected: [or],
  });
  // branches merged in the order (SORT_MERGE): no blocking sort, nothing to race
  const merged: OrPath = { ...or, sortMerge: { createdAt: -1 } };
  assertEquals(
    sortTrialPair({ access: merged, rejected: [createdAt] }, { sort: { createdAt: -1 } }),
    undefined,
  );
  // a hint, or no index giving the order
  assertEquals(sortTrialPair(choice, { sort: { createdAt: -1 }, hint: "owner_1" }), undefined);
  assertEquals(sortTrialPair({ access: or, rejected: [] }, { sort: { createdAt: -1 } }), undefined);
});

Deno.test("chooseOrdered: the ordered plan wins, the sorting one first among the rejected", () => {
  const a = ix("a", false);
  const b = ix("b", true);
  const d = ix("d", false);
  const out = chooseOrdered({ access: a, rejected: [d, b] }, { blocking: a, ordered: b });
  assertEquals(out.access, b);
  assertEquals(out.rejected, [a, d]);
});

Deno.test("trial limits: mongod's works and results", () => {
  assertEquals(trialWorks(0), 10_000);
  assertEquals(trialWorks(20_000), 10_000);
  assertEquals(trialWorks(100_000), 30_000);
  assertEquals(trialResults(undefined, undefined), 101);
  assertEquals(trialResults(0, undefined), 101);
  assertEquals(trialResults(20, undefined), 20);
  assertEquals(trialResults(-5, undefined), 5);
  assertEquals(trialResults(500, 30), 30);
  assertEquals(trialResults(undefined, 0), 101);
});
