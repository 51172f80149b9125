/**
 * Finds and opens the WiredTiger shim library (`shim/libsecantus_wt.so`), once, on first use.
 * Nothing is opened at import time.
 *
 * Search order:
 *  1. `SECANTUS_WT_SHIM` environment variable (a path to the .so);
 *  2. `shim/libsecantus_wt.so` next to this module (running from source, or a `deno compile` build
 *     that `--include`s the file: dlopen of the embedded path is tried first; if that fails, the bytes
 *     are copied to a private temp file which is dlopened instead).
 * When nothing is found the error says to run `deno task shim` (scripts/build_shim.sh).
 */

import { type ShimSymbols, SYMBOLS } from "./symbols.ts";

export const SHIM_FILE_NAME = "libsecantus_wt.so";

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

/** The shim's symbols, opening the library on the first call. */
export function shim(): ShimSymbols {
  if (lib === undefined) lib = openShim();
  return lib.symbols;
}

function envPath(): string | undefined {
  try {
    return Deno.env.get("SECANTUS_WT_SHIM") || undefined;
  } catch {
    return undefined; // no --allow-env: fall through to the bundled location
  }
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function openShim(): Deno.DynamicLibrary<typeof SYMBOLS> {
  const fromEnv = envPath();
  if (fromEnv !== undefined) {
    if (!exists(fromEnv)) throw new Error(`SECANTUS_WT_SHIM=${fromEnv}: no such file`);
    return Deno.dlopen(fromEnv, SYMBOLS);
  }
  const url = new URL(`./shim/${SHIM_FILE_NAME}`, import.meta.url);
  if (url.protocol !== "file:") {
    throw new Error(`WiredTiger shim: cannot load from ${url.href}; set SECANTUS_WT_SHIM`);
  }
  const path = decodeURIComponent(url.pathname);
  if (!exists(path)) {
    throw new Error(
      `WiredTiger shim not found at ${path}. Build it with \`deno task shim\` ` +
        `(needs gcc and libwiredtiger-dev), or set SECANTUS_WT_SHIM to its path.`,
    );
  }
  try {
    return Deno.dlopen(path, SYMBOLS);
  } catch (first) {
    // Embedded in a compiled executable: dlopen needs a real file.
    const bytes = Deno.readFileSync(path);
    const dir = Deno.makeTempDirSync({ prefix: "secantus-wt-" });
    const copy = `${dir}/${SHIM_FILE_NAME}`;
    Deno.writeFileSync(copy, bytes, { mode: 0o700 });
    try {
      return Deno.dlopen(copy, SYMBOLS);
    } catch (second) {
      throw new Error(`WiredTiger shim: dlopen failed (${String(first)}; copy: ${String(second)})`);
    } finally {
      // The mapping stays valid after unlink on Linux; leave no temp files behind.
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* best effort */ }
    }
  }
}
