/**
 * Groups the failures of the last spec run (.tmp/spec-summary.json) by normalized cause, with one
 * example each, so server engineers see what to fix first.
 *
 *   deno run -A tests/spec/triage.ts [summary.json] [--top N]
 */
const ROOT = new URL("../../", import.meta.url).pathname;

interface FileEntry {
  file: string;
  suite: string;
  failures: { test: string; message?: string }[];
}

/** Turns a failure message into a grouping key (drops operation indexes, values, paths). */
export function causeOf(message: string): string {
  const m = message
    .replace(/^operation [\d.n]+ /, "operation ")
    .replace(/ on [\w-]+: /, ": ");
  const notFound = m.match(/no such command: '(\w+)'/);
  if (notFound) return `command not implemented: ${notFound[1]}`;
  const notImpl = m.match(/(\S+ is not implemented yet|[^:]*not (?:implemented|supported) yet[^(]*)/);
  if (notImpl) return `NotImplemented: ${notImpl[1]!.trim()}`;
  if (m.startsWith("not run:")) return "not run (server timeout / crash)";
  return m
    .replace(/\[observed: [^\]]*\]/, "")
    .replace(/(expected|got) .*$/, "$1 …")
    .replace(/\{.*\}/g, "{…}")
    .slice(0, 140);
}

if (import.meta.main) {
  const args = Deno.args.filter((a) => !a.startsWith("--"));
  const topIdx = Deno.args.indexOf("--top");
  const top = topIdx >= 0 ? Number(Deno.args[topIdx + 1]) : 40;
  const path = args.find((a) => a.endsWith(".json")) ?? `${ROOT}.tmp/spec-summary.json`;
  const summary = JSON.parse(await Deno.readTextFile(path)) as { files: FileEntry[] };
  const groups = new Map<string, { n: number; suites: Set<string>; example: string }>();
  for (const f of summary.files) {
    for (const x of f.failures) {
      const key = causeOf(x.message ?? "");
      const g = groups.get(key) ?? { n: 0, suites: new Set(), example: "" };
      g.n++;
      g.suites.add(f.suite);
      if (!g.example) {
        g.example = `${f.file.split("/").pop()} :: ${x.test} — ${(x.message ?? "").slice(0, 300)}`;
      }
      groups.set(key, g);
    }
  }
  for (const [key, g] of [...groups].sort((a, b) => b[1].n - a[1].n).slice(0, top)) {
    console.log(
      `${String(g.n).padStart(5)}  ${key}  [${[...g.suites].join(", ")}]\n         e.g. ${g.example}`,
    );
  }
}
