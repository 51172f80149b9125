/** hostInfo: facts about the machine the server runs on. */
import type { LegacyCommandSpec } from "../spec.ts";

export const hostInfo: LegacyCommandSpec = {
  name: "hostInfo",
  help: "host system facts",
  auth: "serverStatus",
  run: () => {
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
  },
};
