/**
 * `deno task start`'s launcher: runs main.ts's `main` from the start bundle (`.build/start/`, built by
 * `deno task build` = scripts/build_start.ts; `bash scripts/setup.sh install` runs it) when the bundle was
 * built from the sources as they are now, else from the sources themselves with a one-line note on stderr.
 * A stale bundle's `main` never runs: the bundle's manifest lists every file it was built from (main.ts's
 * whole module graph, deno.json, deno.lock, this launcher and the builder) with its size, mtime and ctime,
 * and one difference — or a missing file, another Deno version — sends the start to the sources. The bundle
 * (a few dozen chunks instead of ~200 modules on the start path) saves ~50 ms of CPU before the first ping
 * (issue 18, target 3; docs/performance.md, "Cold start"). Both checks run in one call of the shim library's
 * `sct_start_check` (ffi/wiredtiger/shim/start_check.c: ~2 ms of stat system calls, where ~530
 * `Deno.statSync` calls cost ~14 ms on their first pass), on a thread of its own while this thread loads the
 * bundle's entry and runs its `prepare` (`prepareBundle`); when that library cannot be opened, has no such
 * symbol or `SECANTUS_WT_SHIM` names another, the same checks run here in TypeScript.
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
/** The manifest's files for the native check (`checkList`), beside it in BUNDLE_DIR. */
export const CHECK_FILE = "manifest.check";
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
 * The manifest in `bundleDir` when it was written by this Deno, else why the bundle must not run (no
 * manifest, an unreadable one, another Deno's).
 */
function readManifest(bundleDir: string): Manifest | string {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(Deno.readTextFileSync(`${bundleDir}/${MANIFEST_FILE}`));
  } catch {
    return "no start bundle";
  }
  if (manifest.deno !== Deno.version.deno) return `the start bundle was built by Deno ${manifest.deno}`;
  return manifest;
}

/**
 * Why the bundle in `bundleDir` must not run for the sources under `root` (a path, no trailing slash), or
 * undefined when it was built from exactly these files by this Deno.
 */
