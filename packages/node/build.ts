/**
 * `deno task pack:node`: builds the `secantusdb` npm package into dist/npm/secantusdb-VERSION.tgz
 * (`npm pack`). Everything it writes lives under dist/ (git-ignored).
 *
 * What goes in (see package.json.in for the manifest):
 *   server/embedded.js   packages/node/server/embedded.ts bundled with every dependency (deno bundle)
 *   server/secantusdb.js main.ts bundled (the CLI behind the package's `secantusdb` command)
 *                        Both entries come from one code-split bundle (shared chunk-*.js files beside
 *                        them, esbuild's `require` set-up made lazy as in the start bundle): a server start
 *                        loads only what serving needs — ~0.4 s → ~0.2 s to the ready line (issue 18).
 *   dist/                the Node API (src/*.ts) as ESM and CJS, with .d.mts/.d.cts declarations
 *   lib/                 the WiredTiger shim built with RUNPATH=$ORIGIN, and Debian's libwiredtiger.so.0
 *                        beside it (GPL-2+; its copyright file under licenses/). The build checks that
 *                        the library needs nothing but glibc.
 * The Deno runtime comes from the npm `deno` package (a dependency); `deno compile` is not used
 * because its runtime download host is unreachable from our build machines.
 *
 * Usage: deno run -A packages/node/build.ts [--out DIR]   (prints the tarball's path last)
 */
import { VERSION } from "../../src/version.ts";
import { lazyRequire } from "../../scripts/build_start.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const HERE = `${ROOT}packages/node/`;
const outArg = Deno.args.indexOf("--out");
const OUT = outArg >= 0 && Deno.args[outArg + 1] ? Deno.args[outArg + 1]! : `${ROOT}dist/npm`;
const STAGE = `${OUT}/secantusdb`;

