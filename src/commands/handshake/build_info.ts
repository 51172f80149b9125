/**
 * buildInfo: the MongoDB version we are compatible with, plus SecantusDB's own version. Accepts any
 * field, as mongod's buildInfo does (drivers and shells send `{buildInfo: 1}` with extras).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { COMPAT_MONGODB_VERSION, VERSION } from "../../version.ts";
import { LIMITS } from "../../limits.ts";

/** buildInfo reads nothing from its body. */
export type BuildInfoParams = Readonly<Record<never, never>>;

export function parseBuildInfo(_body: Doc): BuildInfoParams {
  return {};
}

/** `versionArray`: the compatible version's numbers padded to four. */
export function versionArray(version: string): number[] {
  const parts = version.split(".").map((x) => Number(x));
  while (parts.length < 4) parts.push(0);
  return parts;
}

function run(ctx: RequestContext<BuildInfoParams>): Doc {
  return {
    version: COMPAT_MONGODB_VERSION,
    gitVersion: "secantusdb",
    modules: [],
    allocator: "system",
    // the sandbox runs V8 (src/engine/js/); mongod says "mozjs"
    javascriptEngine: ctx.js?.enabled ? "v8" : "none",
    sysInfo: "deprecated",
    versionArray: versionArray(COMPAT_MONGODB_VERSION),
    openssl: { running: "disabled", compiled: "disabled" },
    buildEnvironment: { target_os: Deno.build.os, target_arch: Deno.build.arch },
    bits: 64,
    debug: false,
    maxBsonObjectSize: LIMITS.maxBsonObjectSize,
    storageEngines: ["wiredTiger"],
    secantusVersion: VERSION,
    ok: 1,
  };
}

export const buildInfo = defineCommand<BuildInfoParams>({
  name: "buildInfo",
  aliases: ["buildinfo"],
  help: "version and build facts",
  auth: "none",
  parse: parseBuildInfo,
  run,
});
