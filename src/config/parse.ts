/**
 * TOML text → validated configuration. Pure: the caller reads the file; `source` (its path) only
 * appears in messages. Every table and key must be known (`unknown key "server.prot" in PATH`), every
 * value must have the key's type and range, and a feature this build lacks must stay at its default
 * (see unsupported.ts). All failures are ConfigError (exit code 2).
 */
import { parse as parseToml } from "smol-toml";
import { ConfigError } from "./errors.ts";
import { type Config, CONFIG_TABLES, defaultConfig } from "./schema.ts";
import { coerce, describeValue, dottedName, expectedText, findKey, KEY_SPECS } from "./keys.ts";
import { applyLayers, type ConfigLayer, type Setting } from "./layer.ts";
import { checkSupported } from "./unsupported.ts";
import { closest, didYouMean } from "./suggest.ts";

const ALL_KEYS = KEY_SPECS.map(dottedName);

function inSource(source: string | undefined): string {
  return source === undefined ? "in the configuration" : `in ${source}`;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * The settings a TOML document supplies, validated but not yet checked against UNSUPPORTED_YET (a
 * later layer, such as `--no-auth`, may still override them).
 */
export function parseConfigLayer(text: string, source?: string): ConfigLayer {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`invalid TOML ${inSource(source)}: ${detail}`);
  }
  const settings: Setting[] = [];
  for (const [table, body] of Object.entries(doc)) {
    if (!(CONFIG_TABLES as readonly string[]).includes(table)) {
      if (isTable(body)) {
        const near = closest(table, CONFIG_TABLES);
        const hint = near ? ` (did you mean "[${near}]"?)` : ` (tables are ${tableList()})`;
        throw new ConfigError(`unknown table "[${table}]" ${inSource(source)}${hint}`);
      }
      throw new ConfigError(`unknown key "${table}" ${inSource(source)}${topLevelHint(table)}`);
    }
    if (!isTable(body)) {
      throw new ConfigError(
        `"${table}" ${inSource(source)} must be a table ([${table}]), got ${describeValue(body)}`,
      );
    }
    for (const [key, raw] of Object.entries(body)) {
      const spec = findKey(table, key);
      const name = `${table}.${key}`;
      if (!spec) {
        throw new ConfigError(`unknown key "${name}" ${inSource(source)}${didYouMean(name, ALL_KEYS)}`);
      }
      const c = coerce(spec.kind, raw, false);
      if (!c.ok) {
        throw new ConfigError(
          `invalid value for "${name}" ${inSource(source)}: expected ${expectedText(spec.kind)}, got ${
            describeValue(raw)
          }`,
        );
      }
      settings.push({ spec, value: c.value, origin: `"${name}" ${inSource(source)}` });
    }
  }
  return settings;
}

/** For a key written outside any table: which table it belongs in. */
function topLevelHint(key: string): string {
  const spec = KEY_SPECS.find((s) => s.key === key);
  return spec ? ` (put it under [${spec.table}])` : ` (keys belong in a table: ${tableList()})`;
}

function tableList(): string {
  return CONFIG_TABLES.map((t) => `[${t}]`).join(", ");
}

/** TOML text → Config over the defaults, refusing features this build lacks. */
export function parseConfig(text: string, source?: string): Config {
  const { config, origins } = applyLayers(defaultConfig(), [parseConfigLayer(text, source)]);
  checkSupported(config, origins);
  return config;
}
