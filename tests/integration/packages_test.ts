/**
 * The test surrogate where test authors live (issue 17), proven in real projects built from the packed
 * artifacts in a clean temp directory:
 *
 * 1. `deno task pack:node` builds the npm tarball.
 * 2. A fresh Node project `npm install --save-dev`s the tarball with Jest, Vitest, Mocha, Mongoose, the
 *    MongoDB driver and TypeScript (pinned, from the npm registry; one install per run). Its files are
 *    tests/packages/node_project/ plus the README's `<!-- ci: PATH -->` blocks, verbatim.
 * 3. Runs Jest (a server per worker from globalSetup), Vitest (ESM API), Mocha (the
 *    mongodb-memory-server compatibility entry, CJS), a Mongoose model suite and `tsc` over the
 *    package's declarations — each through the published API only.
 * 4. pytest: a venv over Debian's python3-pytest/python3-pymongo, `pip install packages/python`
 *    (offline), and pytest with the npm package's `secantusdb` command as `--secantus-bin`.
 * 5. The README's Deno example, with this repository's deno.json.
 * Every command is bounded; one failing step fails the test with that command's output.
 */
import assert from "node:assert/strict";
import { readmeBlocks } from "./helpers/readme_blocks.ts";
import { useLazyFeatures } from "./helpers/lazy_features.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PINNED = [
  "jest@30.5.2",
  "vitest@3.2.4",
  "mocha@12.0.3",
  "mongoose@9.12.1",
  "mongodb@7.9.1",
  "typescript@5.9.3",
];
const SYSTEM_PYTHON = "/usr/bin/python3";

interface Ran {
  code: number;
  out: string;
}

async function sh(
  cmd: string,
  args: string[],
  opts: { cwd: string; timeoutMs: number; env?: Record<string, string> },
): Promise<Ran> {
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { CI: "true", NO_COLOR: "1", FORCE_COLOR: "0", ...(opts.env ?? {}) },
    signal: AbortSignal.timeout(opts.timeoutMs),
  });
  const res = await child.output();
  const d = new TextDecoder();
  return { code: res.code, out: `${d.decode(res.stdout)}\n${d.decode(res.stderr)}` };
}

async function ok(
  cmd: string,
  args: string[],
  opts: { cwd: string; timeoutMs: number; env?: Record<string, string> },
): Promise<string> {
  const t0 = performance.now();
  const r = await sh(cmd, args, opts);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  assert.equal(
    r.code,
    0,
    `${cmd} ${args.join(" ")} exited ${r.code} after ${secs} s:\n${r.out.slice(-8000)}`,
  );
  console.log(`  ${cmd} ${args.slice(0, 3).join(" ")}…: ${secs} s`);
  return r.out;
}

async function copyTree(from: string, to: string): Promise<void> {
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) {
      await Deno.mkdir(`${to}/${e.name}`, { recursive: true });
      await copyTree(`${from}/${e.name}`, `${to}/${e.name}`);
    } else if (e.isFile) await Deno.copyFile(`${from}/${e.name}`, `${to}/${e.name}`);
  }
}

