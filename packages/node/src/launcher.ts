/**
 * Finds what the npm package carries (its Deno runtime, the bundled server, the WiredTiger shim and
 * library) and runs the server as a child process. Node code only (`node:` modules); `deno bundle`
 * turns it into the package's ESM and CJS files.
 *
 * Package layout (built by packages/node/build.ts):
 *   dist/      index.{mjs,cjs}, mongodb_memory_server.{mjs,cjs}, cli.cjs and their .d.ts
 *   server/    embedded.js (the parent protocol, see server/embedded.ts), secantusdb.js (the CLI)
 *   lib/       libsecantus_wt.so (RUNPATH $ORIGIN) and libwiredtiger.so.0 (Debian's build, GPL-2+)
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { clearTimeout, setTimeout } from "node:timers";
import { fileURLToPath } from "node:url";

declare const __dirname: string | undefined;

/** The installed package's root directory (the parent of dist/). */
export function packageRoot(): string {
  const here = typeof __dirname === "string" ? __dirname : dirname(fileURLToPath(import.meta.url));
  return dirname(here);
}

/**
 * The Deno executable: `denoPath`, else `SECANTUS_DENO`, else the npm `deno` package this package
 * depends on (its postinstall places the binary beside its package.json; with --ignore-scripts the
 * platform package `@deno/linux-x64-glibc` still holds it).
 */
export function findDeno(denoPath?: string): string {
  const explicit = denoPath ?? process.env.SECANTUS_DENO;
  if (explicit) return explicit;
  const req = createRequire(join(packageRoot(), "package.json"));
  const tried: string[] = [];
  try {
    const dir = dirname(req.resolve("deno/package.json"));
    const exe = join(dir, "deno");
    tried.push(exe);
    if (existsSync(exe)) return exe;
    const platform = `@deno/${process.platform}-${process.arch}${
      process.platform === "linux" ? "-glibc" : ""
    }`;
    const platformExe = join(
      dirname(createRequire(join(dir, "package.json")).resolve(`${platform}/package.json`)),
      "deno",
    );
    tried.push(platformExe);
    if (existsSync(platformExe)) return platformExe;
  } catch (e) {
    tried.push(String(e instanceof Error ? e.message : e));
  }
  throw new Error(
    `secantusdb: no Deno runtime found (the npm "deno" package should be installed with this package; ` +
      `tried ${tried.join(", ")}). Set SECANTUS_DENO to a deno executable.`,
  );
}

/** The package version (from its package.json). */
export function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Command line and environment that run one of the bundled server scripts. */
export function denoCommand(
  script: "embedded.js" | "secantusdb.js",
  args: readonly string[],
  denoPath?: string,
) {
  const root = packageRoot();
  const shim = process.env.SECANTUS_WT_SHIM ?? join(root, "lib", "libsecantus_wt.so");
  const env: Record<string, string | undefined> = {
    ...process.env,
    SECANTUS_WT_SHIM: shim,
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
    DENO_NO_PACKAGE_JSON: "1",
    NO_COLOR: "1",
    // glibc: two arenas for every thread (Deno's own hold theirs before the server's mallopt runs)
    GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ?? "glibc.malloc.arena_max=2",
  };
  return {
    command: findDeno(denoPath),
    // V8's young generation at 2 × 8 MiB (the server's resident memory, docs/robustness.md), starting at
    // 2 × 4 MiB: no scavenge before the first ping; every function compiled with its module (`--no-lazy`),
    // so Deno's code cache holds the start path's functions and the start compiles none of them again
    // (−10 to −14 ms to the first ping; the first start without a code cache pays ~+40 ms once); source
    // positions compiled with the code (`--no-enable-lazy-source-positions`), so the cache holds them too
    // and an error's stack trace does not re-parse the functions on it — a whole bundle chunk when its
    // top level is one of them (−6 ms; docs/performance.md, cold start)
    args: [
      "run",
      "-A",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--v8-flags=--max-semi-space-size=8,--min-semi-space-size=4,--no-lazy,--no-enable-lazy-source-positions",
      join(root, "server", script),
      ...args,
    ],
    env,
  };
}

/** The last lines a child wrote (bounded), for error messages. */
export class LogTail {
  #lines: string[] = [];
  #partial = "";
  constructor(private readonly maxLines = 200) {}
  push(text: string, echo?: (line: string) => void): string[] {
    const parts = (this.#partial + text).split("\n");
    this.#partial = parts.pop() ?? "";
    for (const line of parts) {
      this.#lines.push(line);
      echo?.(line);
    }
    if (this.#lines.length > this.maxLines) this.#lines.splice(0, this.#lines.length - this.maxLines);
    return parts;
  }
  text(): string {
    return [...this.#lines, ...(this.#partial ? [this.#partial] : [])].join("\n");
  }
}

export interface Ready {
  readonly port: number;
  readonly host: string;
  readonly uri: string;
}

export interface LaunchOptions {
  readonly args: readonly string[];
  readonly denoPath?: string;
  /** Copy the server's log to this process's stderr. */
  readonly verbose?: boolean;
  readonly startTimeoutMs?: number;
  readonly cwd?: string;
}

/** Servers started by this module and not yet stopped: told to stop if this process exits first. */
const LIVE = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of LIVE) {
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
    }
  });
}

