/**
 * `SecantusServer`: one SecantusDB server in a child process, for Node test suites.
 *
 * ```js
 * const server = await SecantusServer.create();          // :memory:, any free port
 * const client = new MongoClient(server.getUri("app"));
 * await server.stop();
 * ```
 *
 * Transactions work by default: the server reports a single-node replica set. Startup prints
 * nothing (the server's log is kept; `verbose: true` or SECANTUS_DEBUG=1 copies it to stderr); a
 * server that fails to start rejects `create()` with its log tail.
 */
import { mkdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { ServerProcess } from "./launcher.ts";
import { serverArgs } from "./server_args.ts";

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

export interface SecantusServerOptions {
  /** `":memory:"` (the default: nothing touches the disk) or a data directory (created if missing). */
  readonly storagePath?: string;
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on; default "127.0.0.1". */
  readonly host?: string;
  /**
   * true (the default): the server reports a single-node replica-set primary, so drivers run
   * transactions and sessions; false: a standalone server (`--standalone`).
   */
  readonly replSet?: boolean;
  /** Require authentication (`--auth`): create the first user from this machine (localhost exception). */
  readonly auth?: boolean;
  /** Further `secantusdb serve` flags, e.g. `["--cache-size", "256M"]`; typed options win over them. */
  readonly args?: readonly string[];
  /** Server log level; default INFO (kept in memory, shown only when asked or on a crash). */
  readonly logLevel?: LogLevel;
  /** Copy the server's log to stderr (also: environment SECANTUS_DEBUG=1). */
  readonly verbose?: boolean;
  /** How long `create()` waits for the server; default 30000 ms. */
  readonly startTimeoutMs?: number;
  /** A Deno executable to use instead of the bundled npm `deno` (also: SECANTUS_DENO). */
  readonly denoPath?: string;
}

export interface StopOptions {
  /** Remove the storage directory after stopping — only with `force`, since you named it. */
  readonly doCleanup?: boolean;
  /** With doCleanup: remove the directory given as `storagePath`. */
  readonly force?: boolean;
  /** SIGKILL after this long; default 10000 ms. */
  readonly timeoutMs?: number;
}

export class SecantusServer {
  readonly #proc: ServerProcess;
  readonly #hostPort: string;
  /** The data directory, or ":memory:". */
  readonly storagePath: string;
  #stopped: Promise<void> | undefined;

  private constructor(proc: ServerProcess, storagePath: string) {
    this.#proc = proc;
    this.storagePath = storagePath;
    const m = /^mongodb:\/\/([^/?]+)/.exec(proc.ready.uri);
    this.#hostPort = m?.[1] ?? `127.0.0.1:${proc.ready.port}`;
  }

  /** Starts a server and resolves once it accepts connections. */
  static async create(opts: SecantusServerOptions = {}): Promise<SecantusServer> {
    const storagePath = opts.storagePath === undefined || opts.storagePath === ":memory:"
      ? ":memory:"
      : resolve(opts.storagePath);
    if (storagePath !== ":memory:") mkdirSync(storagePath, { recursive: true });
    const proc = await ServerProcess.start({
      args: serverArgs(opts, storagePath),
      verbose: opts.verbose ?? ["1", "true"].includes(process.env.SECANTUS_DEBUG ?? ""),
      ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
      ...(opts.denoPath !== undefined ? { denoPath: opts.denoPath } : {}),
    });
    return new SecantusServer(proc, storagePath);
  }

  /** The port the server listens on. */
  get port(): number {
    return this.#proc.ready.port;
  }

  /** The interface the server listens on. */
  get host(): string {
    return this.#proc.ready.host;
  }

  /** The server process id. */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Whether the server process is running. */
  get running(): boolean {
    return this.#proc.running;
  }

  /**
   * A connection string for this server, with `dbName` as its default database:
   * `mongodb://127.0.0.1:PORT/dbName?directConnection=true`.
   */
  getUri(dbName = ""): string {
    return `mongodb://${this.#hostPort}/${encodeURIComponent(dbName)}?directConnection=true`;
  }

  /** The last lines of the server's log. */
  logTail(): string {
    return this.#proc.logTail();
  }

  /**
   * Stops the server cleanly (idempotent). Rejects, with the log tail, if the server had crashed.
   */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.#stopped ??= this.#proc.stop(opts.timeoutMs).then(() => {});
    await this.#stopped;
    if (opts.doCleanup && opts.force && this.storagePath !== ":memory:") {
      rmSync(this.storagePath, { recursive: true, force: true });
    }
  }
}