async function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: opts.cwd ?? ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${text}\n${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

function log(msg: string): void {
  console.error(`pack:node: ${msg}`);
}

/** `deno bundle` for Deno's platform in `format`, with `args` (output, entries, options). */
async function denoBundle(format: "esm" | "cjs", args: string[]): Promise<void> {
  await run(Deno.execPath(), ["bundle", "--quiet", "--platform", "deno", "--format", format, ...args]);
}

async function bundle(entry: string, out: string, format: "esm" | "cjs", declaration = false): Promise<void> {
  await denoBundle(format, [
    // Declarations type-check the graph; Deno's bundled Node typings trip over themselves without
    // skipLibCheck (https.d.cts), so the Node API is bundled with its own small config.
    ...(declaration ? ["--declaration", "--config", `${HERE}declarations.config.json`] : []),
    "-o",
    out,
    entry,
  ]);
}

/**
 * The package's two server entries (embedded.ts, the CLI's main.ts) as one code-split bundle in `dir`:
 * embedded.js, secantusdb.js and their shared chunks, loaded as a start needs them.
 */
async function bundleServer(dir: string): Promise<void> {
  await denoBundle("esm", [
    "--code-splitting",
    "--outdir",
    dir,
    `${HERE}server/embedded.ts`,
    `${ROOT}main.ts`,
  ]);
  await Deno.rename(`${dir}/main.js`, `${dir}/secantusdb.js`); // an entry: no chunk imports it
  // esbuild keeps the entries' folders below their common root, so embedded.js comes out three levels
  // down, importing its chunks as "../../../chunk-….js": moved up beside them, those become "./".
  const nested = `${dir}/packages/node/server/embedded.js`;
  const text = await Deno.readTextFile(nested);
  const moved = text.replaceAll(/(from\s*|import\s*\(?\s*)"\.\.\/\.\.\/\.\.\//g, '$1"./');
  if (moved.includes('"../')) throw new Error(`${nested}: an import the move does not handle`);
  await Deno.writeTextFile(`${dir}/embedded.js`, moved);
  await Deno.remove(`${dir}/packages`, { recursive: true });
  lazyRequire(dir);
}

/** `ldd` lines → { soname: path } */
async function ldd(path: string): Promise<Map<string, string>> {
  const deps = new Map<string, string>();
  for (const line of (await run("ldd", [path])).split("\n")) {
    const m = /^\s*(\S+) => (\S+)/.exec(line);
    if (m) deps.set(m[1]!, m[2]!);
  }
  return deps;
}

const GLIBC = /^(libc|libm|libdl|librt|libpthread|ld-linux-x86-64)\.so/;

async function buildLibs(): Promise<void> {
  await Deno.mkdir(`${STAGE}/lib`, { recursive: true });
  await Deno.mkdir(`${STAGE}/licenses`, { recursive: true });
  const shimDir = `${ROOT}ffi/wiredtiger/shim`;
  const shim = `${STAGE}/lib/libsecantus_wt.so`;
  // RUNPATH $ORIGIN: the dynamic loader finds libwiredtiger.so.0 beside the shim.
  await run("gcc", [
    "-O2",
    "-shared",
    "-fPIC",
    "-Wall",
    "-Wl,-rpath,$ORIGIN",
    "-Wl,--enable-new-dtags",
    "-o",
    shim,
    ...[...Deno.readDirSync(shimDir)].filter((e) => e.name.endsWith(".c")).map((e) => `${shimDir}/${e.name}`)
      .sort(),
    "-lwiredtiger",
    "-lpthread",
  ]);
  const wt = (await ldd(shim)).get("libwiredtiger.so.0");
  if (!wt) throw new Error("the shim does not link libwiredtiger.so.0 (is libwiredtiger-dev installed?)");
  const real = await Deno.realPath(wt);
  for (const [soname] of await ldd(real)) {
    if (!GLIBC.test(soname)) throw new Error(`${real} needs ${soname}, which the package does not carry`);
  }
  await Deno.copyFile(real, `${STAGE}/lib/libwiredtiger.so.0`);
  const copyright = "/usr/share/doc/libwiredtiger0/copyright";
  try {
    await Deno.copyFile(copyright, `${STAGE}/licenses/WiredTiger-copyright`);
  } catch {
    throw new Error(`${copyright} not found: the package must carry WiredTiger's license terms`);
  }
  const dpkg = await run("dpkg-query", ["-W", "-f", "${Version}", "libwiredtiger0"]).catch(() => "unknown");
  await Deno.writeTextFile(
    `${STAGE}/licenses/WiredTiger-SOURCE.txt`,
    `lib/libwiredtiger.so.0 is WiredTiger 3.2.1 as built by Debian (package libwiredtiger0, version ${dpkg}),\n` +
      `copied unmodified. License: GPL-2+ (see WiredTiger-copyright). Its corresponding source is the Debian\n` +
      `source package "wiredtiger" version ${dpkg} (apt-get source wiredtiger=${dpkg}) and upstream's 3.2.1\n` +
      `release tag in the wiredtiger/wiredtiger repository.\n`,
  );
  log(`lib: shim + libwiredtiger.so.0 (Debian ${dpkg}, from ${real})`);
}

async function main(): Promise<void> {
  await Deno.remove(STAGE, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${STAGE}/server`, { recursive: true });
  await Deno.mkdir(`${STAGE}/dist`, { recursive: true });

  log("bundling the server and the Node API (ESM, CJS, declarations)");
  // One bundle first: on a cold cache `deno bundle` unpacks its esbuild binary, and several doing that
  // at once failed ("failed to copy esbuild binary … No such file or directory").
  await bundleServer(`${STAGE}/server`);
  const jobs: Promise<void>[] = [
    bundle(`${HERE}src/cli.ts`, `${STAGE}/dist/cli.cjs`, "cjs"),
    buildLibs(),
  ];
  for (const name of ["index", "mongodb_memory_server"]) {
    jobs.push(bundle(`${HERE}src/${name}.ts`, `${STAGE}/dist/${name}.mjs`, "esm", true));
    jobs.push(bundle(`${HERE}src/${name}.ts`, `${STAGE}/dist/${name}.cjs`, "cjs", true));
  }
  await Promise.all(jobs);
  const cli = await Deno.readTextFile(`${STAGE}/dist/cli.cjs`);
  await Deno.writeTextFile(`${STAGE}/dist/cli.cjs`, `#!/usr/bin/env node\n${cli}`, { mode: 0o755 });

  const manifest = (await Deno.readTextFile(`${HERE}package.json.in`)).replaceAll("@VERSION@", VERSION);
  await Deno.writeTextFile(`${STAGE}/package.json`, manifest);
  for (const f of ["README.md", "THIRD_PARTY.md"]) await Deno.copyFile(`${HERE}${f}`, `${STAGE}/${f}`);

  log("npm pack");
  const packed = (await run("npm", ["pack", "--silent", "--pack-destination", OUT], { cwd: STAGE })).trim()
    .split("\n").pop()!;
  console.log(`${OUT}/${packed}`);
}

await main();
