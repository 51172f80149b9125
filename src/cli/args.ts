/**
 * The serve command's argv → effective configuration (defaults < config file < flags). Flags come from
 * the key table in config/keys.ts (one flag per TOML key, plus `--no-…` for booleans, `--dbpath` as
 * mongod's spelling of `--storage-path`), and are validated by the same coercion as the file. Parsing
 * is strict: an unknown flag, a missing value or a stray argument is a ConfigError (exit 2) that points
 * to --help. A repeated flag: the last one wins.
 */
import { parseArgs } from "node:util";
import {
  applyLayers,
  checkSupported,
  coerce,
  type Config,
  ConfigError,
  type ConfigLayer,
  defaultConfig,
  type DiscoverEnv,
  expectedText,
  KEY_SPECS,
  type KeySpec,
  loadConfigLayer,
  type Setting,
} from "../config/mod.ts";
import { didYouMean } from "../config/suggest.ts";

export interface ServeArgs {
  readonly config: Config;
  /** The configuration file that was read, if any. */
  readonly configPath?: string;
  /** `--help`/`-h` was given: print serveHelp() and exit 0 (no file was read). */
  readonly help?: boolean;
  /** `--version` was given: print versionText() and exit 0 (no file was read). */
  readonly version?: boolean;
}

/** What the flags alone say, before any file is read. */
export interface ServeFlags {
  readonly layer: ConfigLayer;
  readonly configPath?: string;
  readonly help: boolean;
  readonly version: boolean;
}

type OptionDef = { type: "string" | "boolean"; short?: string };

/** flag name (no dashes) → the key it sets and whether it is a `--no-…` flag. */
const FLAG_TO_KEY = new Map<string, { spec: KeySpec; negated: boolean }>();
const OPTIONS: Record<string, OptionDef> = {
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
};
for (const spec of KEY_SPECS) {
  if (spec.flag === undefined) continue;
  const type = spec.kind === "bool" ? "boolean" : "string";
  for (const name of [spec.flag, ...(spec.aliases ?? [])]) {
    OPTIONS[name] = { type };
    FLAG_TO_KEY.set(name, { spec, negated: false });
  }
  if (spec.negFlag !== undefined) {
    OPTIONS[spec.negFlag] = { type: "boolean" };
    FLAG_TO_KEY.set(spec.negFlag, { spec, negated: true });
  }
}

/** Every accepted long flag, with dashes (for "did you mean"). */
export const SERVE_FLAGS: readonly string[] = Object.keys(OPTIONS).map((n) => `--${n}`);

const SEE_HELP = "see secantusdb --help";

function parseError(e: unknown): ConfigError {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string } | null)?.code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']*)'/.exec(message)?.[1] ?? message;
    const bare = flag.split("=")[0] ?? flag;
    return new ConfigError(`unknown flag ${bare}${didYouMean(bare, SERVE_FLAGS, false)}; ${SEE_HELP}`);
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return new ConfigError(`${message}; ${SEE_HELP}`);
  }
  return new ConfigError(`${message.split("\n").join(" ")}; ${SEE_HELP}`);
}

/** Parse the serve flags (pure: reads no file). */
export function parseServeFlags(argv: readonly string[]): ServeFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
  } catch (e) {
    throw parseError(e);
  }
  const settings: Setting[] = [];
  let configPath: string | undefined;
  let help = false;
  let version = false;
  let positionals = 0;
  for (const token of parsed.tokens ?? []) {
    if (token.kind === "positional") {
      // `secantusdb serve --port 1`: tolerate the subcommand name once, first.
      if (positionals++ === 0 && token.index === 0 && token.value === "serve") continue;
      throw new ConfigError(`unexpected argument "${token.value}"; ${SEE_HELP}`);
    }
    if (token.kind !== "option") continue; // "--" terminator
    if (token.name === "help") help = true;
    else if (token.name === "version") version = true;
    else if (token.name === "config") {
      if (!token.value) throw new ConfigError(`--config needs a file path; ${SEE_HELP}`);
      configPath = token.value;
    } else {
      const target = FLAG_TO_KEY.get(token.name);
      if (!target) throw new ConfigError(`unknown flag ${token.rawName}; ${SEE_HELP}`);
      const raw = target.spec.kind === "bool" ? !target.negated : token.value;
      const c = coerce(target.spec.kind, raw, true);
      if (!c.ok) {
        throw new ConfigError(
          `invalid value for ${token.rawName}: expected ${expectedText(target.spec.kind)}, got ${
            JSON.stringify(raw)
          }`,
        );
      }
      settings.push({ spec: target.spec, value: c.value, origin: token.rawName });
    }
  }
  const base = { layer: settings, help, version };
  return configPath === undefined ? base : { ...base, configPath };
}

/**
 * argv (without the program name or a leading `serve`… though a leading `serve` is tolerated) → the
 * effective configuration: defaults < config file (discovered, or `--config PATH`) < flags. Refuses
 * features this build lacks (config/unsupported.ts) after layering, so `--no-auth` overrides a file's
 * `auth = true`. With --help or --version, returns the defaults without reading any file.
 */
export async function resolveServeConfig(argv: readonly string[], env: DiscoverEnv = {}): Promise<ServeArgs> {
  const flags = parseServeFlags(argv);
  if (flags.help) return { config: defaultConfig(), help: true };
  if (flags.version) return { config: defaultConfig(), version: true };
  const file = await loadConfigLayer(flags.configPath, env);
  const { config, origins } = applyLayers(defaultConfig(), [file.layer, flags.layer]);
  checkSupported(config, origins);
  return file.path === undefined ? { config } : { config, configPath: file.path };
}
