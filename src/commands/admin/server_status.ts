/**
 * serverStatus: process, connection, opcounter, network and memory figures (the monitoring surface
 * the production guide scrapes), plus a `secantus` block. More sections arrive with observability.
 */
import { Long } from "bson";
import type { LegacyCommandSpec } from "../spec.ts";
import { COMPAT_MONGODB_VERSION, VERSION } from "../../version.ts";

export const serverStatus: LegacyCommandSpec = {
  name: "serverStatus",
  help: "server counters and figures",
  auth: "serverStatus",
  run: (ctx) => {
    const now = new Date();
    const upMs = now.getTime() - ctx.info.startedAt.getTime();
    const mem = Deno.memoryUsage();
    const c = ctx.counters;
    return {
      host: ctx.info.address,
      version: COMPAT_MONGODB_VERSION,
      process: "secantusdb",
      pid: Long.fromNumber(Deno.pid),
      uptime: Math.floor(upMs / 1000),
      uptimeMillis: Long.fromNumber(upMs),
      uptimeEstimate: Long.fromNumber(Math.floor(upMs / 1000)),
      localTime: now,
      connections: {
        current: ctx.info.connectionCount(),
        available: 0,
        totalCreated: c.totalConnectionsCreated,
      },
      opcounters: { ...c.opcounters },
      network: {
        bytesIn: Long.fromNumber(c.network.bytesIn),
        bytesOut: Long.fromNumber(c.network.bytesOut),
        numRequests: Long.fromNumber(c.network.numRequests),
      },
      mem: {
        bits: 64,
        resident: Math.round(mem.rss / 1048576),
        virtual: Math.round(mem.rss / 1048576),
        supported: true,
      },
      metrics: { cursor: { open: { total: Long.fromNumber(ctx.cursors.size) } } },
      secantus: { version: VERSION, storagePath: ctx.info.storagePath },
      ok: 1,
    };
  },
};
