/**
 * Finds and opens the WiredTiger shim library (`shim/libsecantus_wt.so`), once, on first use.
 * Nothing is opened at import time.
 *
 * Search order:
 *  1. `SECANTUS_WT_SHIM` environment variable (a path to the .so);
 *  2. the path the entry point gave `setShimPath` (main.ts: `ffi/wiredtiger/shim/libsecantus_wt.so` under
 *     the repository root it was given, so a bundle of the program, whose modules live elsewhere, finds
 *     the shim of the checkout it was built from);
 *  3. `shim/libsecantus_wt.so` next to this module (running from source without main.ts: tests, the
 *     embedding API).
 * In a `deno compile` build that `--include`s the file, dlopen of the embedded path is tried first; if
 * that fails, the bytes are copied to a private temp file which is dlopened instead.
 * When nothing is found the error says to run `deno task shim` (scripts/build_shim.sh).
 */

import { type ShimSymbols, SYMBOLS } from "./symbols.ts";

export const SHIM_FILE_NAME = "libsecantus_wt.so";

let symbols: ShimSymbols | undefined;
/** Where the shim is when `SECANTUS_WT_SHIM` is unset (`setShimPath`); next to this module if never set. */
let defaultUrl: URL = new URL(`./shim/${SHIM_FILE_NAME}`, import.meta.url);

/**
 * The shim's location when `SECANTUS_WT_SHIM` is unset: `file:` URL of the .so (main.ts sets it from the
 * repository root, before anything opens the shim). Has no effect once the shim is open.
 */
export function setShimPath(url: URL): void {
  defaultUrl = url;
}
/** Every handle opened, kept so no symbol's library is ever closed by the garbage collector. */
const handles: Deno.DynamicLibrary<Deno.ForeignLibraryInterface>[] = [];

/** The shim's symbols, opening the library on the first call. */
export function shim(): ShimSymbols {
  if (symbols === undefined) symbols = openShim();
  return symbols;
}

type SymbolName = keyof typeof SYMBOLS;

/**
 * Symbols a process calls once or a few times: the pre-initialisation, opening and closing the
 * connection and the frame I/O thread, the waits at shutdown. They are called through
 * `Deno.UnsafeFnPointer` at the address a `dlopen` of them as statics gives (`bindOneOff`): Deno's generic
 * call path, a few µs more per call, and no call trampoline compiled for them (~0.3–0.7 ms each; five of
 * them ran before the first ping, issue 18).
 */
export const ONE_OFF_SYMBOLS: ReadonlySet<SymbolName> = new Set<SymbolName>([
  "sct_version",
  "sct_preinit",
  "sct_preinit_patched",
  "sct_conn_open",
  "sct_conn_close",
  "sct_io_open",
  "sct_io_bell_accept",
  "sct_io_stop",
  "sct_io_spin",
  "sct_io_cushion",
  "sct_io_free",
  "sct_io_pair",
  "sct_fast_attach",
  "sct_fast_detach",
  "sct_fast_share",
  "sct_fast_template",
  "sct_flush_wait_idle",
  "sct_group_wait_idle",
]);

/**
 * Calls a symbol makes through Deno's generic call path before it gets its own trampoline (`warming`).
 * Deno compiles a call trampoline for every function a `dlopen` names (~0.5 ms each here, measured), while
 * a call through `Deno.UnsafeFnPointer` costs ~0.6–1 µs more than a trampoline's (~0.02 µs;
 * bench/ffi_call_bench.ts) and nothing to set up (~0.04 ms): 256 generic calls cost about half what the
 * trampoline does, so a symbol called that often gets one, and a start no longer compiles one for each of
 * the ~14 symbols it calls a few times before its first ping (~7 ms, issue 18).
 */
export const GENERIC_CALLS = 256;

/**
 * Symbols bound on first use (naming all of them in one `dlopen` cost ~50 ms of every start), and nothing
 * compiled for ONE_OFF_SYMBOLS. The others start on the generic path and move to a trampoline after
 * GENERIC_CALLS calls (`warming`); nonblocking ones get their trampoline at once. Another `dlopen` of an
 * already loaded library is only a reference count in the dynamic loader.
 */
function lazySymbols(path: string): ShimSymbols {
  // fails here if unloadable (a static: no trampoline)
  handles.push(Deno.dlopen(path, { sct_version: { type: "pointer", optional: true } }));
  const out = {} as Record<SymbolName, unknown>;
  for (const name of Object.keys(SYMBOLS) as SymbolName[]) {
    let fn: unknown;
    Object.defineProperty(out, name, {
      enumerable: true,
      get() {
        if (fn === undefined) {
          if (ONE_OFF_SYMBOLS.has(name)) fn = bindOneOff(path, name);
          else if ((SYMBOLS[name] as Deno.ForeignFunction).nonblocking === true) fn = bindFast(path, name);
          else fn = warming(path, name, GENERIC_CALLS);
        }
        return fn;
      },
    });
  }
  return out as ShimSymbols;
}

