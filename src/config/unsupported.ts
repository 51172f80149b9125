/**
 * Features this walking-skeleton build accepts in configuration only at their defaults. Setting one to
 * anything else stops startup with "… is not supported yet by this build" rather than silently
 * running without it. The issue that implements a feature deletes its line from `UNSUPPORTED_YET`.
 * Pure.
 */
import { ConfigError } from "./errors.ts";
import { type Config, defaultConfig } from "./schema.ts";
import { dottedName, KEY_SPECS } from "./keys.ts";
import { getField } from "./layer.ts";

export interface UnsupportedEntry {
  /** Dotted TOML key: "server.auth". */
  readonly key: string;
  /** What the key would turn on, for the message. */
  readonly feature: string;
}

export const UNSUPPORTED_YET: readonly UnsupportedEntry[] = [];

/**
 * Throws a ConfigError listing every not-yet-supported key whose effective value differs from its
 * default; `origins` (from applyLayers) lets the message name the file or flag that set it.
 */
export function checkSupported(config: Config, origins: ReadonlyMap<string, string> = new Map()): void {
  const defaults = defaultConfig();
  const problems: string[] = [];
  for (const entry of UNSUPPORTED_YET) {
    const spec = KEY_SPECS.find((s) => dottedName(s) === entry.key);
    if (!spec) continue;
    const value = getField(config, spec);
    if (value === getField(defaults, spec)) continue;
    const origin = origins.get(entry.key) ?? `"${entry.key}"`;
    const what = origin.startsWith("--") ? origin : `${origin} = ${JSON.stringify(value)}`;
    problems.push(`${what}: ${entry.feature} is not supported yet by this build`);
  }
  if (problems.length === 1) throw new ConfigError(problems[0] ?? "");
  if (problems.length > 1) {
    throw new ConfigError(`not supported yet by this build:\n  ${problems.join("\n  ")}`);
  }
}
