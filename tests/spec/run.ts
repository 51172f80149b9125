/**
 * Conformance runner CLI for MongoDB unified-test-format spec files.
 *
 *   deno run -A tests/spec/run.ts [folder-or-files...] [--filter substring] [--verbose]
 *                                 [--baseline FILE] [--write-baseline FILE]
 *
 * Default input: ../shared/specs relative to the project root. One fresh SecantusDB server per spec file
 * (spawnServer), per-operation timeout 10 s, per-file timeout 120 s (then the server is killed and the
 * run continues). Tests that require auth run in a second pass of their file against a server started
 * with `--auth` (a root user made through the localhost exception), tests that require topology "single"
 * in one against a server started with `--standalone`. Prints per-suite counts and `N passed, M failed, K skipped`; writes
 * .tmp/spec-summary.json. Exit code 0 only when nothing failed.
 */
import { MongoClient } from "mongodb";
import { REASONS } from "./skips.ts";
import { type ServerProcess, spawnServer } from "../integration/helpers/server_process.ts";
import { loadSpecFile, runFile, type RunOptions, type TestResult, Timeout, withTimeout } from "./runner.ts";
import { type FileSummary, summarize, writeSummary } from "./report.ts";
import { applyBaseline, readBaseline, writeBaseline } from "./baseline.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const OP_TIMEOUT_MS = 10_000;
const FILE_TIMEOUT_MS = 120_000;

interface Cli {
  inputs: string[];
  filter?: string;
  verbose: boolean;
  baseline?: string;
  writeBaseline?: string;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { inputs: [], verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--verbose" || a === "-v") cli.verbose = true;
    else if (a === "--filter") cli.filter = argv[++i] ?? "";
    else if (a === "--baseline") cli.baseline = argv[++i] ?? "";
    else if (a === "--write-baseline") cli.writeBaseline = argv[++i] ?? "";
    else if (a.startsWith("--filter=")) cli.filter = a.slice("--filter=".length);
    else if (a === "--help" || a === "-h") {
      console.log(
        "usage: deno run -A tests/spec/run.ts [folder-or-files...] [--filter substring] [--verbose]",
      );
      Deno.exit(0);
    } else cli.inputs.push(a);
  }
  return cli;
}

async function collectFiles(input: string): Promise<string[]> {
  const stat = await Deno.stat(input);
  if (stat.isFile) return input.endsWith(".json") ? [input] : [];
  const out: string[] = [];
  const walk = async (dir: string) => {
    const entries = [];
    for await (const e of Deno.readDir(dir)) entries.push(e);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && e.name.endsWith(".json")) out.push(p);
    }
  };
  await walk(input.replace(/\/+$/, ""));
  return out;
}

/** Suite = first path segment below the corpus root (e.g. "crud"); falls back to the parent folder. */
function suiteOf(file: string, corpusRoot: string | undefined): string {
  if (corpusRoot && file.startsWith(corpusRoot + "/")) {
    return file.slice(corpusRoot.length + 1).split("/")[0]!;
  }
  const parts = file.split("/");
  const i = parts.lastIndexOf("tests");
  return (i > 0 ? parts[i - 1] : parts.at(-2)) ?? "spec";
}

/**
 * A second pass of a file against a server of another persona: `serverArgs` start it, `uriOf` prepares it
 * and gives the URI the file runs against, `opts` select the tests of the pass; each result replaces the first
 * pass's skip of that test.
 */
