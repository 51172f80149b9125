/**
 * Finding and reading the configuration file (the edge: uses Deno file and env APIs). Discovery order,
 * first existing file wins: `./secantusdb.toml`, `~/.secantus/secantusdb.toml`,
 * `/etc/secantus/secantusdb.toml`. An explicit path (`--config PATH`) turns discovery off, and then a
 * missing file is an error. No file at all is fine: the defaults apply.
 */
import { ConfigError } from "./errors.ts";
import { type Config, defaultConfig } from "./schema.ts";
import { parseConfigLayer } from "./parse.ts";
import { applyLayers, type ConfigLayer } from "./layer.ts";
import { checkSupported } from "./unsupported.ts";

export const CONFIG_FILE_NAME = "secantusdb.toml";

/**
 * A POSIX path with `.`, `..` and repeated slashes resolved, as node:path's normalize (without the
 * trailing slash, which no file path here has): node:path would load Deno's Node compatibility layer
 * on the server's start path (~15 ms of CPU; src/node_builtin.ts).
 */
export function normalizePath(p: string): string {
  const absolute = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg !== "..") out.push(seg);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (!absolute) out.push("..");
  }
  return absolute ? `/${out.join("/")}` : out.join("/") || ".";
}

const join = (...parts: string[]) => normalizePath(parts.filter((p) => p !== "").join("/"));
const resolve = (cwd: string, p: string) => normalizePath(p.startsWith("/") ? p : `${cwd}/${p}`);
export const SYSTEM_CONFIG_PATH = "/etc/secantus/secantusdb.toml";

/** Overrides for tests; each defaults to the real process's value. */
export interface DiscoverEnv {
  /** Directory `./secantusdb.toml` and a relative `--config` are resolved against. */
  readonly cwd?: string;
  /** Home directory for `~/.secantus/secantusdb.toml`; empty string = none. */
  readonly home?: string;
  /** The system-wide file (tests point it into a temp dir). */
  readonly systemPath?: string;
}

function envHome(): string | undefined {
  try {
    return Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
  } catch {
    return undefined; // no --allow-env: skip the per-user file
  }
}

/** The discovery candidates, in order. */
export function discoveryCandidates(env: DiscoverEnv = {}): string[] {
  const cwd = env.cwd ?? Deno.cwd();
  const home = env.home ?? envHome();
  const out = [join(cwd, CONFIG_FILE_NAME)];
  if (home) out.push(join(home, ".secantus", CONFIG_FILE_NAME));
  out.push(env.systemPath ?? SYSTEM_CONFIG_PATH);
  return out;
}

/*
 * The file system calls here are synchronous: they run once, before the server serves anything, and
 * each asynchronous one cost a round trip through Deno's thread pool (~0.2 ms of a start, issue 18).
 */
function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new ConfigError(`cannot read config file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function readConfigText(path: string, explicit: boolean): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ConfigError(`config file not found: ${path}${explicit ? " (given with --config)" : ""}`);
    }
    throw new ConfigError(`cannot read config file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The path of the configuration file in effect: `explicitPath` resolved against cwd, or the first
 * discovery candidate that exists, or undefined when there is none.
 */
export function findConfigFile(
  explicitPath: string | undefined,
  env: DiscoverEnv = {},
): string | undefined {
  if (explicitPath !== undefined) return resolve(env.cwd ?? Deno.cwd(), explicitPath);
  for (const candidate of discoveryCandidates(env)) {
    if (exists(candidate)) return candidate;
  }
  return undefined;
}

/** The validated settings of the configuration file in effect (empty when there is none). */
export function loadConfigLayer(
  explicitPath: string | undefined,
  env: DiscoverEnv = {},
): { path?: string; layer: ConfigLayer } {
  const path = findConfigFile(explicitPath, env);
  if (path === undefined) return { layer: [] };
  const text = readConfigText(path, explicitPath !== undefined);
  return { path, layer: parseConfigLayer(text, path) };
}

/** Defaults < configuration file: the file in effect and the Config it yields. */
export function discoverConfig(
  explicitPath?: string,
  env: DiscoverEnv = {},
): { path?: string; config: Config } {
  const { path, layer } = loadConfigLayer(explicitPath, env);
  const { config, origins } = applyLayers(defaultConfig(), [layer]);
  checkSupported(config, origins);
  return path === undefined ? { config } : { path, config };
}
