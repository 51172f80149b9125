/**
 * Command-level fuzzer CLI: hunts for commands that answer a bad body with an InternalError (the
 * server's `unexpected error:` log line), crash the server, stall it, or send an error without
 * code/codeName. It owns only the command line and the report; the loop is run.ts, bodies come from
 * generate.ts/values.ts, judgement from oracle.ts.
 *
 *   deno run -A tests/fuzz/command_fuzz.ts [--seed N] [--iterations N] [--port N] [--only cmd1,cmd2]
 *     [--budget-seconds N] [--no-shrink] [--verbose]
 *
 * Prints one block per bug group (grouped by the error's first project stack frame) with a minimal
 * reproducing body in canonical Extended JSON; exits 1 when anything was found.
 */
import { toEjson } from "./encode.ts";
import { runFuzz } from "./run.ts";

/** `--name value` pairs and bare `--flag`s. */
function parseFlags(argv: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (inline !== undefined) out[name] = inline;
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) out[name] = argv[++i]!;
    else out[name] = true;
  }
  return out;
}

const args = parseFlags(Deno.args);
const seed = Number(args.seed ?? Date.now() % 1_000_000);
const iterations = Number(args.iterations ?? 2000);
const port = Number(args.port ?? 27601);
const only = args.only ? String(args.only).split(",").filter((s) => s !== "") : undefined;
const budget = args["budget-seconds"] !== undefined ? Number(args["budget-seconds"]) * 1000 : undefined;

const t0 = Date.now();
const result = await runFuzz({
  seed,
  iterations,
  port,
  ...(only ? { only } : {}),
  ...(budget !== undefined ? { budgetMs: budget } : {}),
  shrink: !args["no-shrink"],
  log: (l) => console.error(l),
});
const secs = Math.round((Date.now() - t0) / 1000);
console.log(
  `\nseed ${seed}: ${result.iterations} iterations over ${result.commands.length} commands in ${secs} s, ` +
    `${result.restarts} restarts, ${result.groups.size} bug groups (server log: ${result.logPath})`,
);
const top = [...result.stats].sort((a, b) => b[1] - a[1]).slice(0, 25);
console.log(`replies: ${top.map(([k, n]) => `${k} ${n}`).join(", ")}`);
if (args.verbose) {
  for (const [c, m] of [...result.byCommand].sort()) {
    console.log(`  ${c}: ${[...m].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  }
}
for (const g of [...result.groups.values()].sort((a, b) => a.key.localeCompare(b.key))) {
  console.log(`\n== ${g.key}  [${g.first.kind}, ${g.count}×, first in ${g.first.command}]`);
  console.log(g.first.detail.split("\n").slice(0, 6).map((l) => `   ${l}`).join("\n"));
  console.log(`   db: ${g.minimal.db}`);
  console.log(`   body: ${toEjson(g.minimal.body)}`);
}
Deno.exit(result.groups.size > 0 ? 1 : 0);
