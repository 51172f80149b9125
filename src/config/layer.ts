/**
 * Configuration layers: a layer is the validated settings one source (a TOML file, the CLI flags)
 * supplies, each remembering where it came from so later errors can name the file or flag. Layers
 * apply over the defaults in order, later wins (defaults < file < flags). Pure.
 */
import type { Config } from "./schema.ts";
import { dottedName, type KeySpec } from "./keys.ts";

export interface Setting {
  readonly spec: KeySpec;
  /** Already coerced to the field's type. */
  readonly value: unknown;
  /** Where it came from, for messages: `"server.auth" in /etc/secantus/secantusdb.toml` or `--auth`. */
  readonly origin: string;
}

export type ConfigLayer = readonly Setting[];

export interface LayeredConfig {
  readonly config: Config;
  /** "server.auth" → origin of the value in effect, for keys some layer set. */
  readonly origins: ReadonlyMap<string, string>;
}

/** The Config field value for `spec`. */
export function getField(config: Config, spec: KeySpec): unknown {
  return (config[spec.table] as unknown as Record<string, unknown>)[spec.field];
}

/** `base` with every layer's settings applied in order; `base` is not modified. */
export function applyLayers(base: Config, layers: readonly ConfigLayer[]): LayeredConfig {
  const tables: Record<string, Record<string, unknown>> = {
    server: { ...base.server },
    tls: { ...base.tls },
    storage: { ...base.storage },
    oplog: { ...base.oplog },
    metrics: { ...base.metrics },
  };
  const origins = new Map<string, string>();
  for (const layer of layers) {
    for (const s of layer) {
      const table = tables[s.spec.table];
      if (table) table[s.spec.field] = s.value;
      origins.set(dottedName(s.spec), s.origin);
    }
  }
  return { config: tables as unknown as Config, origins };
}