/** A symbol's trampoline-compiled function (`bindOne`), its library handle kept. */
function bindFast(path: string, name: SymbolName): (...args: never[]) => unknown {
  const lib = bindOne(path, name);
  handles.push(lib);
  return lib.symbols[name] as (...args: never[]) => unknown;
}

/**
 * `name` as one function for good: its first `calls` calls go through its address (`bindOneOff`); the last
 * of them compiles its trampoline (`bind`, default `bindFast`), which every later call takes (exported for
 * its test). Fails at once, as `bindOne` does, for a shim without the symbol.
 *
 * The function is made from its own source text (`new Function`, from the symbol's name and parameter
 * count only, never from input), not as a closure of one shared literal: V8 keeps call feedback per
 * function literal, so with one literal the call to the trampoline inside it would see every symbol's and
 * stay generic, and a caller's call site that saw two functions (a generic caller, then the trampoline)
 * never got V8's fast API call either — measured: ~110–125 ns per call instead of ~25 for a direct
 * trampoline; this way, ~25–30.
 */
export function warming(
  path: string,
  name: SymbolName,
  calls: number,
  bind: () => (...args: never[]) => unknown = () => bindFast(path, name),
): (...args: never[]) => unknown {
  const generic = bindOneOff(path, name);
  const arity = (SYMBOLS[name] as Deno.ForeignFunction).parameters.length;
  const params = Array.from({ length: arity }, (_, i) => `a${i}`).join(", ");
  const source = `let fast;\nlet left = ${Math.max(1, Math.floor(calls))};\n` +
    `return function ${name}(${params}) {\n` +
    `  if (fast !== undefined) return fast(${params});\n` +
    `  if (--left <= 0) fast = bind();\n` +
    `  return generic(${params});\n};`;
  return new Function("generic", "bind", source)(generic, bind);
}

function missingSymbol(path: string, name: SymbolName, cause?: unknown): Error {
  return new Error(
    `WiredTiger shim ${path} has no symbol ${name}: it was built from older sources. ` +
      `Rebuild it with \`deno task shim\` (scripts/build_shim.sh) and restart.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * One of ONE_OFF_SYMBOLS as a function calling it through `Deno.UnsafeFnPointer` (exported for its test);
 * fails as `bindOne` does for a shim without it.
 */
export function bindOneOff(path: string, name: SymbolName): (...args: never[]) => unknown {
  const lib = Deno.dlopen(path, { [name]: { type: "pointer", optional: true } } as const);
  handles.push(lib);
  const address = lib.symbols[name] as Deno.PointerObject<Deno.ForeignFunction> | null;
  if (address === null) throw missingSymbol(path, name);
  const fn = new Deno.UnsafeFnPointer(address, SYMBOLS[name] as Deno.ForeignFunction);
  return fn.call.bind(fn) as (...args: never[]) => unknown;
}

/**
 * One symbol's `dlopen` (exported for its test). A shim built before the symbol was added fails here,
 * at the first call that needs it: the error names the symbol, the file and `deno task shim` (not a
 * bare "undefined symbol", which a client saw as "internal error").
 */
export function bindOne(path: string, name: SymbolName): Deno.DynamicLibrary<Deno.ForeignLibraryInterface> {
  try {
    return Deno.dlopen(path, { [name]: SYMBOLS[name] } as Deno.ForeignLibraryInterface);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!message.includes("undefined symbol")) throw e;
    throw missingSymbol(path, name, e);
  }
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

function openShim(): ShimSymbols {
  const fromEnv = envPath();
  if (fromEnv !== undefined) {
    if (!exists(fromEnv)) throw new Error(`SECANTUS_WT_SHIM=${fromEnv}: no such file`);
    return lazySymbols(fromEnv);
  }
  const url = defaultUrl;
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
    return lazySymbols(path);
  } catch (first) {
    // Embedded in a compiled executable: dlopen needs a real file.
    const bytes = Deno.readFileSync(path);
    const dir = Deno.makeTempDirSync({ prefix: "secantus-wt-" });
    const copy = `${dir}/${SHIM_FILE_NAME}`;
    Deno.writeFileSync(copy, bytes, { mode: 0o700 });
    try {
      // The copy is removed below, so everything is bound now (no later dlopen of this path).
      const lib = Deno.dlopen(copy, SYMBOLS);
      handles.push(lib);
      return lib.symbols;
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
