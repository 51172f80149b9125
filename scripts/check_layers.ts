/**
 * Layer check: walks the module graph of every local module (main.ts, mod.ts and each non-test file
 * under src/, ffi/ and admin/) and fails when an import points UP the data path or when local modules
 * form a cycle.
 *
 *   main.ts/mod.ts → cli → app → config → server → wire → commands → engine/planner/cursors
 *     → executor → oplog/changestreams → storage → ffi
 *
 * Every kind of edge counts: value imports, `import type` / `export type … from` (deno info lists
 * them as a dependency's `type` entry), re-exports, and dynamic `import("…")` with a literal
 * specifier. A dynamic import with a computed specifier cannot be checked, so it is itself an error.
 *
 * Leaf folders (errors, bson, keys, engine/geo, observability, version, node_builtin, timers) may be imported from anywhere
 * and import only leaves. Tests (*_test.ts) are not part of the graph; every other module is, whether
 * or not main.ts reaches it (a folder's mod.ts, test helpers).
 *
 * Explicit exceptions (each one written down here and in the imported folder's mod.ts):
 * - `src/planner/plan.ts` holds only the types of a plan (access path, index info, bounds). The
 *   executor runs plans, so it may import that one file although the planner sits above it
 *   (EXECUTOR_MAY_IMPORT). The check also keeps plan.ts types-only and importing only leaves.
 *
 * One graph query (`deno info --json` on a data: URL root importing every local module) keeps this
 * fast enough for `deno task ok`.
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
  ["src/sessions/", 7],
  ["src/testing/", 7],
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
  "src/limits.ts",
  "src/node_builtin.ts",
  "src/timers.ts",
];

/** Upward imports allowed on purpose: importer prefix → the one module it may import. */
const EXECUTOR_MAY_IMPORT: [string, string][] = [
  // Types only (the Plan the planner produces and the executor runs); see planner/mod.ts.
  ["src/executor/", "src/planner/plan.ts"],
];

const root = new URL("../", import.meta.url).pathname;
const SCANNED_DIRS = ["src", "ffi", "admin"];

/** Every local module this check covers (repository-relative paths). */
function localModules(): string[] {
  const files = ["main.ts", "mod.ts"];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(root + dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) files.push(p);
    }
  };
  for (const d of SCANNED_DIRS) walk(d);
  return files.sort();
}

/** A project file's path from the root; undefined for anything else (npm packages, which deno.json's
 * `nodeModulesDir: "manual"` resolves to files under node_modules/, and remote or built-in modules). */
function rel(specifier: string): string | undefined {
  if (!specifier.startsWith("file://")) return undefined;
  const p = decodeURIComponent(new URL(specifier).pathname);
  return p.startsWith(root) && !p.startsWith(`${root}node_modules/`) ? p.slice(root.length) : undefined;
}

function rankOf(path: string): number | "leaf" | undefined {
  if (LEAVES.some((l) => path === l || path.startsWith(l))) return "leaf";
  for (const [prefix, r] of RANKS) if (path === prefix || path.startsWith(prefix)) return r;
  return undefined;
}

type EdgeKind = "import" | "type import" | "dynamic import";

interface Dep {
  specifier: string;
  code?: { specifier?: string };
  type?: { specifier?: string };
  isDynamic?: boolean;
}
interface Mod {
  specifier: string;
  dependencies?: Dep[];
}

const modules = localModules();
const rootSource = modules.map((m) => `import ${JSON.stringify(new URL(m, `file://${root}`).href)};`)
  .join("\n");
const out = new Deno.Command(Deno.execPath(), {
  args: ["info", "--json", `data:application/typescript;base64,${btoa(rootSource)}`],
  cwd: root,
  stdout: "piped",
  stderr: "piped",
}).outputSync();
if (out.code !== 0) {
  console.error(new TextDecoder().decode(out.stderr));
  Deno.exit(1);
}
const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: Mod[] };

