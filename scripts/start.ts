/**
 * `deno task start`'s launcher: runs main.ts's `main` from the start bundle (`.build/start/`, built by
 * `deno task build` = scripts/build_start.ts; `bash scripts/setup.sh install` runs it) when the bundle was
 * built from the sources as they are now, else from the sources themselves with a one-line note on stderr.
 * A stale bundle never runs: the bundle's manifest lists every file it was built from (main.ts's whole
 * module graph, deno.json, deno.lock, this launcher and the builder) with its size, mtime and ctime, and one
 * difference — or a missing file, another Deno version — sends the start to the sources. The bundle (a few
 * dozen chunks instead of ~200 modules on the start path) saves ~50 ms of CPU before the first ping
 * (issue 18, target 3; docs/performance.md, "Cold start"); the check costs ~2–5 ms (one stat per file).
 *
 * Also refuses to start when the WiredTiger shim is older than one of its C sources (the shim binds its
 * symbols on first use, so a stale one fails only at the first request that needs a new symbol), unless
 * `SECANTUS_WT_SHIM` names a shim of one's own.
 *
 * Nothing here is part of the program: tests and `deno task ok` run the sources; `deno compile` builds
 * from main.ts. Imports nothing, so the launcher costs one module.
 */

/** The start bundle's folder, relative to the repository root (git-ignored). */
export const BUNDLE_DIR = ".build/start";
/** The manifest inside BUNDLE_DIR: `Manifest` as JSON. */
export const MANIFEST_FILE = "manifest.json";
/** The bundle's entry (main.ts bundled; exports `main`). */
export const BUNDLE_ENTRY = "main.js";

/** What a bundle was built from: the Deno that built it and each input as [path from root, signature]. */
export interface Manifest {
  deno: string;
  files: [path: string, signature: string][];
}

/** A file's signature: size, mtime and ctime (ms); any edit, touch, checkout or replacement changes it. */
export function signature(info: Deno.FileInfo): string {
  return `${info.size}:${info.mtime?.getTime()}:${info.ctime?.getTime()}`;
}

/**
 * Why the bundle in `bundleDir` must not run for the sources under `root` (a path, no trailing slash), or
 * undefined when it was built from exactly these files by this Deno.
 */
export function staleReason(root: string, bundleDir: string): string | undefined {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(Deno.readTextFileSync(`${bundleDir}/${MANIFEST_FILE}`));
  } catch {
    return "no start bundle";
  }
  if (manifest.deno !== Deno.version.deno) return `the start bundle was built by Deno ${manifest.deno}`;
  for (const [path, sig] of manifest.files) {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(`${root}/${path}`);
    } catch {
      return `${path} is gone since the start bundle was built`;
    }
    if (signature(info) !== sig) return `${path} changed since the start bundle was built`;
  }
  return undefined;
}

/**
 * The shim's C source (or build script) newer than the shim library under `root`, or undefined when the
 * library is newer than all of them, is missing (opening it says how to build it), or `SECANTUS_WT_SHIM`
 * is set. The rule of scripts/build_shim.sh, which rebuilds exactly when this names a file.
 */
export function newerThanShim(root: string, shimFromEnv: string | undefined): string | undefined {
  if (shimFromEnv) return undefined;
  const dir = `${root}/ffi/wiredtiger/shim`;
  let built: number;
  try {
    built = Deno.statSync(`${dir}/libsecantus_wt.so`).mtime?.getTime() ?? Infinity;
  } catch {
    return undefined;
  }
  const sources = ["scripts/build_shim.sh"];
  for (const e of Deno.readDirSync(dir)) {
    if (/\.[ch]$/.test(e.name)) sources.push(`ffi/wiredtiger/shim/${e.name}`);
  }
  return sources.find((p) => (Deno.statSync(`${root}/${p}`).mtime?.getTime() ?? 0) > built);
}

type Main = (argv: string[], root: URL) => Promise<number>;

async function launch(): Promise<number> {
  const rootUrl = new URL("../", import.meta.url);
  const root = decodeURIComponent(rootUrl.pathname).replace(/\/$/, "");
  const shimSource = newerThanShim(root, Deno.env.get("SECANTUS_WT_SHIM"));
  if (shimSource !== undefined) {
    console.error(
      `secantusdb: the WiredTiger shim ffi/wiredtiger/shim/libsecantus_wt.so is older than ${shimSource}; ` +
        "rebuild it with `deno task shim` (or `bash scripts/setup.sh install`), or set SECANTUS_WT_SHIM",
    );
    return 1;
  }
  const stale = staleReason(root, `${root}/${BUNDLE_DIR}`);
  let main: Main;
  if (stale === undefined) {
    main = (await import(new URL(`${BUNDLE_DIR}/${BUNDLE_ENTRY}`, rootUrl).href)).main;
  } else {
    console.error(`[start] running from source: ${stale} (\`deno task build\` rebuilds it)`);
    main = (await import(new URL("main.ts", rootUrl).href)).main;
  }
  return await main(Deno.args, rootUrl);
}

if (import.meta.main) {
  Deno.exit(await launch());
}
