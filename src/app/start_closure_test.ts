/**
 * The modules a server's start loads before its first ping (issue 18, cold start): serve.ts's static
 * import graph — type-only and dynamic imports left out, as at run time — holds neither the query engine
 * (`src/engine/mod.ts`, the aggregation and expression engines) nor the planner, which load with the
 * first command that needs them. One static import of the engine's entry from a server-wide service
 * (cluster_parameters.ts in the thirty-third session, caught by `cold_start_bench --ab`: 61.8 → 70.8 ms,
 * the serve closure 977 → 1,661 KB) is what this keeps from coming back.
 */
import assert from "node:assert/strict";

interface InfoDependency {
  readonly code?: { readonly specifier: string };
  readonly isDynamic?: boolean;
}
interface InfoModule {
  readonly specifier: string;
  readonly dependencies?: readonly InfoDependency[];
}

Deno.test("the serve path's static imports load no query engine and no planner", async () => {
  const root = new URL("../cli/serve.ts", import.meta.url).href;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--node-modules-dir=manual", root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of modules.get(s)?.dependencies ?? []) {
      if (!d.isDynamic && d.code) stack.push(d.code.specifier);
    }
  }
  const src = new URL("../", import.meta.url).href;
  const local = [...seen].filter((s) => s.startsWith(src)).map((s) => s.slice(src.length));
  assert.ok(local.includes("app/start_server.ts"), "the walk reached the server");
  const heavy = local.filter((p) =>
    p === "engine/mod.ts" || p.startsWith("engine/aggregate/") || p.startsWith("engine/expression/") ||
    p.startsWith("planner/")
  );
  assert.deepEqual(heavy, []);
});
