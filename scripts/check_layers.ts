/**
 * Layer check: walks the module graph of main.ts and mod.ts (`deno info --json`) and fails when an
 * import points UP the data path or when local modules form a cycle.
 *
 *   main.ts/mod.ts → cli → app → config → server → wire → commands → engine/planner/cursors
 *     → executor → oplog/changestreams → storage → ffi
 *
 * Leaf folders (errors, bson, keys, observability, version) may be imported from anywhere and import
 * only leaves. Tests (*_test.ts) are not part of the graph.
 */
const RANKS: [string, number][] = [
  ["main.ts", 0],
  ["mod.ts", 0],
  ["src/cli/", 1],
  ["admin/", 1],
  ["src/app/", 2],
  ["src/config/", 3],
  ["src/server/", 4],
  ["src/wire/", 5],
  ["src/commands/", 6],
  ["src/auth/", 7],
  ["src/engine/", 7],
  ["src/planner/", 7],
  ["src/cursors/", 7],
  ["src/backup/", 8],
  ["src/executor/", 8],
  ["src/changestreams/", 9],
  ["src/oplog/", 10],
  ["src/storage/", 11],
  ["ffi/", 12],
];
// src/engine/geo/ is pure geometry over BSON values (imports errors/bson only): index key generation
// (keys/geo_keys.ts) and the executor need it, so it is a leaf like keys/.
const LEAVES = [
  "src/errors/",
  "src/bson/",
  "src/keys/",
  "src/engine/geo/",
  "src/observability/",
  "src/version.ts",
];

const root = new URL("../", import.meta.url).pathname;

function rel(specifier: string): string | undefined {
  if (!specifier.startsWith("file://")) return undefined;
  const p = new URL(specifier).pathname;
  return p.startsWith(root) ? p.slice(root.length) : undefined;
}

function rankOf(path: string): number | "leaf" | undefined {
  if (LEAVES.some((l) => path === l || path.startsWith(l))) return "leaf";
  for (const [prefix, r] of RANKS) if (path === prefix || path.startsWith(prefix)) return r;
  return undefined;
}

const out = new Deno.Command(Deno.execPath(), {
  args: ["info", "--json", "main.ts", "mod.ts"].slice(0, 3),
  cwd: root,
  stdout: "piped",
  stderr: "piped",
}).outputSync();
const out2 = new Deno.Command(Deno.execPath(), {
  args: ["info", "--json", "mod.ts"],
  cwd: root,
  stdout: "piped",
  stderr: "piped",
}).outputSync();

interface Mod {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; specifier: string }[];
}
const edges = new Map<string, Set<string>>();
for (const o of [out, out2]) {
  if (o.code !== 0) {
    console.error(new TextDecoder().decode(o.stderr));
    Deno.exit(1);
  }
  const info = JSON.parse(new TextDecoder().decode(o.stdout)) as { modules: Mod[] };
  for (const m of info.modules) {
    const from = rel(m.specifier);
    if (!from) continue;
    const set = edges.get(from) ?? new Set<string>();
    for (const d of m.dependencies ?? []) {
      const to = d.code?.specifier ? rel(d.code.specifier) : undefined;
      if (to) set.add(to);
    }
    edges.set(from, set);
  }
}

const problems: string[] = [];
for (const [from, tos] of edges) {
  const rf = rankOf(from);
  for (const to of tos) {
    const rt = rankOf(to);
    if (rf === undefined || rt === undefined) {
      problems.push(`unclassified module in import ${from} → ${to} (add it to scripts/check_layers.ts)`);
      continue;
    }
    if (rt === "leaf") continue;
    if (rf === "leaf") {
      problems.push(`leaf module imports a layer: ${from} → ${to}`);
      continue;
    }
    if (rt < rf) problems.push(`upward import: ${from} → ${to}`);
  }
}

// cycles (Tarjan-free DFS with colours)
const colour = new Map<string, 0 | 1 | 2>();
const stack: string[] = [];
function dfs(n: string) {
  colour.set(n, 1);
  stack.push(n);
  for (const m of edges.get(n) ?? []) {
    const c = colour.get(m) ?? 0;
    if (c === 1) problems.push(`cycle: ${[...stack.slice(stack.indexOf(m)), m].join(" → ")}`);
    else if (c === 0) dfs(m);
  }
  stack.pop();
  colour.set(n, 2);
}
for (const n of edges.keys()) if ((colour.get(n) ?? 0) === 0) dfs(n);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check_layers: ${problems.length} problem(s)`);
  Deno.exit(1);
}
console.log(`check_layers: ${edges.size} modules, imports point down, no cycles`);
