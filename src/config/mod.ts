/**
 * config/ — TOML and defaults → validated, typed `Config`. Owns the key table (one row per TOML key,
 * with its CLI flag and help), value coercion, size parsing, layering (defaults < file < flags), the
 * list of features this build does not support yet, and config-file discovery. Everything but
 * `discover.ts` is pure. Imports only `smol-toml` and `node:path`; errors are `ConfigError` (exit 2).
 */
export { ConfigError } from "./errors.ts";
export {
  type Config,
  CONFIG_TABLES,
  type ConfigTable,
  defaultConfig,
  LOG_LEVELS,
  type LogLevel,
  type OplogConfig,
  type ServerConfig,
  type StorageConfig,
  type TlsConfig,
} from "./schema.ts";
export { formatSize, parseSize } from "./size.ts";
export {
  coerce,
  dottedName,
  expectedText,
  findKey,
  KEY_SPECS,
  type KeySpec,
  type ValueKind,
} from "./keys.ts";
export { applyLayers, type ConfigLayer, getField, type LayeredConfig, type Setting } from "./layer.ts";
export { parseConfig, parseConfigLayer } from "./parse.ts";
export { checkSupported, UNSUPPORTED_YET, type UnsupportedEntry } from "./unsupported.ts";
export {
  CONFIG_FILE_NAME,
  discoverConfig,
  type DiscoverEnv,
  discoveryCandidates,
  findConfigFile,
  loadConfigLayer,
  SYSTEM_CONFIG_PATH,
} from "./discover.ts";
export { configToDoc } from "./to_doc.ts";
