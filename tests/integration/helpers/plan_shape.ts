/** Test helpers for plan-shape tests: a winning plan's stages and IXSCAN, and a deterministic generator. */
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
