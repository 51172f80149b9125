/**
 * Builds the start bundle that `deno task start` runs (scripts/start.ts): `deno bundle --code-splitting` of
 * main.ts into `.build/start/` (git-ignored, never committed), with a manifest of every file it was built
 * from, so the launcher runs it only while those files are unchanged. `deno task build`;
 * `bash scripts/setup.sh install` runs it. Idempotent: does nothing while the bundle is current
 * (`--force` rebuilds).
 *
 * The inputs are stat'ed before bundling, so a file edited while the bundle is built makes it stale. The new
 * bundle is written to a temporary folder and renamed into place; a start in between runs the sources.
 *   deno run -A scripts/build_start.ts [--force]
 */
import {
  BUNDLE_DIR,
  BUNDLE_ENTRY,
  CHECK_FILE,
  checkList,
  type Manifest,
  MANIFEST_FILE,
  signature,
  staleReason,
} from "./start.ts";

/**
 * esbuild's runtime helpers create a `require` for CommonJS code at load (`createRequire` from node:module),
 * which starts Deno's Node compatibility layer (~10–20 ms of CPU) before the server can serve. Made lazy:
 * the same `require`, created on its first call.
 */
const EAGER_REQUIRE = 'import { createRequire as __deno_internal_createRequire } from "node:module";\n' +
  "var __require = __deno_internal_createRequire(import.meta.url);";
const LAZY_REQUIRE = "var __deno_internal_require;\n" +
  "var __require = (id) => (__deno_internal_require ??= globalThis.process.getBuiltinModule(" +
  '"node:module").createRequire(import.meta.url))(id);';

const rootUrl = new URL("../", import.meta.url);
const root = decodeURIComponent(rootUrl.pathname).replace(/\/$/, "");

async function run(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args, cwd: root, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`deno ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** The repository files the bundle depends on, relative to the root: main.ts's module graph and config. */
async function inputs(): Promise<string[]> {
  const info = JSON.parse(await run(["info", "--json", "main.ts"])) as { modules: { specifier: string }[] };
  const files = new Set(["deno.json", "deno.lock", "scripts/start.ts", "scripts/build_start.ts"]);
  const prefix = `${rootUrl.href}`;
  for (const m of info.modules) {
    if (!m.specifier.startsWith(prefix)) continue;
    files.add(decodeURIComponent(m.specifier.slice(prefix.length)));
  }
  return [...files].sort();
}

/** Moves esbuild's `require` set-up in `dir`'s chunks from load time to first use. Returns chunks changed. */
export function lazyRequire(dir: string): number {
  let changed = 0;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".js")) continue;
    const text = Deno.readTextFileSync(`${dir}/${e.name}`);
    if (!text.includes(EAGER_REQUIRE)) continue;
    Deno.writeTextFileSync(`${dir}/${e.name}`, text.replace(EAGER_REQUIRE, LAZY_REQUIRE));
    changed++;
  }
  return changed;
}

export async function buildStart(force: boolean): Promise<string> {
  const target = `${root}/${BUNDLE_DIR}`;
  if (!force && staleReason(root, target) === undefined) return "start bundle is current";
  const files = await inputs();
  const manifest: Manifest = {
    deno: Deno.version.deno,
    files: files.map((p) => [p, signature(Deno.statSync(`${root}/${p}`))]),
  };
  const tmp = `${target}.tmp-${Deno.pid}`;
  const old = `${target}.old-${Deno.pid}`;
  try {
    await run(["bundle", "--quiet", "--platform", "deno", "--code-splitting", "--outdir", tmp, "main.ts"]);
    Deno.statSync(`${tmp}/${BUNDLE_ENTRY}`);
    const patched = lazyRequire(tmp);
    Deno.writeTextFileSync(`${tmp}/${MANIFEST_FILE}`, JSON.stringify(manifest));
    Deno.writeFileSync(`${tmp}/${CHECK_FILE}`, checkList(manifest));
    try {
      Deno.renameSync(target, old);
    } catch { /* no bundle yet */ }
    Deno.renameSync(tmp, target);
    const chunks = [...Deno.readDirSync(target)].filter((e) => e.name.endsWith(".js")).length;
    return `built ${BUNDLE_DIR}: ${chunks} chunks from ${files.length} files` +
      (patched === 0 ? " (esbuild's require set-up not found: left eager)" : "");
  } finally {
    for (const dir of [tmp, old]) {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* absent */ }
    }
  }
}

if (import.meta.main) {
  try {
    console.error(`build_start: ${await buildStart(Deno.args.includes("--force"))}`);
  } catch (e) {
    console.error(`build_start: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
