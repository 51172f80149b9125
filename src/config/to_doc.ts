/**
 * Config → a plain document in the TOML file's own shape (snake_case tables and keys, sizes as
 * "1G"-style text), e.g. for `getCmdLineOpts.parsed` and for logging the effective configuration.
 * Unset optional keys are omitted. Pure.
 */
import type { Config } from "./schema.ts";
import { KEY_SPECS } from "./keys.ts";
import { getField } from "./layer.ts";
import { formatSize } from "./size.ts";

export function configToDoc(config: Config): Record<string, Record<string, unknown>> {
  const doc: Record<string, Record<string, unknown>> = {};
  for (const spec of KEY_SPECS) {
    const value = getField(config, spec);
    if (value === undefined) continue;
    const table = (doc[spec.table] ??= {});
    table[spec.key] = spec.kind === "size" && typeof value === "number" ? formatSize(value) : value;
  }
  return doc;
}
