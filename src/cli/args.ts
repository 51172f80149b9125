/**
 * The serve command's argv → effective configuration (defaults < config file < flags). Flags come from
 * the key table in config/keys.ts (one flag per TOML key, plus `--no-…` for booleans, `--dbpath` as
 * mongod's spelling of `--storage-path`), and are validated by the same coercion as the file. Parsing
 * is strict: an unknown flag, a missing value or a stray argument is a ConfigError (exit 2) that points
 * to --help. A repeated flag: the last one wins.
 */
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

type Token =
  | { kind: "positional"; index: number; value: string }
  | { kind: "option"; name: string; rawName: string; value: string | undefined };

/**
 * argv → tokens, strictly, as node:util's parseArgs (`strict`, `allowPositionals`, `tokens`) reads our
 * options — `--name value`, `--name=value`, `-h`, `--` ends the options — with its refusals: an unknown
 * option, a missing or dash-led value, a value given to a boolean. Not node:util itself: importing it
 * loads Deno's Node compatibility layer on the server's start path (~15 ms of CPU; src/node_builtin.ts).
 */
function tokenize(argv: readonly string[]): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      for (let j = i + 1; j < argv.length; j++) {
        tokens.push({ kind: "positional", index: j, value: argv[j]! });
      }
      break;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      tokens.push({ kind: "positional", index: i, value: arg });
      continue;
    }
    if (!arg.startsWith("--")) {
      // short options, grouped or not (`-h`): only booleans have one
      for (const c of arg.slice(1)) {
        const name = Object.keys(OPTIONS).find((n) => OPTIONS[n]!.short === c);
        if (name === undefined) throw new ConfigError(`unknown flag -${c}; ${SEE_HELP}`);
        tokens.push({ kind: "option", name, rawName: `-${c}`, value: undefined });
      }
      continue;
    }
    const eq = arg.indexOf("=");
    const rawName = eq >= 0 ? arg.slice(0, eq) : arg;
    const name = rawName.slice(2);
    const def = Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
    if (def === undefined) {
      throw new ConfigError(`unknown flag ${rawName}${didYouMean(rawName, SERVE_FLAGS, false)}; ${SEE_HELP}`);
    }
    if (def.type === "boolean") {
      if (eq >= 0) {
        const both = def.short === undefined ? rawName : `-${def.short}, ${rawName}`;
        throw new ConfigError(`Option '${both}' does not take an argument; ${SEE_HELP}`);
      }
      tokens.push({ kind: "option", name, rawName, value: undefined });
      continue;
    }
    if (eq >= 0) {
      tokens.push({ kind: "option", name, rawName, value: arg.slice(eq + 1) });
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) {
      throw new ConfigError(`Option '${rawName} <value>' argument missing; ${SEE_HELP}`);
    }
    if (value.startsWith("-")) {
      throw new ConfigError(
        `Option '${rawName}' argument is ambiguous. Did you forget to specify the option argument for ` +
          `'${rawName}'? To specify an option argument starting with a dash use '${rawName}=-XYZ'.; ${SEE_HELP}`,
      );
    }
    tokens.push({ kind: "option", name, rawName, value });
    i++;
  }
  return tokens;
}

/** Parse the serve flags (pure: reads no file). */
export function parseServeFlags(argv: readonly string[]): ServeFlags {
  const parsed = { tokens: tokenize(argv) };
  const settings: Setting[] = [];
  let configPath: string | undefined;
  let help = false;
  let version = false;
  let positionals = 0;
  for (const token of parsed.tokens) {
    if (token.kind === "positional") {
      // `secantusdb serve --port 1`: tolerate the subcommand name once, first.
      if (positionals++ === 0 && token.index === 0 && token.value === "serve") continue;
      throw new ConfigError(`unexpected argument "${token.value}"; ${SEE_HELP}`);
    }
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
export function resolveServeConfig(argv: readonly string[], env: DiscoverEnv = {}): ServeArgs {
  const flags = parseServeFlags(argv);
  if (flags.help) return { config: defaultConfig(), help: true };
  if (flags.version) return { config: defaultConfig(), version: true };
  const file = loadConfigLayer(flags.configPath, env);
  const { config, origins } = applyLayers(defaultConfig(), [file.layer, flags.layer]);
  checkSupported(config, origins);
  return file.path === undefined ? { config } : { config, configPath: file.path };
}
