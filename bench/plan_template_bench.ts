/**
 * The planner's per-query cost for one query shape (bench.mjs's find_range: a range on an indexed
 * field, sorted on it, beside the `_id` index): a fresh `planQuery`, the plan from the shape's template
 * (planner/plan_template.ts), and the plan cache key's shape string, alternating in one process, µs
 * per call (best of rounds).
 *   deno run -A bench/plan_template_bench.ts [--n 5000] [--rounds 40]
 */
import { planQuery } from "../src/planner/find_plan.ts";
import type { FindPlanInput, IndexInfo } from "../src/planner/plan.ts";
import { planFromTemplate, templateOf } from "../src/planner/plan_template.ts";
import { shapeOf } from "../src/planner/plan_cache.ts";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : fallback;
};
const N = Number(arg("--n", "5000"));
const ROUNDS = Number(arg("--rounds", "40"));
const ix = (name: string, key: Record<string, number>, unique = false): IndexInfo => ({
  name,
  key,
  unique,
  sparse: false,
  multikey: false,
  hidden: false,
});
const indexes = [ix("_id_", { _id: 1 }, true), ix("seq_1", { seq: 1 })];
const input = (i: number): FindPlanInput => {
  const lo = (i * 7919) % 19800;
  return { filter: { seq: { $gte: lo, $lt: lo + 200 } }, sort: { seq: 1 }, indexes };
};
const template = templateOf(input(0), planQuery(input(0)))!;
if (!template) throw new Error("the shape was not templated");

const cases: Record<string, (i: number) => unknown> = {
  "planQuery": (i) => planQuery(input(i)),
  "planFromTemplate": (i) => planFromTemplate(template, input(i)),
  "JSON.stringify(shapeOf)": (i) => JSON.stringify(shapeOf(input(i).filter)),
};
const best: Record<string, number> = {};
let sink = 0;
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, f] of Object.entries(cases)) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) if (f(i)) sink++;
    const us = (performance.now() - t0) * 1000 / N;
    best[name] = Math.min(best[name] ?? Infinity, us);
  }
}
console.log(
  `load ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")}, ${N} calls x ${ROUNDS} rounds (${sink > 0})`,
);
for (const [name, us] of Object.entries(best)) console.log(`${name.padEnd(26)} ${us.toFixed(2)} µs`);