type Unrefable = { ref?: () => void; unref?: () => void };

/** One running server process (the parent side of server/embedded.ts). */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #tail: LogTail;
  readonly #closed: Promise<{ code: number | null; signal: string | null }>;
  #stopping = false;
  #exit: { code: number | null; signal: string | null } | undefined;

  private constructor(child: ChildProcess, tail: LogTail, readonly ready: Ready) {
    this.#child = child;
    this.#tail = tail;
    this.#closed = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        this.#exit = { code, signal };
        LIVE.delete(child);
        resolve({ code, signal });
      });
    });
    this.#closed.then(({ code, signal }) => {
      if (!this.#stopping) {
        process.stderr.write(
          `secantusdb: the server on port ${ready.port} exited unexpectedly (${
            signal ? `signal ${signal}` : `code ${code}`
          }); log tail:\n${tail.text()}\n`,
        );
      }
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  logTail(): string {
    return this.#tail.text();
  }

  /** Starts the server and resolves once it accepts connections; rejects with the log tail. */
  static start(opts: LaunchOptions): Promise<ServerProcess> {
    const { command, args, env } = denoCommand("embedded.js", opts.args, opts.denoPath);
    const spawnOptions: SpawnOptions = {
      stdio: ["pipe", "pipe", "pipe"],
      env,
      cwd: opts.cwd ?? process.cwd(),
    };
    const child = spawn(command, args, spawnOptions);
    installExitHook();
    LIVE.add(child);
    const tail = new LogTail();
    const echo = opts.verbose ? (line: string) => process.stderr.write(`[secantusdb] ${line}\n`) : undefined;
    const timeoutMs = opts.startTimeoutMs ?? 30_000;
    return new Promise<ServerProcess>((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        LIVE.delete(child);
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
        // Let the last output arrive before quoting it.
        const report = () => reject(new Error(`secantusdb: ${why}; log tail:\n${tail.text()}`));
        if (child.exitCode !== null || child.signalCode !== null) setTimeout(report, 20);
        else child.once("close", report);
      };
      const timer = setTimeout(() => fail(`the server did not start within ${timeoutMs} ms`), timeoutMs);
      child.once("error", (e) => fail(`could not run ${command}: ${e.message}`));
      child.once("exit", (code, signal) => {
        if (!settled) {
          fail(`the server exited before it was ready (${signal ? `signal ${signal}` : `code ${code}`})`);
        }
      });
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => tail.push(chunk, echo));
      child.stdout?.setEncoding("utf8");
      let readyLine = "";
      child.stdout?.on("data", (chunk: string) => {
        if (settled) {
          tail.push(chunk, echo);
          return;
        }
        readyLine += chunk;
        const nl = readyLine.indexOf("\n");
        if (nl < 0) return;
        const line = readyLine.slice(0, nl);
        const rest = readyLine.slice(nl + 1);
        let msg: { secantus?: string; port?: number; host?: string; uri?: string };
        try {
          msg = JSON.parse(line);
        } catch {
          msg = {};
        }
        if (msg.secantus !== "ready" || typeof msg.port !== "number") {
          tail.push(line + "\n", echo);
          fail(`unexpected output from the server: ${line}`);
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (rest) tail.push(rest, echo);
        const server = new ServerProcess(child, tail, {
          port: msg.port,
          host: msg.host ?? "127.0.0.1",
          uri: msg.uri ?? "",
        });
        // A server the caller forgets to stop must not keep Node alive: when Node exits, the
        // child's stdin closes and it stops by itself.
        server.#ref(false);
        resolve(server);
      });
    });
  }

  #ref(on: boolean): void {
    const c = this.#child as unknown as Unrefable;
    for (
      const s of [c, this.#child.stdin, this.#child.stdout, this.#child.stderr] as unknown as Unrefable[]
    ) {
      if (s) (on ? s.ref : s.unref)?.call(s);
    }
  }

  /**
   * Stops the server (SIGTERM: it finishes in-flight commands, checkpoints and closes WiredTiger),
   * SIGKILL after `timeoutMs`. Resolves with the exit code; rejects when the server had crashed.
   */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    this.#stopping = true;
    if (this.running) {
      this.#ref(true);
      try {
        this.#child.kill("SIGTERM");
      } catch { /* gone */ }
    }
    let escalated = false;
    const killer = setTimeout(() => {
      escalated = true;
      try {
        this.#child.kill("SIGKILL");
      } catch { /* gone */ }
    }, timeoutMs);
    const { code, signal } = await this.#closed;
    clearTimeout(killer);
    // A clean stop exits 0; anything else (a crash, a kill from elsewhere) is reported here.
    if (code !== 0 && !escalated) {
      throw new Error(
        `secantusdb: the server exited abnormally (${
          signal ? `signal ${signal}` : `code ${code}`
        }); log tail:\n${this.logTail()}`,
      );
    }
    return code;
  }
}
