/**
 * serverStatus: process, connection, opcounter, network and memory figures (the monitoring surface
 * the production guide scrapes), plus a `secantus` block. Every non-generic field toggles a section
 * (`{serverStatus: 1, metrics: 0}` leaves `metrics` out), as on mongod, so any field is accepted;
 * the typed parse reads which sections are turned off.
 */
import { Long } from "bson";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { COMPAT_MONGODB_VERSION, VERSION } from "../../version.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";

/** Sections a client may leave out; the header fields (host, version, uptime…) are always sent. */
const SECTIONS = ["connections", "opcounters", "network", "mem", "metrics", "secantus"] as const;

export interface ServerStatusParams {
  /** Sections asked to be left out (`<section>: 0` or `false`). */
  readonly exclude: ReadonlySet<string>;
}

export function parseServerStatus(body: Doc): ServerStatusParams {
  const exclude = new Set<string>();
  for (const [k, v] of Object.entries(body)) {
    if (k === "serverStatus" || GENERIC_FIELDS.has(k)) continue;
    if (v === false || (isNumeric(v) && toNumber(v) === 0)) exclude.add(k);
  }
  return { exclude };
}

function run(ctx: RequestContext<ServerStatusParams>): Doc {
  const now = new Date();
  const upMs = now.getTime() - ctx.info.startedAt.getTime();
  const mem = Deno.memoryUsage();
  const c = ctx.counters;
  const current = ctx.info.connectionCount();
  const sections: Record<typeof SECTIONS[number], () => unknown> = {
    connections: () => ({
      current,
      available: Math.max(0, ctx.info.maxConnections - current),
      totalCreated: c.totalConnectionsCreated,
    }),
    opcounters: () => ({ ...c.opcounters }),
    network: () => ({
      bytesIn: Long.fromNumber(c.network.bytesIn),
      bytesOut: Long.fromNumber(c.network.bytesOut),
      numRequests: Long.fromNumber(c.network.numRequests),
    }),
    mem: () => ({
      bits: 64,
      resident: Math.round(mem.rss / 1048576),
      virtual: Math.round(mem.rss / 1048576),
      supported: true,
    }),
    metrics: () => ({ cursor: { open: { total: Long.fromNumber(ctx.cursors.size) } } }),
    secantus: () => ({ version: VERSION, storagePath: ctx.info.storagePath }),
  };
  const out: Doc = {
    host: ctx.info.address,
    version: COMPAT_MONGODB_VERSION,
    process: "secantusdb",
    pid: Long.fromNumber(Deno.pid),
    uptime: Math.floor(upMs / 1000),
    uptimeMillis: Long.fromNumber(upMs),
    uptimeEstimate: Long.fromNumber(Math.floor(upMs / 1000)),
    localTime: now,
  };
  for (const s of SECTIONS) if (!ctx.params.exclude.has(s)) out[s] = sections[s]();
  out["ok"] = 1;
  return out;
}

export const serverStatus = defineCommand<ServerStatusParams>({
  name: "serverStatus",
  help: "server counters and figures",
  auth: "serverStatus",
  parse: parseServerStatus,
  run,
});
