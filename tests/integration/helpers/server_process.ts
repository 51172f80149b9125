/**
 * Starts `deno run -A main.ts --enable-test-commands` as a child process on port 0 and a fresh (or
 * given) data directory, waits (bounded) for the startup line, and exposes its URI. One server per
 * test file.
 */
const ROOT = new URL("../../../", import.meta.url).pathname;

export interface ServerProcess {
  readonly uri: string;
  readonly port: number;
  readonly dataDir: string;
  readonly child: Deno.ChildProcess;
  /** Everything the server wrote to stderr so far. */
  output(): string;
  /** How the server process ended, once it has (before stop: it went away on its own). */
  exitStatus(): Deno.CommandStatus | undefined;
  /**
   * SIGTERM and wait for exit (bounded); returns the exit code. A data directory the server owns
   * (a fresh temporary one, or `ownDataDir`) is removed afterwards unless `keepData`.
   */
  stop(signal?: Deno.Signal, opts?: { keepData?: boolean }): Promise<number>;
}

export interface SpawnOptions {
  readonly dataDir?: string;
  readonly args?: readonly string[];
  readonly timeoutMs?: number;
  readonly cwd?: string;
  /** Extra environment for the server process (e.g. DENO_V8_FLAGS). */
  readonly env?: Record<string, string>;
  /** Remove `dataDir` on stop (default: only a temporary directory made here). */
  readonly ownDataDir?: boolean;
}

export async function spawnServer(opts: SpawnOptions = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "secantus-test-" });
  const owned = opts.ownDataDir ?? opts.dataDir === undefined;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      // node_modules is set up by now: skip Deno's per-npm-module re-check (docs/performance.md).
      "--node-modules-dir=manual",
      // V8's young generation at 2 × 8 MiB from 2 × 4, as `deno task start` runs it (docs/robustness.md)
      "--v8-flags=--max-semi-space-size=8,--min-semi-space-size=4",
      `${ROOT}main.ts`,
      "--port",
      "0",
      "--storage-path",
      dataDir,
      // Test suites use fail points (configureFailPoint), as drivers' suites do against mongod.
      "--enable-test-commands",
      ...(opts.args ?? []),
    ],
    cwd: opts.cwd ?? dataDir,
    // glibc: two arenas for every thread, as deploy/secantusdb.service and `deno task start` run it
    env: { GLIBC_TUNABLES: "glibc.malloc.arena_max=2", ...opts.env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  });
  const child = cmd.spawn();
  let text = "";
  const decoder = new TextDecoder();
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const readers = [collect(child.stdout), collect(child.stderr)];
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let port = 0;
  while (Date.now() < deadline) {
    const m = text.match(/listening on \S+?:(\d+)/);
    if (m) {
      port = Number(m[1]);
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!port) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    if (owned) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    throw new Error(`server did not start within the timeout; output:\n${text}`);
  }
  let exited: number | undefined;
  let ended: Deno.CommandStatus | undefined;
  const status = child.status.then((s) => {
    ended = s;
    return exited = s.code;
  });
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=5000`,
    port,
    dataDir,
    child,
    output: () => text,
    exitStatus: () => ended,
    async stop(signal: Deno.Signal = "SIGTERM", stopOpts: { keepData?: boolean } = {}) {
      if (exited === undefined) {
        try {
          child.kill(signal);
        } catch { /* gone */ }
      }
      const t = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 10_000);
      await status;
      clearTimeout(t);
      await Promise.allSettled(readers);
      // Each on-disk server preallocates ~300 MB of WiredTiger log: never leave one behind.
      if (owned && !stopOpts.keepData) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      return exited ?? -1;
    },
  };
}

/** Runs main.ts with args to completion (bounded); returns code and output. */
export async function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}) {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--node-modules-dir=manual", `${ROOT}main.ts`, ...args],
    cwd: opts.cwd ?? ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
  });
  const out = await cmd.output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

export const PROJECT_ROOT = ROOT;
