/**
 * The test surrogate's start-up, as test authors see it (issue 17):
 *   deno   in-process `startServer()` on `:memory:` → server ready, and → first `ping` answered
 *          through npm:mongodb (the first start in a process also pays WiredTiger's one-time init);
 *   node   the npm package in a throwaway Node project: `SecantusServer.create()` → first `ping`;
 *          a test file's first requests, each round a fresh Node process (`create()`, then at once
 *          connect, ping, insert into a new collection, findOne, a second insert: medians of each step,
 *          what a client started with the server waits for); and a 100-test Jest file (server start +
 *          100 tests + stop) against a 100-test Jest file with no database, both as wall time of `npx jest`.
 * The Node part builds the tarball (packages/node/build.ts) and runs `npm install` (network on the
 * first run, the npm cache after); SURROGATE_SKIP_NODE=1 skips it. Rounds: SURROGATE_ROUNDS (10).
 */
import { MongoClient } from "mongodb";
import { startServer } from "../mod.ts";

const ROUNDS = Number(Deno.env.get("SURROGATE_ROUNDS") ?? 10);
const ROOT = new URL("../", import.meta.url).pathname;

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)] ?? 0;
  return `median ${med.toFixed(1)} ms, min ${(s[0] ?? 0).toFixed(1)} ms, max ${
    (s[s.length - 1] ?? 0).toFixed(1)
  } ms`;
}

async function denoInProcess(): Promise<void> {
  const ready: number[] = [];
  const usable: number[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    const t0 = performance.now();
    const server = await startServer({ logLevel: "ERROR" });
    const t1 = performance.now();
    const client = new MongoClient(server.uri);
    await client.db("admin").command({ ping: 1 });
    const t2 = performance.now();
    await client.close();
    await server.stop();
    if (i === 0) {
      console.log(
        `deno in-process, first start in this process: ready ${(t1 - t0).toFixed(1)} ms, ping ${
          (t2 - t0).toFixed(1)
        } ms`,
      );
      continue;
    }
    ready.push(t1 - t0);
    usable.push(t2 - t0);
  }
  console.log(`deno in-process startServer() → ready (${ROUNDS} starts): ${stats(ready)}`);
  console.log(`deno in-process startServer() → ping answered:        ${stats(usable)}`);
}

async function sh(cmd: string, args: string[], cwd: string, timeoutMs = 600_000): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { CI: "true", NO_COLOR: "1" },
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${text.slice(-4000)}`);
  return text;
}

function jestFile(withDb: boolean): string {
  const lines = withDb
    ? [
      'const { MongoClient } = require("mongodb");',
      'const { SecantusServer } = require("secantusdb");',
      "let server, client;",
      "beforeAll(async () => { server = await SecantusServer.create(); client = new MongoClient(server.getUri('b')); });",
      "afterAll(async () => { await client.close(); await server.stop(); });",
      "for (let i = 0; i < 100; i++) {",
      "  test(`doc ${i}`, async () => {",
      "    await client.db().collection('c').insertOne({ _id: i, v: i });",
      "    expect((await client.db().collection('c').findOne({ _id: i })).v).toBe(i);",
      "  });",
      "}",
    ]
    : ["for (let i = 0; i < 100; i++) test(`noop ${i}`, () => { expect(i).toBe(i); });"];
  return lines.join("\n") + "\n";
}

/** A test file's first requests in a fresh Node process: each step's ms, as JSON [step, ms][]. */
const FIRST_REQUESTS = [
  'import { MongoClient } from "mongodb";',
  'import { SecantusServer } from "secantusdb";',
  "const laps = []; let last = performance.now();",
  "const lap = (step) => { const now = performance.now(); laps.push([step, now - last]); last = now; };",
  "const s = await SecantusServer.create(); lap('create()');",
  "const c = new MongoClient(s.getUri('b')); await c.connect(); lap('connect');",
  "await c.db().command({ ping: 1 }); lap('ping');",
  "await c.db().collection('c').insertOne({ _id: 0 }); lap('first insert (new collection)');",
  "await c.db().collection('c').findOne({ _id: 0 }); lap('findOne');",
  "await c.db().collection('c').insertOne({ _id: 1 }); lap('second insert');",
  "await c.close(); await s.stop();",
  "console.log(JSON.stringify(laps));",
].join("\n");

async function nodePackage(): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "secantus-bench-" });
  try {
    const built = await sh(Deno.execPath(), [
      "run",
      "-A",
      `${ROOT}packages/node/build.ts`,
      "--out",
      `${tmp}/npm`,
    ], ROOT);
    const tarball = built.trim().split("\n").filter((l) => l.endsWith(".tgz")).pop()!;
    const proj = `${tmp}/proj`;
    await Deno.mkdir(`${proj}/b`, { recursive: true });
    await Deno.writeTextFile(`${proj}/package.json`, '{"name":"bench","private":true,"version":"0.0.0"}');
    await Deno.copyFile(tarball, `${proj}/secantusdb.tgz`);
    await sh("npm", [
      "install",
      "--save-dev",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "./secantusdb.tgz",
      "mongodb@7.9.1",
      "jest@30.5.2",
    ], proj);
    await Deno.writeTextFile(
      `${proj}/start.mjs`,
      [
        'import { MongoClient } from "mongodb";',
        'import { SecantusServer } from "secantusdb";',
        "const ms = [];",
        `for (let i = 0; i < ${ROUNDS}; i++) {`,
        "  const t0 = performance.now();",
        "  const s = await SecantusServer.create();",
        "  const c = new MongoClient(s.getUri());",
        "  await c.db('admin').command({ ping: 1 });",
        "  ms.push(performance.now() - t0);",
        "  await c.close(); await s.stop();",
        "}",
        "console.log(JSON.stringify(ms));",
      ].join("\n"),
    );
    const ms: number[] = JSON.parse((await sh("node", ["start.mjs"], proj)).trim().split("\n").pop()!);
    console.log(`node SecantusServer.create() → ping answered (${ROUNDS} starts): ${stats(ms)}`);
    await Deno.writeTextFile(`${proj}/first.mjs`, FIRST_REQUESTS);
    const steps = new Map<string, number[]>();
    for (let i = 0; i < ROUNDS; i++) {
      const laps: [string, number][] = JSON.parse(
        (await sh("node", ["first.mjs"], proj)).trim().split("\n").pop()!,
      );
      for (const [step, lap] of laps) steps.set(step, [...steps.get(step) ?? [], lap]);
    }
    for (const [step, laps] of steps) {
      console.log(`node first requests, fresh process (${ROUNDS}): ${step}: ${stats(laps)}`);
    }
    await Deno.writeTextFile(`${proj}/b/db.test.js`, jestFile(true));
    await Deno.writeTextFile(`${proj}/b/noop.test.js`, jestFile(false));
    for (
      const [name, file] of [["100-test Jest file, with a SecantusDB server", "db"], [
        "100-test Jest file, no database",
        "noop",
      ]]
    ) {
      const walls: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await sh("npx", ["--no-install", "jest", "--ci", `b/${file}.test.js`], proj);
        walls.push(performance.now() - t0);
      }
      console.log(`node ${name}: wall time of npx jest (3 runs): ${stats(walls)}`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

console.log(`(machine load: ${(await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")})`);
await denoInProcess();
if (Deno.env.get("SURROGATE_SKIP_NODE") !== "1") await nodePackage();
