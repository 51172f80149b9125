/** buildInfo: the MongoDB version we are compatible with, plus SecantusDB's own version. */
import type { LegacyCommandSpec } from "../spec.ts";
import { COMPAT_MONGODB_VERSION, VERSION } from "../../version.ts";
import { LIMITS } from "../../limits.ts";

export const buildInfo: LegacyCommandSpec = {
  name: "buildInfo",
  aliases: ["buildinfo"],
  help: "version and build facts",
  auth: "none",
  run: () => {
    const parts = COMPAT_MONGODB_VERSION.split(".").map((x) => Number(x));
    while (parts.length < 4) parts.push(0);
    return {
      version: COMPAT_MONGODB_VERSION,
      gitVersion: "secantusdb",
      modules: [],
      allocator: "system",
      javascriptEngine: "none",
      sysInfo: "deprecated",
      versionArray: parts,
      openssl: { running: "disabled", compiled: "disabled" },
      buildEnvironment: { target_os: Deno.build.os, target_arch: Deno.build.arch },
      bits: 64,
      debug: false,
      maxBsonObjectSize: LIMITS.maxBsonObjectSize,
      storageEngines: ["wiredTiger"],
      secantusVersion: VERSION,
      ok: 1,
    };
  },
};
