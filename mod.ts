/**
 * SecantusDB's embedding API for test authors: the server runs inside the caller's own Deno process.
 *
 * ```ts
 * import { startServer } from "./mod.ts";
 * const server = await startServer({ port: 0, storagePath: ":memory:" });
 * // … new MongoClient(server.uri) …
 * await server.stop();
 * ```
 *
 * Embedding defaults differ from `secantusdb serve`: port 0 (any free port), `:memory:` storage and
 * test commands on (configureFailPoint), and no configuration file is discovered. `args` takes the
 * same flags as `secantusdb serve` (`--cache-size 256M`, `--standalone`, `--config FILE`…) for
 * anything the typed options do not name; a typed option wins over a flag. The npm package
 * (`packages/node/`) runs this same function in a child process.
 */
import {
  type RunningServer,
  type StartOptions,
  startServer as startWithOptions,
} from "./src/app/start_server.ts";
import { parseServeFlags } from "./src/cli/args.ts";
import {
  applyLayers,
  checkSupported,
  type Config,
  ConfigError,
  defaultConfig,
  loadConfigLayer,
} from "./src/config/mod.ts";
import { preloadWiredTiger } from "./ffi/wiredtiger/preload.ts";

export type { RunningServer, StartOptions } from "./src/app/start_server.ts";
export { ConfigError } from "./src/config/mod.ts";

// WiredTiger's one-time process initialisation starts now, on a background thread, so it overlaps with
// whatever the embedding program does before its first `startServer` (the first open otherwise waits
// ~9 ms for it: issue 18, target 3's in-process row). Never throws; idempotent.
preloadWiredTiger();

export interface EmbedOptions extends StartOptions {
  /** `secantusdb serve` flags; a bad flag rejects with a ConfigError naming it. */
  readonly args?: readonly string[];
}

/** The embedding defaults (port 0, `:memory:`, test commands on) < `--config FILE` < flags. */
export async function configFromArgs(args: readonly string[]): Promise<Config> {
  const flags = parseServeFlags(args);
  if (flags.help || flags.version) throw new ConfigError("--help and --version are not server options");
  const base = defaultConfig();
  const embedded: Config = {
    ...base,
    server: { ...base.server, port: 0, storagePath: ":memory:", enableTestCommands: true },
  };
  // No discovery: only a file named with --config is read (a machine's /etc/secantus file is not
  // for test servers).
  const file = flags.configPath === undefined ? { layer: [] } : await loadConfigLayer(flags.configPath);
  const { config, origins } = applyLayers(embedded, [file.layer, flags.layer]);
  checkSupported(config, origins);
  return config;
}

/** Starts a server in this process; `stop()` closes it (idempotent). */
export async function startServer(opts: EmbedOptions = {}): Promise<RunningServer> {
  const { args, ...rest } = opts;
  if (args === undefined || args.length === 0) return await startWithOptions(rest);
  return await startWithOptions({ ...rest, config: await configFromArgs(args), argv: [...args] });
}
