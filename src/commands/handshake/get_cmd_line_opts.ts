/** getCmdLineOpts: the argv the server started with and the effective configuration. */
import type { CommandSpec } from "../spec.ts";

export const getCmdLineOpts: CommandSpec = {
  name: "getCmdLineOpts",
  help: "startup arguments and parsed configuration",
  auth: "serverStatus",
  run: (ctx) => ({ argv: ["secantusdb", ...ctx.info.argv], parsed: ctx.info.parsedConfig, ok: 1 }),
};