async function writeBlocks(blocks: Map<string, string>, prefix: string, dir: string): Promise<number> {
  let n = 0;
  for (const [path, text] of blocks) {
    if (!path.startsWith(prefix)) continue;
    const target = `${dir}/${path.slice(prefix.length)}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(target, text);
    n++;
  }
  return n;
}

Deno.test({
  name:
    "packages: npm tarball in Jest/Vitest/Mocha/Mongoose/tsc projects, the pytest plugin, the Deno example",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const tmp = await Deno.makeTempDir({ prefix: "secantus-packages-" });
    const blocks = readmeBlocks(await Deno.readTextFile(`${ROOT}README.md`));
    try {
      let tarball = "";
      await t.step("deno task pack:node builds the tarball", async () => {
        const out = await ok(
          Deno.execPath(),
          ["run", "-A", "packages/node/build.ts", "--out", `${tmp}/npm`],
          {
            cwd: ROOT,
            timeoutMs: 300_000,
          },
        );
        tarball = out.trim().split("\n").filter((l) => l.endsWith(".tgz")).pop() ?? "";
        assert.match(tarball, /secantusdb-[\d.]+\.tgz$/);
      });

      const project = `${tmp}/node-project`;
      await t.step("a fresh Node project installs it with npm install --save-dev", async () => {
        await Deno.mkdir(project, { recursive: true });
        await copyTree(`${ROOT}tests/packages/node_project`, project);
        assert.ok((await writeBlocks(blocks, "", project)) >= 5, "README ci blocks");
        const local = `./${tarball.slice(tarball.lastIndexOf("/") + 1)}`;
        await Deno.copyFile(tarball, `${project}/${local}`);
        await ok("npm", [
          "install",
          "--save-dev",
          "--no-audit",
          "--no-fund",
          "--prefer-offline",
          local,
          ...PINNED,
        ], {
          cwd: project,
          timeoutMs: 420_000,
        });
        const manifest = JSON.parse(await Deno.readTextFile(`${project}/package.json`));
        assert.match(manifest.devDependencies.secantusdb, /^file:secantusdb-.*\.tgz$/);
      });

      await t.step(
        "the installed server loads what it needs on first use (its code-split bundle)",
        async () => {
          const pkg = `${project}/node_modules/secantusdb`;
          const server = new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", "--no-config", "--no-lock", `${pkg}/server/embedded.js`, "--port", "0"],
            env: { SECANTUS_WT_SHIM: `${pkg}/lib/libsecantus_wt.so`, NO_COLOR: "1" },
            stdin: "piped",
            stdout: "piped",
            stderr: "piped",
          }).spawn();
          const stderr = new Response(server.stderr).text();
          const killer = setTimeout(() => server.kill("SIGKILL"), 120_000);
          try {
            const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
            const first = await reader.read();
            reader.releaseLock();
            const ready = JSON.parse(first.value ?? "{}");
            assert.equal(ready.secantus, "ready", first.value);
            await useLazyFeatures(ready.port);
            await server.stdin.close(); // end of stdin: the server stops
            assert.equal((await server.status).code, 0, await stderr);
          } finally {
            clearTimeout(killer);
          }
        },
      );

      const npx = (args: string[], timeoutMs = 180_000) =>
        ok("npx", ["--no-install", ...args], { cwd: project, timeoutMs });

      await t.step("Jest: a server per worker from globalSetup (CJS)", async () => {
        const out = await npx(["jest", "--ci"]);
        assert.match(out, /Tests:\s+4 passed, 4 total/);
      });
      await t.step("Vitest: the ESM API", async () => {
        const out = await npx(["vitest", "run"]);
        assert.match(out, /Tests\s+6 passed \(6\)/);
      });
      await t.step("Mocha: the mongodb-memory-server compatibility entry (CJS)", async () => {
        const out = await npx(["mocha", "--timeout", "30000", "mocha/*.spec.cjs"]);
        assert.match(out, /4 passing/);
      });
      await t.step("Mongoose: models, validation, populate, transactions, watch()", async () => {
        const out = await npx(["mocha", "--timeout", "30000", "mongoose/*.spec.mjs"]);
        assert.match(out, /7 passing/);
        assert.doesNotMatch(out, /pending/);
        assert.doesNotMatch(out, /failing/);
      });
      await t.step("TypeScript: the ESM and CJS declarations", async () => {
        await npx(["tsc", "-p", "types"]);
      });

      await t.step("pytest plugin: pip install packages/python, Debian's pymongo", async () => {
        const venv = `${tmp}/venv`;
        await ok(SYSTEM_PYTHON, ["-m", "venv", "--system-site-packages", venv], {
          cwd: tmp,
          timeoutMs: 120_000,
        });
        await ok(`${venv}/bin/pip`, [
          "install",
          "--no-input",
          "--disable-pip-version-check",
          `${ROOT}packages/python`,
        ], {
          cwd: tmp,
          timeoutMs: 120_000,
        });
        const pyDir = `${tmp}/python-project`;
        await Deno.mkdir(pyDir, { recursive: true });
        await copyTree(`${ROOT}tests/packages/python_project`, pyDir);
        assert.equal(await writeBlocks(blocks, "python/", pyDir), 1);
        const out = await ok(
          `${venv}/bin/python`,
          [
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--secantus-bin",
            `${project}/node_modules/.bin/secantusdb`,
            pyDir,
          ],
          { cwd: pyDir, timeoutMs: 180_000 },
        );
        assert.match(out, /6 passed/);
      });

      await t.step("Deno: the README example with startServer", async () => {
        const denoDir = `${tmp}/deno-project`;
        await Deno.mkdir(denoDir, { recursive: true });
        assert.equal(await writeBlocks(blocks, "deno/", denoDir), 1);
        await ok(Deno.execPath(), [
          "test",
          "-A",
          "--quiet",
          "--config",
          `${ROOT}deno.json`,
          `${denoDir}/readme_test.ts`,
        ], {
          cwd: ROOT,
          timeoutMs: 120_000,
        });
      });
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
  },
});
