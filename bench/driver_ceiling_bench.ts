/**
 * Through the Node driver (issue 18, target 2): our server as a fraction of the driver's own ceiling for
 * the point workloads of the shared `bench.mjs` — insert_one, find_by_id, find_eq, find_range, update_inc,
 * delete_one (run after insert_one: it removes the documents insert_one added in the round) —
 * at 1 and 16 connections. The ceiling is the same Node driver against `../shared/bench/capacity/
 * fake-server.mjs`, a wire server that answers every command with a canned reply and does no work. Its
 * `find` returns one document, while find_eq returns ~10 and find_range 20: for those two rows a second
 * column uses `bench/lib/fake_batch_server.mjs`, the same do-nothing server answering a find with as many
 * ~1 KB documents as the real query returns. A third, the same server with `rs`, speaks as ours does — a
 * replica set's primary, `$clusterTime` and `operationTime` on every reply — so the driver does against it
 * what it does against us and not against a standalone (retryable writes with a `txnNumber`, the cluster
 * time gossiped): the "same-persona ceiling" (same reply sizes too). The target column keeps the issue's
 * rule (the fake-server ceiling, the same-size one for find_eq and find_range); the last column says
 * whether ours is ≥ 0.9× of the same-persona one. All run in one process, alternating rounds
 * (`--rounds`, default 2).
 *
 * Then bench.mjs's `bulk_insert` (20 ordered insertMany of 1,000 ~1 KB documents, each run in a fresh Node
 * process as bench.mjs's is): ours, PostgreSQL (`../shared/bench/start-postgres.sh`, synchronous_commit
 * off) and the driver's ceiling for it — fake_batch_server.mjs answering an insert with the number of
 * documents sent, plain and with our persona — so the row says how far above PostgreSQL any server could
 * take the Node driver there.
 *
 * The requests are bench.mjs's own: the workloads run `bench/lib/driver_workloads.mjs` under Node with the
 * shared bench's target adapter and document factory. Node modules: a copy of `../shared/bench` in
 * `$TMPDIR/secantus-shared-bench` with `npm ci` run once (the shared checkout itself is left untouched).
 *
 *   deno run -A bench/driver_ceiling_bench.ts [--ops 2000] [--rounds 2] [--root DIR]
 */
import { exists } from "./lib/exists.ts";
import { freePort, waitForPing } from "./lib/wire_ping.ts";
import { cliOption } from "./lib/cli_option.ts";

const args = Deno.args;
const opt = cliOption(args);
const OPS = Number(opt("--ops", "2000"));
const ROUNDS = Number(opt("--rounds", "2"));
/** The checkout whose main.ts is measured (`--root DIR`: another checkout, for before/after pairs). */
const root = opt("--root", new URL("..", import.meta.url).pathname);
const shared = new URL("../../shared/bench/", import.meta.url).pathname;
const workloadsScript = new URL("./lib/driver_workloads.mjs", import.meta.url).pathname;

async function sh(cmd: string, cmdArgs: string[], cwd = "."): Promise<string> {
  const out = await new Deno.Command(cmd, { args: cmdArgs, cwd, stdout: "piped", stderr: "inherit" })
    .output();
  if (!out.success) throw new Error(`${cmd} ${cmdArgs.join(" ")} exited with ${out.code}`);
  return new TextDecoder().decode(out.stdout);
}

if (!exists(`${shared}capacity/fake-server.mjs`)) {
  console.log(`driver ceiling: skipped (${shared}capacity/fake-server.mjs not found)`);
  Deno.exit(0);
}
const copy = `${Deno.env.get("TMPDIR") ?? "/tmp"}/secantus-shared-bench`;
if (!exists(`${copy}/node_modules/mongodb`)) {
  console.log(`(copying ${shared} to ${copy} and running npm ci there, once)`);
  await sh("cp", ["-r", `${shared}.`, copy]);
  await sh("npm", ["ci", "--no-fund", "--no-audit", "--silent"], copy);
} else {
  // the adapter and factory may have changed in the shared checkout: keep the copy's lib/ and capacity/ fresh
  await sh("cp", ["-r", `${shared}lib/.`, `${copy}/lib/`]);
  await sh("cp", ["-r", `${shared}capacity/.`, `${copy}/capacity/`]);
}

const port = { fake: freePort(), batch: freePort(), persona: freePort(), ours: freePort() };
const dataDir = Deno.makeTempDirSync({ prefix: "secantus-ceiling-" });
const fake = new Deno.Command("node", {
  args: [`${copy}/capacity/fake-server.mjs`, String(port.fake)],
  stdout: "null",
  stderr: "inherit",
}).spawn();
const batch = new Deno.Command("node", {
  args: [new URL("./lib/fake_batch_server.mjs", import.meta.url).pathname, copy, String(port.batch)],
  stdout: "null",
  stderr: "inherit",
}).spawn();
const persona = new Deno.Command("node", {
  args: [new URL("./lib/fake_batch_server.mjs", import.meta.url).pathname, copy, String(port.persona), "rs"],
  stdout: "null",
  stderr: "inherit",
}).spawn();
const ours = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    "--v8-flags=--max-semi-space-size=8",
    "--node-modules-dir=manual",
    `${root}/main.ts`,
    "--port",
    String(port.ours),
    "--storage-path",
    `${dataDir}/data`,
    "--log-level",
    "WARNING",
  ],
  cwd: root,
  env: { GLIBC_TUNABLES: "glibc.malloc.arena_max=2" },
  stdout: "null",
  stderr: "inherit",
}).spawn();
const uri = (p: number) => `mongodb://127.0.0.1:${p}/?directConnection=true`;

