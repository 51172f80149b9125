/**
 * Reads a V8 `.cpuprofile` (`deno run --cpu-prof --cpu-prof-dir=DIR main.ts …`, written when the server
 * exits on SIGINT) and prints where the time went, per operation when `--ops N` says how many requests
 * the profile covers (docs/performance.md has the whole recipe).
 *
 *   deno run -A bench/profile_summary.ts FILE [--ops N] [--top 30]     self and inclusive time per function
 *   deno run -A bench/profile_summary.ts FILE --tree NAME [--min 1]   top-down tree under frames NAME
 *
 * Samples before the first one under the connection loop (`#process`) are skipped (start-up, load
 * phase) unless `--all` is given. NAME matches a function name or a `file:line` suffix.
 */
import { cliOption } from "./lib/cli_option.ts";
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = Deno.args;
const opt = cliOption(args);
const file = args[0];
if (!file || file.startsWith("--")) {
  console.error("usage: profile_summary.ts FILE [--ops N] [--top N] [--tree NAME] [--min US] [--all]");
  Deno.exit(2);
}
const ops = Number(opt("--ops", "0"));
const perOp = ops > 0 ? ops : 1;
const p = JSON.parse(Deno.readTextFileSync(file)) as Profile;
const nodes = new Map<number, ProfileNode>(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n: ProfileNode) =>
  `${n.callFrame.functionName || "(anon)"} ${
    n.callFrame.url.replace(/^file:\/\/.*?\/(src|ffi|bench|node_modules)\//, "$1/").replace(
      /^.*node_modules\/\.deno\/[^/]+\/node_modules\//,
      "",
    )
  }:${n.callFrame.lineNumber + 1}`;
const under = (id: number, name: string) => {
  for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) {
    if (nodes.get(c)!.callFrame.functionName === name) return true;
  }
  return false;
};
let first = 0;
if (!args.includes("--all")) {
  while (first < p.samples.length && !under(p.samples[first]!, "#process")) first++;
}
const selfById = new Map<number, number>();
for (let i = first; i < p.samples.length; i++) {
  selfById.set(p.samples[i]!, (selfById.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
}
const total = [...selfById.values()].reduce((a, b) => a + b, 0);
const fmt = (us: number) =>
  ops > 0 ? `${(us / perOp).toFixed(1).padStart(7)} µs/op` : `${(us / 1000).toFixed(0)} ms`;
const pct = (us: number) => `${(100 * us / total).toFixed(1).padStart(5)}%`;

const treeRoot = opt("--tree", "");
if (treeRoot) {
  interface T {
    self: number;
    kids: Map<string, T>;
  }
  const mk = (): T => ({ self: 0, kids: new Map() });
  const root = mk();
  const add = (id: number, into: T) => {
    into.self += selfById.get(id) ?? 0;
    for (const c of nodes.get(id)!.children ?? []) {
      const k = key(nodes.get(c)!);
      let sub = into.kids.get(k);
      if (!sub) into.kids.set(k, sub = mk());
      add(c, sub);
    }
  };
  const find = (id: number) => {
    const n = nodes.get(id)!;
    if (n.callFrame.functionName === treeRoot || key(n).endsWith(treeRoot)) return add(id, root);
    for (const c of n.children ?? []) find(c);
  };
  find(p.nodes[0]!.id);
  const sum = (t: T): number => [...t.kids.values()].reduce((a, k) => a + sum(k), t.self);
  const min = Number(opt("--min", "1")) * (ops > 0 ? perOp : 1000);
  const print = (t: T, name: string, depth: number) => {
    const s = sum(t);
    if (s < min || depth > 14) return;
    console.log(`${"  ".repeat(depth)}${fmt(s)} ${name} (self ${fmt(t.self).trim()})`);
    [...t.kids].sort((a, b) => sum(b[1]) - sum(a[1])).forEach(([k, v]) => print(v, k, depth + 1));
  };
  print(root, treeRoot, 0);
} else {
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  for (const [id, t] of selfById) {
    const k = key(nodes.get(id)!);
    self.set(k, (self.get(k) ?? 0) + t);
    const seen = new Set<string>();
    for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) {
      const kk = key(nodes.get(c)!);
      if (!seen.has(kk)) {
        seen.add(kk);
        incl.set(kk, (incl.get(kk) ?? 0) + t);
      }
    }
  }
  const top = Number(opt("--top", "30"));
  const idle = self.get("(idle) :0") ?? 0;
  if (ops > 0) console.log(`busy ${fmt(total - idle).trim()}, idle ${fmt(idle).trim()}`);
  for (const [title, m] of [["self", self], ["inclusive", incl]] as const) {
    console.log(`\n== ${title} (${(total / 1000).toFixed(0)} ms sampled)`);
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).forEach(([k, v]) =>
      console.log(`${pct(v)} ${fmt(v)}  ${k}`)
    );
  }
}
