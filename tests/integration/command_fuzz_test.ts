/**
 * The command fuzzer's core (tests/fuzz/run.ts) with a fixed seed and a bounded budget: every command
 * listCommands names gets generated bad bodies, and the run must find nothing — no `unexpected error:`
 * log line, no crash, no stall, no error reply without code/codeName. A finding prints its group and a
 * reproducing body (replay with `deno run -A tests/fuzz/command_fuzz.ts --seed 39 --iterations N`).
 */
import assert from "node:assert/strict";
import { runFuzz } from "../fuzz/run.ts";
import { toEjson } from "../fuzz/encode.ts";

Deno.test({
  name: "command fuzz: seed 39 over every command finds nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const result = await runFuzz({
      seed: 39,
      iterations: 600,
      port: 27640,
      budgetMs: 12_000,
      shrink: false,
      // (above the server's 10 s budget for one server-side JavaScript call; worst case ~30 s in all)
      requestTimeoutMs: 11_000,
      pingTimeoutMs: 2_000,
    });
    const report = [...result.groups.values()].map((g) =>
      `${g.key} [${g.first.kind}, ${g.count}×]\n  ${
        g.first.detail.split("\n").slice(0, 3).join("\n  ")
      }\n  ` +
      `db ${g.minimal.db}: ${toEjson(g.minimal.body)}`
    );
    assert.ok(result.iterations > 50, `only ${result.iterations} iterations ran`);
    assert.equal(report.length, 0, report.join("\n"));
  },
});
