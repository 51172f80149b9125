/**
 * `deno task start` (README's command) through its launcher, scripts/start.ts: with a current start bundle
 * (`deno task build`) it serves from the bundle; after a source is touched it never runs the stale bundle
 * but the sources, saying so in one line; `-- --version` answers as `main.ts --version` does. And what the
 * program loads on first use (dynamic imports, which the bundle turns into chunks of their own — a CommonJS
 * package's among them) works from the bundle as from the sources: wire compression, text search's
 * stemmers, hashed keys, `$where`, SCRAM with SASLprep, a native backup and its restore, a dump and its
 * load. Leaves the checkout's bundle rebuilt (current) behind.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { PROJECT_ROOT } from "./helpers/server_process.ts";
import { useLazyFeatures } from "./helpers/lazy_features.ts";

const FALLBACK = "[start] running from source";

async function deno(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    signal: AbortSignal.timeout(120_000),
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

/**
 * `deno task start -- --port 0 --storage-path <storagePath>` until it listens; `use` (default: a few
 * commands) with its port; SIGTERM.
 */
async function startAndUse(
  storagePath = ":memory:",
  use: (port: number) => Promise<void> = useBriefly,
): Promise<{ output: string; code: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "start", "--", "--port", "0", "--storage-path", storagePath],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const collect = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s) text += decoder.decode(chunk, { stream: true });
  };
  const readers = [collect(child.stdout), collect(child.stderr)];
  try {
    const deadline = Date.now() + 30_000;
    let port = 0;
    while (Date.now() < deadline && port === 0) {
      port = Number(text.match(/listening on \S+?:(\d+)/)?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(port > 0, `no listening line within 30 s:\n${text}`);
    await use(port);
  } finally {
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    const status = await child.status;
    clearTimeout(kill);
    await Promise.allSettled(readers);
    text += `\n(exit ${status.code})`;
  }
  return { output: text, code: Number(text.match(/\(exit (-?\d+)\)$/)?.[1]) };
}

/** The launcher test's few commands: an insert, an index, a hinted find. */
async function useBriefly(port: number): Promise<void> {
  const c = new MongoClient(
    `mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=5000`,
  );
  try {
    const coll = c.db("t").collection("launcher");
    await coll.insertMany([{ a: 2, s: "wörld" }, { a: 1, s: "héllo" }]);
    await coll.createIndex({ a: 1 });
    const docs = await coll.find({ a: { $gte: 1 } }, { projection: { _id: 0 } }).hint({ a: 1 }).toArray();
    assert.deepEqual(docs, [{ a: 1, s: "héllo" }, { a: 2, s: "wörld" }]);
  } finally {
    await c.close();
  }
}

Deno.test({
  name: "deno task start runs a current bundle, and the sources once one of them changed",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const build = await deno(["run", "-A", "scripts/build_start.ts"]);
    assert.equal(build.code, 0, build.stderr);
    try {
      const current = await startAndUse();
      assert.equal(current.code, 0, current.output);
      assert.ok(!current.output.includes(FALLBACK), current.output);

      const version = await deno(["task", "start", "--", "--version"]);
      const direct = await deno(["run", "-A", "main.ts", "--version"]);
      assert.equal(version.code, 0, version.stderr);
      assert.equal(version.stdout, direct.stdout);

      // a source touched after the build (same bytes, new mtime): the bundle no longer runs
      const now = new Date();
      Deno.utimeSync(`${PROJECT_ROOT}src/cli/root.ts`, now, now);
      const stale = await startAndUse();
      assert.equal(stale.code, 0, stale.output);
      assert.ok(
        stale.output.includes(`${FALLBACK}: src/cli/root.ts changed since the start bundle was built`),
        stale.output,
      );
    } finally {
      const rebuild = await deno(["run", "-A", "scripts/build_start.ts"]);
      assert.equal(rebuild.code, 0, rebuild.stderr);
    }
  },
});

/** `deno task start -- <args>` (a subcommand) from the bundle, to a successful end. */
async function viaBundle(args: string[]): Promise<void> {
  const run = await deno(["task", "start", "--", ...args]);
  assert.equal(run.code, 0, `${args[0]}: ${run.stderr}`);
  assert.ok(!run.stderr.includes(FALLBACK), run.stderr);
}

/** Every feature that loads a module on first use, and the tools, through a server started from the bundle. */
async function useLazyFeaturesAndTools(port: number, dir: string): Promise<void> {
  await useLazyFeatures(port);
  const uri = `mongodb://127.0.0.1:${port}/`;
  await viaBundle(["backup", "--uri", uri, "--out", `${dir}/backup.tar.gz`]);
  await viaBundle(["dump", "--uri", uri, "--archive", `${dir}/dump.archive`, "--gzip", "--db", "lazy"]);
}

Deno.test({
  name: "from the bundle: compression, stemmers, hashed keys, $where, SCRAM, backup, restore, dump and load",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const build = await deno(["run", "-A", "scripts/build_start.ts"]);
    assert.equal(build.code, 0, build.stderr);
    const dir = Deno.makeTempDirSync({ prefix: "secantus-bundle-" });
    try {
      const served = await startAndUse(`${dir}/data`, (port) => useLazyFeaturesAndTools(port, dir));
      assert.equal(served.code, 0, served.output);
      assert.ok(!served.output.includes(FALLBACK), served.output);

      await viaBundle([
        "restore-archive",
        "--archive",
        `${dir}/backup.tar.gz`,
        "--target-dir",
        `${dir}/restored`,
      ]);
      await viaBundle(["load", "--storage-path", `${dir}/loaded`, "--archive", `${dir}/dump.archive`]);
      for (const data of ["restored", "loaded"]) {
        const again = await startAndUse(`${dir}/${data}`, async (port) => {
          const c = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`);
          try {
            const ids = await c.db("lazy").collection("docs").find({}, { projection: { _id: 1 } }).toArray();
            assert.deepEqual(ids, [{ _id: 1 }, { _id: 2 }], data);
          } finally {
            await c.close();
          }
        });
        assert.equal(again.code, 0, again.output);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