async function rerunPass(
  pass: {
    label: string;
    serverArgs: string[];
    opts: Pick<RunOptions, "auth" | "single">;
    uriOf: (uri: string) => Promise<string>;
  },
  file: string,
  cli: Cli,
  summary: FileSummary,
  results: TestResult[],
): Promise<void> {
  let srv: Awaited<ReturnType<typeof spawnServer>> | undefined;
  const byName = new Map(results.map((r, i) => [r.description, i]));
  let closed = false;
  try {
    srv = await spawnServer({ timeoutMs: 30_000, args: pass.serverArgs });
    const uri = await pass.uriOf(srv.uri);
    await withTimeout(
      runFile(file, uri, {
        ...(cli.filter !== undefined ? { filter: cli.filter } : {}),
        opTimeoutMs: OP_TIMEOUT_MS,
        ...pass.opts,
      }, (r) => {
        if (closed) return;
        const i = byName.get(r.description);
        if (i === undefined) results.push(r);
        else results[i] = r;
        if (cli.verbose) {
          console.log(
            `  ${r.status.padEnd(7)} [${pass.label}] ${r.description}${
              r.reason ? ` — ${r.reason.slice(0, 300)}` : ""
            }`,
          );
        }
      }),
      FILE_TIMEOUT_MS,
      `file ${file} (${pass.label} pass)`,
    );
  } catch (e) {
    closed = true;
    summary.error = `${pass.label} pass: ${e instanceof Timeout ? e.message : (e as Error).stack ?? e}`;
  } finally {
    if (srv) reportServerLoss(srv, `${file} (${pass.label} pass)`, summary);
    await srv?.stop(summary.error ? "SIGKILL" : "SIGTERM").catch(() => {});
    if (srv) await Deno.remove(srv.dataDir, { recursive: true }).catch(() => {});
  }
}

const AUTH_USER = "spec-root";

/**
 * The tests that need auth run again against a server started with `--auth` and a root user made
 * through the localhost exception (the URI carries its credentials).
 */
const AUTH_PASS = {
  label: "auth",
  serverArgs: ["--auth"],
  opts: { auth: true },
  async uriOf(uri: string): Promise<string> {
    const first = new MongoClient(uri);
    try {
      await first.db("admin").command({ createUser: AUTH_USER, pwd: AUTH_USER, roles: ["root"] });
    } finally {
      await first.close();
    }
    const url = new URL(uri);
    url.username = AUTH_USER;
    url.password = AUTH_USER;
    url.searchParams.set("authSource", "admin");
    return url.toString();
  },
};

/**
 * The tests that need topology "single" run again against a server started with `--standalone` (the
 * persona a mongod without --replSet has).
 */
const STANDALONE_PASS = {
  label: "standalone",
  serverArgs: ["--standalone"],
  opts: { single: true },
  uriOf: (uri: string) => Promise.resolve(uri),
};

/** A first-pass skip the standalone pass may run: a topology requirement that names "single". */
function needsStandalonePass(r: TestResult): boolean {
  return r.status === "skipped" && (r.reason ?? "").startsWith("requires topology ") &&
    /\bsingle\b/.test(r.reason ?? "");
}

/**
 * A server that went away before the runner stopped it is a finding of its own: the file fails with how
 * it ended, and the end of what it wrote (its log, a panic or a fatal signal) goes to stderr.
 */
function reportServerLoss(srv: ServerProcess, file: string, summary: FileSummary): void {
  const st = srv.exitStatus();
  if (st === undefined) return;
  const how = `server exited during the file (code ${st.code}${st.signal ? `, signal ${st.signal}` : ""})`;
  summary.error = summary.error ? `${how}; ${summary.error}` : how;
  const tail = srv.output().split("\n").slice(-40).join("\n");
  console.error(`--- ${file}: ${how}; the server's last output:\n${tail}\n---`);
}

