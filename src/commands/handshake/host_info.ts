/**
 * hostInfo: facts about the machine the server runs on. Accepts any field (mongod's hostInfo has no
 * IDL shape).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";

/** hostInfo reads nothing from its body. */
export type HostInfoParams = Readonly<Record<never, never>>;

export function parseHostInfo(_body: Doc): HostInfoParams {
  return {};
}

function run(_ctx: RequestContext<HostInfoParams>): Doc {
  const mem = Deno.systemMemoryInfo();
  return {
    system: {
      currentTime: new Date(),
      hostname: Deno.hostname(),
      cpuAddrSize: 64,
      memSizeMB: Math.round(mem.total / 1024 / 1024),
      numCores: navigator.hardwareConcurrency,
      cpuArch: Deno.build.arch,
    },
    os: { type: Deno.build.os, name: Deno.build.os, version: Deno.osRelease() },
    extra: {},
    ok: 1,
  };
}

export const hostInfo = defineCommand<HostInfoParams>({
  name: "hostInfo",
  help: "host system facts",
  auth: "hostInfo",
  parse: parseHostInfo,
  run,
});
