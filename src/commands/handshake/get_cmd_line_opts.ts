/** getCmdLineOpts: the argv the server started with and the effective configuration. */
import type { LegacyCommandSpec } from "../spec.ts";

export const getCmdLineOpts: LegacyCommandSpec = {
  name: "getCmdLineOpts",
  help: "startup arguments and parsed configuration",
  auth: "serverStatus",
  run: (ctx) => ({ argv: ["secantusdb", ...ctx.info.argv], parsed: ctx.info.parsedConfig, ok: 1 }),
};