/** from → to → the kind of the strongest edge (a value import wins over a type import). */
const edges = new Map<string, Map<string, EdgeKind>>();
const problems: string[] = [];
for (const m of info.modules) {
  const from = rel(m.specifier);
  if (!from || from.endsWith("_test.ts")) continue;
  const tos = edges.get(from) ?? new Map<string, EdgeKind>();
  for (const d of m.dependencies ?? []) {
    const code = d.code?.specifier ? rel(d.code.specifier) : undefined;
    const type = d.type?.specifier ? rel(d.type.specifier) : undefined;
    if (code) tos.set(code, d.isDynamic ? "dynamic import" : "import");
    if (type && !tos.has(type)) tos.set(type, "type import");
  }
  edges.set(from, tos);
}

// A computed dynamic import is invisible to the graph, so it is refused outright.
for (const m of modules) {
  const src = Deno.readTextFileSync(root + m);
  for (const match of src.matchAll(/\bimport\s*\(\s*([^\s"'`)])/g)) {
    const line = src.slice(0, match.index).split("\n").length;
    problems.push(`dynamic import with a computed specifier (the check cannot follow it): ${m}:${line}`);
  }
}

const allowedUp = (from: string, to: string) =>
  EXECUTOR_MAY_IMPORT.some(([f, t]) => from.startsWith(f) && to === t);

// An allowed upward target must stay a types-only file over leaves, or the exception would drag
// upper-layer code (or values) below its layer.
for (const [, target] of EXECUTOR_MAY_IMPORT) {
  for (const to of edges.get(target)?.keys() ?? []) {
    if (rankOf(to) !== "leaf") {
      problems.push(`${target} is imported from below, so it may import only leaves: → ${to}`);
    }
  }
  if (
    /^export\s+(?:async\s+)?(?:function|const|let|var|class|enum)\b/m.test(
      Deno.readTextFileSync(root + target),
    )
  ) {
    problems.push(`${target} is imported from below, so it must hold only types`);
  }
}

for (const [from, tos] of edges) {
  const rf = rankOf(from);
  for (const [to, kind] of tos) {
    const rt = rankOf(to);
    if (rf === undefined || rt === undefined) {
      problems.push(`unclassified module in ${kind} ${from} → ${to} (add it to scripts/check_layers.ts)`);
      continue;
    }
    if (rt === "leaf" || allowedUp(from, to)) continue;
    if (rf === "leaf") {
      problems.push(`leaf module imports a layer (${kind}): ${from} → ${to}`);
      continue;
    }
    if (rt < rf) problems.push(`upward ${kind}: ${from} → ${to}`);
  }
}

// Cycles: strongly connected components (Tarjan); each one is reported once, with one cycle in it.
function next(n: string): string[] {
  return [...(edges.get(n)?.keys() ?? [])];
}
const index = new Map<string, number>();
const low = new Map<string, number>();
const onStack = new Set<string>();
const sccStack: string[] = [];
const sccs: string[][] = [];
let counter = 0;
function strongConnect(v: string) {
  index.set(v, counter);
  low.set(v, counter++);
  sccStack.push(v);
  onStack.add(v);
  for (const w of next(v)) {
    if (!index.has(w)) {
      strongConnect(w);
      low.set(v, Math.min(low.get(v)!, low.get(w)!));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
  }
  if (low.get(v) === index.get(v)) {
    const scc: string[] = [];
    let w: string;
    do {
      w = sccStack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || next(v).includes(v)) sccs.push(scc);
  }
}
for (const n of [...edges.keys()].sort()) if (!index.has(n)) strongConnect(n);

/** A shortest cycle through `start` inside its component (breadth-first). */
function cycleThrough(start: string, members: Set<string>): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const n = queue.shift()!;
    for (const m of next(n)) {
      if (!members.has(m)) continue;
      if (m === start) {
        const path = [n];
        while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
        return [...path, start];
      }
      if (!prev.has(m)) {
        prev.set(m, n);
        queue.push(m);
      }
    }
  }
  return [start];
}
for (const scc of sccs) {
  const members = new Set(scc);
  const start = [...scc].sort()[0]!;
  const path = cycleThrough(start, members);
  const shown = path.map((
    p,
    i,
  ) => (i === 0 ? p : `${edges.get(path[i - 1]!)?.get(p) === "type import" ? "⇢" : "→"} ${p}`))
    .join(" ");
  problems.push(`cycle among ${scc.length} module(s): ${shown}`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  console.error(`check_layers: ${problems.length} problem(s)`);
  Deno.exit(1);
}
console.log(`check_layers: ${edges.size} modules, imports (type and dynamic too) point down, no cycles`);
