/** Explain replies kept within the BSON limits as mongod keeps them. */
import assert from "node:assert/strict";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { BSON } from "bson";
import { fitExplainReply } from "./explain_fit.ts";

const ixscan = (bounds: unknown) => ({ stage: "IXSCAN", keyPattern: { a: 1 }, indexBounds: { a: bounds } });

Deno.test("a small explain reply comes back as it was", () => {
  const r = { queryPlanner: { parsedQuery: { a: 1 }, winningPlan: ixscan(["[1, 1]"]) }, ok: 1 };
  assertEquals(fitExplainReply(r), r);
});

Deno.test("large bounds, parsedQuery and command are replaced by mongod's warnings", () => {
  const big = Array.from({ length: 1_000_000 }, (_, i) => `value ${i}`.padEnd(12)); // 23 MB as a list
  const bounds = big.map((i) => `[${i}, ${i}]`);
  const r = {
    queryPlanner: {
      parsedQuery: { a: { $in: big } },
      winningPlan: { stage: "FETCH", inputStage: ixscan(bounds) },
    },
    command: { find: "c", filter: { a: { $in: big } } },
    ok: 1,
  };
  const f = fitExplainReply(r) as typeof r & { warning?: string };
  const plan = f.queryPlanner.winningPlan as unknown as { inputStage: Record<string, unknown> };
  assertEquals(plan.inputStage["warning"], "index bounds omitted due to BSON size limit for explain");
  assertEquals(plan.inputStage["indexBounds"], undefined);
  assert(BSON.calculateObjectSize(f) < 16 * 1024 * 1024);
  assertEquals(f.queryPlanner.parsedQuery, undefined);
  assertEquals(
    (f.queryPlanner as Record<string, unknown>)["warning"],
    "'parsedQuery' has been omitted due to BSON size limit",
  );
  assertEquals(f.command, undefined);
  assertEquals(f.warning, "'command' has been omitted due to BSON size limit");
  assertEquals(f.ok, 1);
});

Deno.test("past the stats limit a stage becomes a warning", () => {
  const r = {
    queryPlanner: { namespace: "x".repeat(2000), winningPlan: { stage: "FETCH", inputStage: ixscan([]) } },
  };
  const f = fitExplainReply(r, 1000) as { queryPlanner: { winningPlan: unknown } };
  assertEquals(f.queryPlanner.winningPlan, { warning: "stats tree exceeded BSON size limit for explain" });
});
