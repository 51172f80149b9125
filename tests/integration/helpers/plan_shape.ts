/**
 * Test helpers for plan-shape tests: a winning plan's stages and IXSCAN, a deterministic generator, the
 * randomized documents it fills a collection with, and the answer checked against a collection scan's.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { Collection } from "mongodb";

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

/** The winning plan's stages, outermost first, and its IXSCAN (if any). */
export function planOf(plan: AnyDoc): { stages: string[]; ixscan: AnyDoc } {
  const stages: string[] = [];
  let ixscan: AnyDoc;
  for (let p = plan; p; p = p.inputStage ?? p.inputStages?.[0]) {
    stages.push(p.stage);
    if (p.stage === "IXSCAN") ixscan ??= p;
  }
  return { stages, ixscan };
}

/** A small deterministic generator (the failures repeat). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * `n` documents `{_id: i, ...base(i)}` with each of `fields` set, in order, to `value(field, i)` (left
 * out where that is undefined): the randomized collections of the plan-shape tests.
 */
export function randomDocs(
  n: number,
  fields: readonly string[],
  value: (field: string, i: number) => unknown,
  base: (i: number) => AnyDoc = () => ({}),
): AnyDoc[] {
  const docs: AnyDoc[] = [];
  for (let i = 0; i < n; i++) {
    const d: AnyDoc = { _id: i, ...base(i) };
    for (const f of fields) {
      const v = value(f, i);
      if (v !== undefined) d[f] = v;
    }
    docs.push(d);
  }
  return docs;
}

/**
 * Asserts that `filter`'s planned answer (in `_id` order) and count equal the collection scan's
 * (`hint: {$natural: 1}`); returns the scan's documents.
 */
export async function assertAsScan(c: Collection<AnyDoc>, filter: AnyDoc, label: string): Promise<AnyDoc[]> {
  const byScan = await c.find(filter).hint({ $natural: 1 }).sort({ _id: 1 }).toArray();
  const byPlan = await c.find(filter).sort({ _id: 1 }).toArray();
  assertEquals(byPlan, byScan, label);
  assertEquals(await c.countDocuments(filter), byScan.length, `count ${label}`);
  return byScan;
}
