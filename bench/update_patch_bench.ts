/**
 * An operator update of one stored document, the engine alone (no storage): the whole path (decode
 * the stored bytes, `apply`, encode) against the byte patch (`Updater.applyBytes`, only the touched
 * top-level fields decoded and encoded), alternating in one process. The document is the capacity
 * harness's (~760 bytes: `_id`, `seq`, a 700-character `payload`, a `counter`).
 * `--compare DIR` adds the same per request with the compile (`compileUpdate` of the spec, then
 * `applyBytes`, as the update command does per statement) for this checkout and for another's engine
 * (e.g. main's), alternating, in the same process.
 *   deno run -A bench/update_patch_bench.ts [--n 200000] [--rounds 5] [--compare DIR]
 */
import { BSON } from "bson";
import { compileUpdate } from "../src/engine/mod.ts";
import { decodeDocument } from "../src/bson/decode.ts";

const arg = (name: string, fallback: string) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1]! : fallback;
};
const N = Number(arg("--n", "200000"));
const ROUNDS = Number(arg("--rounds", "5"));
const compareDir = arg("--compare", "");
type Compile = (spec: Record<string, unknown>) => {
  applyBytes?(b: Uint8Array, c: typeof ctx): { bytes: Uint8Array } | undefined;
};
const otherCompile = compareDir
  ? (await import(`${compareDir}/src/engine/mod.ts`) as { compileUpdate: Compile }).compileUpdate
  : undefined;
const ctx = { isInsert: false, now: new Date() };
const bytes = new Uint8Array(
  BSON.serialize({ _id: 12345, seq: 12345, payload: "x".repeat(700), counter: 17 }),
);

const cases: Record<string, Record<string, unknown>> = {
  "$inc counter": { $inc: { counter: 1 } },
  "$set seq, $unset counter": { $set: { seq: 5 }, $unset: { counter: "" } },
  "$set new field": { $set: { fresh: "abc" } },
};

const load = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
console.log(`update of one ~${bytes.length}-byte document, ${N} x ${ROUNDS} rounds (best), load ${load}`);
console.log(
  `| update | whole path µs | byte patch µs |${
    otherCompile ? ` compile + patch µs | ${compareDir}: compile + patch µs |` : ""
  }`,
);
console.log(`|---|---:|---:|${otherCompile ? "---:|---:|" : ""}`);
for (const [name, spec] of Object.entries(cases)) {
  const u = compileUpdate(spec);
  const whole = () => {
    const r = u.apply(decodeDocument(bytes), ctx);
    return r.modified ? BSON.serialize(r.doc).length : 0;
  };
  const patch = () => u.applyBytes!(bytes, ctx)!.bytes.length;
  // per request: the spec decoded fresh each time (a request's), compiled, applied
  const fresh = () => decodeDocument(BSON.serialize(spec));
  const specs = Array.from({ length: 64 }, fresh);
  const withCompile = (compile: Compile) => {
    let i = 0;
    return () => compile(specs[i++ & 63]!).applyBytes!(bytes, ctx)!.bytes.length;
  };
  const fns = otherCompile
    ? [whole, patch, withCompile(compileUpdate as Compile), withCompile(otherCompile)]
    : [whole, patch];
  const best = fns.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    const order = fns.map((_, k) => k);
    if (r % 2 === 1) order.reverse();
    order.map((k) => [fns[k]!, k] as const).forEach(([fn, k]) => {
      let sink = 0;
      const t0 = performance.now();
      for (let i = 0; i < N; i++) sink += fn();
      const us = ((performance.now() - t0) * 1000) / N;
      if (sink < 0) console.log(sink);
      best[k] = Math.min(best[k]!, us);
    });
  }
  console.log(`| ${name} | ${best.map((b) => b.toFixed(2)).join(" | ")} |`);
}