export function staleReason(root: string, bundleDir: string): string | undefined {
  const manifest = readManifest(bundleDir);
  if (typeof manifest === "string") return manifest;
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

/**
 * The shim library's launcher check (ffi/wiredtiger/shim/start_check.c), run on a thread of Deno's blocking
 * pool: the launcher loads the bundle's entry meanwhile (`launch`).
 */
const START_CHECK = {
  parameters: ["buffer", "buffer", "i32", "i32", "buffer", "buffer", "i32"],
  result: "i32",
  nonblocking: true,
} as const;

/**
 * The shim library opened for `checkNatively`: its handle and `sct_start_check`, called through its address
 * (Deno's generic call path: no call trampoline compiled for a function called once, ~0.5 ms).
 */
export interface StartCheckLibrary {
  handle: Deno.DynamicLibrary<{ sct_start_check: { type: "pointer"; optional: true } }>;
  sct_start_check: Deno.UnsafeFnPointer<typeof START_CHECK>;
}

/**
 * The shim library at `path` with `sct_start_check`, or undefined when it cannot be opened or has no such
 * symbol (not built, built from older sources, another library). The launcher keeps it open: the program's
 * own `dlopen` of the same file then finds it loaded.
 */
export function openStartCheck(path: string): StartCheckLibrary | undefined {
  try {
    const handle = Deno.dlopen(path, { sct_start_check: { type: "pointer", optional: true } } as const);
    const address = handle.symbols.sct_start_check;
    if (address === null) return undefined;
    return {
      handle,
      sct_start_check: new Deno.UnsafeFnPointer(
        address as Deno.PointerObject<typeof START_CHECK>,
        START_CHECK,
      ),
    };
  } catch {
    return undefined;
  }
}

/** What the launcher's two checks found: `newerThanShim`'s answer, and `staleReason`'s when that is none. */
export interface StartCheck {
  shimSource: string | undefined;
  stale: string | undefined;
}

/**
 * The manifest as `sct_start_check` reads it (`CHECK_FILE`, written beside the manifest by the builder):
 * "<Deno version>\0<file count>\0", then "<path from root>\0<signature>\0" per file.
 */
export function checkList(manifest: Manifest): Uint8Array {
  const files = manifest.files.map(([path, sig]) => `${path}\0${sig}\0`).join("");
  return new TextEncoder().encode(`${manifest.deno}\0${manifest.files.length}\0${files}`);
}

/** The `i`th path of a `checkList`'s pairs. */
function nthPath(pairs: Uint8Array, i: number): string | undefined {
  let at = 0;
  for (let k = 0; k < 2 * i; k++) {
    at = pairs.indexOf(0, at) + 1;
    if (at === 0) return undefined;
  }
  const end = pairs.indexOf(0, at);
  return end < 0 ? undefined : new TextDecoder().decode(pairs.subarray(at, end));
}

/**
 * `newerThanShim(root, undefined)` and `staleReason(root, bundleDir)` in one native call over `CHECK_FILE`
 * (stat system calls in C instead of a `Deno.statSync` per file, and no JSON to parse): the same answers and
 * messages, or undefined when the bundle has no readable check file or the call returns something it does
 * not define (then the caller runs the TypeScript checks).
 */
export async function checkNatively(
  lib: StartCheckLibrary,
  root: string,
  bundleDir: string,
): Promise<StartCheck | undefined> {
  let pairs: Uint8Array = new Uint8Array(0);
  let count = 0;
  let stale: string | undefined;
  let bytes: Uint8Array | undefined;
  try {
    bytes = Deno.readFileSync(`${bundleDir}/${CHECK_FILE}`);
  } catch {
    const manifest = readManifest(bundleDir);
    if (typeof manifest !== "string") return undefined; // a bundle without the file: TypeScript checks it
    stale = manifest;
  }
  if (bytes !== undefined) {
    const a = bytes.indexOf(0);
    const b = bytes.indexOf(0, a + 1);
    if (a < 0 || b < 0) return undefined;
    const decoder = new TextDecoder();
    const deno = decoder.decode(bytes.subarray(0, a));
    if (deno !== Deno.version.deno) {
      stale = `the start bundle was built by Deno ${deno}`;
    } else {
      count = Number(decoder.decode(bytes.subarray(a + 1, b)));
      if (!Number.isSafeInteger(count) || count < 0) return undefined;
      pairs = bytes.subarray(b + 1);
    }
  }
  const out = new Int32Array(1);
  const name = new Uint8Array(1024);
  const rc = await lib.sct_start_check.call(
    new TextEncoder().encode(`${root}\0`),
    pairs,
    pairs.length,
    count,
    out,
    name,
    name.length,
  );
  if (rc === 0) return { shimSource: undefined, stale };
  if (rc === 1) {
    const end = name.indexOf(0);
    return {
      shimSource: new TextDecoder().decode(name.subarray(0, end < 0 ? name.length : end)),
      stale: undefined,
    };
  }
  const path = nthPath(pairs, out[0]!);
  if (rc === 2 && path !== undefined) {
    return { shimSource: undefined, stale: `${path} is gone since the start bundle was built` };
  }
  if (rc === 3 && path !== undefined) {
    return { shimSource: undefined, stale: `${path} changed since the start bundle was built` };
  }
  return undefined;
}

type Main = (argv: string[], root: URL) => Promise<number>;

/** What the launcher uses of an entry module: main.ts's `main`, and `prepare` when it has one. */
interface Entry {
  main: Main;
  prepare?: (argv: string[], root: URL) => Promise<void>;
}

/**
 * The bundle's entry module with its `prepare` run (npm bson's import and WiredTiger's preload, ~4–5 ms),
 * or undefined when either fails (no bundle: the check says why). Started while the native check runs on
 * another thread; only the entry's `main` decides anything, and it runs only for a bundle the check found
 * current. A stale bundle's entry may have been loaded meanwhile: its modules' top levels define and
 * touch nothing outside them, its preload starts the shim's initialisation exactly as the sources' would
 * (once per process, `sct_preinit`), and the sources then run with their own module instances.
 */
async function prepareBundle(entryUrl: string, rootUrl: URL): Promise<Entry | undefined> {
  try {
    const entry = (await import(entryUrl)) as Entry;
    await entry.prepare?.(Deno.args, rootUrl);
    return entry;
  } catch {
    return undefined;
  }
}

async function launch(): Promise<number> {
  const rootUrl = new URL("../", import.meta.url);
  const root = decodeURIComponent(rootUrl.pathname).replace(/\/$/, "");
  const shimFromEnv = Deno.env.get("SECANTUS_WT_SHIM");
  const lib = shimFromEnv ? undefined : openStartCheck(`${root}/ffi/wiredtiger/shim/libsecantus_wt.so`);
  const checking = lib && checkNatively(lib, root, `${root}/${BUNDLE_DIR}`);
  const entryUrl = new URL(`${BUNDLE_DIR}/${BUNDLE_ENTRY}`, rootUrl).href;
  const prepared = checking && prepareBundle(entryUrl, rootUrl);
  const checked = await checking;
  const shimSource = checked ? checked.shimSource : newerThanShim(root, shimFromEnv);
  if (shimSource !== undefined) {
    console.error(
      `secantusdb: the WiredTiger shim ffi/wiredtiger/shim/libsecantus_wt.so is older than ${shimSource}; ` +
        "rebuild it with `deno task shim` (or `bash scripts/setup.sh install`), or set SECANTUS_WT_SHIM",
    );
    return 1;
  }
  const stale = checked ? checked.stale : staleReason(root, `${root}/${BUNDLE_DIR}`);
  let main: Main;
  if (stale === undefined) {
    main = (await prepared)?.main ?? (await import(entryUrl) as Entry).main;
  } else {
    console.error(`[start] running from source: ${stale} (\`deno task build\` rebuilds it)`);
    await prepared; // settled first: both `prepare`s hide and restore the same globals around bson's import
    main = (await import(new URL("main.ts", rootUrl).href)).main;
  }
  return await main(Deno.args, rootUrl);
}

if (import.meta.main) {
  Deno.exit(await launch());
}