async function runOne(file: string, suite: string, cli: Cli): Promise<FileSummary> {
  const results: TestResult[] = [];
  const summary: FileSummary = { file, suite, results };
  const invert = file.includes("/valid-fail/");
  let closed = false;
  let server: Awaited<ReturnType<typeof spawnServer>> | undefined;
  try {
    server = await spawnServer({ timeoutMs: 30_000 });
  } catch (e) {
    summary.error = `server did not start: ${(e as Error).message.slice(0, 500)}`;
  }
  if (server) {
    const srv = server;
    try {
      await withTimeout(
        runFile(file, srv.uri, {
          ...(cli.filter !== undefined ? { filter: cli.filter } : {}),
          opTimeoutMs: OP_TIMEOUT_MS,
        }, (r) => {
          if (closed) return; // a timed-out file may still report from the background; ignore it
          results.push(r);
          if (cli.verbose) {
            console.log(
              `  ${r.status.padEnd(7)} ${r.description}${r.reason ? ` — ${r.reason.slice(0, 300)}` : ""}`,
            );
          }
        }, invert),
        FILE_TIMEOUT_MS,
        `file ${file}`,
      );
    } catch (e) {
      closed = true;
      summary.error = e instanceof Timeout ? e.message : `runner error: ${(e as Error).stack ?? e}`;
    }
    reportServerLoss(srv, file, summary);
    const hung = summary.error !== undefined;
    await srv.stop(hung ? "SIGKILL" : "SIGTERM").catch(() => {});
    await Deno.remove(srv.dataDir, { recursive: true }).catch(() => {});
  }
  if (!summary.error && results.some((r) => r.status === "skipped" && r.reason === REASONS.auth)) {
    await rerunPass(AUTH_PASS, file, cli, summary, results);
  }
  if (!summary.error && results.some(needsStandalonePass)) {
    await rerunPass(STANDALONE_PASS, file, cli, summary, results);
  }
  if (summary.error) {
    // Whatever did not report (server hang / crash) counts as failed, so nothing disappears silently.
    const done = new Set(results.map((r) => r.description));
    try {
      const spec = await loadSpecFile(file);
      for (const t of spec.tests) {
        const name = `${spec.description} :: ${t.description}`;
        if (cli.filter && !name.includes(cli.filter) && !file.includes(cli.filter)) continue;
        if (!done.has(t.description)) {
          results.push({ description: t.description, status: "failed", reason: `not run: ${summary.error}` });
        }
      }
    } catch { /* parse errors were reported by runFile */ }
  }
  return summary;
}

async function main(): Promise<number> {
  const cli = parseArgs(Deno.args);
  let corpusRoot: string | undefined;
  if (cli.inputs.length === 0) {
    corpusRoot = new URL("../shared/specs", `file://${ROOT}`).pathname;
    try {
      await Deno.stat(corpusRoot);
    } catch {
      console.error(`spec corpus not found at ${corpusRoot} (pass a folder or files explicitly)`);
      return 1;
    }
    cli.inputs.push(corpusRoot);
  } else if (cli.inputs.length === 1) {
    corpusRoot = undefined;
  }
  const files: string[] = [];
  for (const input of cli.inputs) {
    try {
      files.push(...await collectFiles(input));
    } catch (e) {
      console.error(`cannot read ${input}: ${(e as Error).message}`);
      return 1;
    }
  }
  if (files.length === 0) {
    console.error("no spec files found");
    return 1;
  }
  const summaries: FileSummary[] = [];
  for (const file of files) {
    const suite = suiteOf(file, corpusRoot);
    if (cli.verbose) console.log(`${suite}: ${file}`);
    const s = await runOne(file, suite, cli);
    summaries.push(s);
    if (!cli.verbose) {
      const f = s.results.filter((r) => r.status === "failed").length;
      const p = s.results.filter((r) => r.status === "passed").length;
      const k = s.results.filter((r) => r.status === "skipped").length;
      console.log(`${file.split("/").slice(-2).join("/")}: ${p} passed, ${f} failed, ${k} skipped`);
    }
  }
  if (cli.writeBaseline) {
    const n = await writeBaseline(cli.writeBaseline, summaries, corpusRoot);
    console.log(`wrote ${n} known failures to ${cli.writeBaseline}`);
  }
  let known = 0;
  if (cli.baseline) {
    const outcome = applyBaseline(summaries, corpusRoot, await readBaseline(cli.baseline));
    known = outcome.known;
    for (const key of outcome.nowPassing) console.log(`now passing (remove from the baseline): ${key}`);
  }
  const totals = summarize(summaries, cli.verbose);
  if (cli.baseline) console.log(`(${known} of the skipped are known failures from ${cli.baseline})`);
  await writeSummary(`${ROOT}.tmp/spec-summary.json`, summaries, totals);
  return totals.failed === 0 ? 0 : 1;
}

Deno.exit(await main());