type Row = { workload: string; c: number; ops_s: number };
async function measure(p: number, load: boolean, round: number): Promise<Row[]> {
  const out = await sh("node", [
    workloadsScript,
    copy,
    uri(p),
    String(OPS),
    "1,16",
    load ? "1" : "0",
    String(round),
  ]);
  return out.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Row);
}

type Who = "fake" | "batch" | "persona" | "ours";
const results: Record<Who, Row[][]> = { fake: [], batch: [], persona: [], ours: [] };
try {
  await waitForPing(port.fake, 10_000);
  await waitForPing(port.batch, 10_000);
  await waitForPing(port.persona, 10_000);
  await waitForPing(port.ours, 30_000);
  const load = Deno.loadavg();
  for (let r = 0; r < ROUNDS; r++) {
    // alternate which server goes first, so load drifts hit both alike
    const order: Who[] = r % 2 === 0
      ? ["fake", "batch", "persona", "ours"]
      : ["ours", "persona", "batch", "fake"];
    for (const who of order) results[who].push(await measure(port[who], who === "ours" && r === 0, r));
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const pick = (who: Who, w: string, c: number) =>
    median(results[who].map((rows) => rows.find((x) => x.workload === w && x.c === c)?.ops_s ?? NaN));
  const end = Deno.loadavg();
  console.log(
    `Node driver vs its ceiling (fake-server.mjs), ${OPS} ops per cell, median of ${ROUNDS} rounds, ` +
      `load ${load.map((x) => x.toFixed(1)).join(" ")} → ${end.map((x) => x.toFixed(1)).join(" ")}:`,
  );
  console.log(
    "| workload | c | ceiling ops/s (fake-server) | ours ops/s | ours / ceiling | same-size ceiling ops/s | " +
      "ours / same-size | target ≥ 0.9 | same-persona ceiling ops/s | ours / same-persona | ≥ 0.9 of same persona |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|");
  for (const w of ["find_by_id", "find_eq", "find_range", "insert_one", "update_inc", "delete_one"]) {
    for (const c of [1, 16]) {
      const f = pick("fake", w, c);
      const o = pick("ours", w, c);
      // the same-size ceiling differs only for the finds returning more than one document
      const b = w === "find_eq" || w === "find_range" ? pick("batch", w, c) : NaN;
      const ratio = o / (Number.isNaN(b) ? f : b);
      const p = pick("persona", w, c);
      console.log(
        `| ${w} | ${c} | ${f.toFixed(0)} | ${o.toFixed(0)} | ${(o / f).toFixed(2)}× | ${
          Number.isNaN(b) ? "—" : b.toFixed(0)
        } | ${Number.isNaN(b) ? "—" : `${(o / b).toFixed(2)}×`} | ${ratio >= 0.9 ? "met" : "no"} | ${
          p.toFixed(0)
        } | ${(o / p).toFixed(2)}× | ${o / p >= 0.9 ? "yes" : "no"} |`,
      );
    }
  }
  await bulkRows();
} finally {
  fake.kill();
  batch.kill();
  persona.kill();
  ours.kill("SIGTERM");
  await Promise.allSettled([fake.status, batch.status, persona.status, ours.status]);
  Deno.removeSync(dataDir, { recursive: true });
}

/** The bulk_insert row: ours, PostgreSQL and the two do-nothing ceilings, alternating, medians of ROUNDS. */
async function bulkRows(): Promise<void> {
  const pgUri = Deno.env.get("PG_URI") ?? "postgres://bench@127.0.0.1:54329/bench";
  const startPg = `${shared}start-postgres.sh`;
  let pg = exists(startPg);
  if (pg) pg = await sh("bash", [startPg]).then(() => true, () => false);
  const targets: [string, string][] = [["batch", uri(port.batch)], ["persona", uri(port.persona)], [
    "ours",
    uri(port.ours),
  ]];
  if (pg) targets.push(["pg", pgUri]);
  const docsS: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const [who, u] of r % 2 === 0 ? targets : [...targets].reverse()) {
      const out = await new Deno.Command("node", {
        args: [workloadsScript, copy, u, "0", "1", "0", String(r)],
        env: { WORKLOADS: "bulk_insert" },
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const line = new TextDecoder().decode(out.stdout).split("\n").find((l) => l.startsWith("{"));
      (docsS[who] ??= []).push(line ? (JSON.parse(line) as Row).ops_s : NaN);
    }
  }
  const med = (xs: number[] = []) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
  const [b, p, o, q] = ["batch", "persona", "ours", "pg"].map((w) => med(docsS[w]));
  console.log(
    `\nbulk_insert (bench.mjs's bulk load, docs/s, median of ${ROUNDS}; ${pg ? "" : "no PostgreSQL; "}` +
      `ceiling: a server that does no work):`,
  );
  console.log(
    "| ceiling | same-persona ceiling | ours | ours / same-persona | PostgreSQL | ours / PostgreSQL | " +
      "same-persona ceiling / PostgreSQL | target ≥ 1.5× PostgreSQL |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|---|");
  const f = (x: number) => Number.isNaN(x) ? "—" : x.toFixed(0);
  const r = (x: number, y: number) => Number.isNaN(x / y) ? "—" : `${(x / y).toFixed(2)}×`;
  console.log(
    `| ${f(b!)} | ${f(p!)} | ${f(o!)} | ${r(o!, p!)} | ${f(q!)} | ${r(o!, q!)} | ${r(p!, q!)} | ${
      o! / q! >= 1.5 ? "met" : "no"
    } |`,
  );
}
