/**
 * getCmdLineOpts: the argv the server started with and the effective configuration. Accepts any
 * field (mongod's getCmdLineOpts has no IDL shape).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";

/** getCmdLineOpts reads nothing from its body. */
export type GetCmdLineOptsParams = Readonly<Record<never, never>>;

export function parseGetCmdLineOpts(_body: Doc): GetCmdLineOptsParams {
  return {};
}

export const getCmdLineOpts = defineCommand<GetCmdLineOptsParams>({
  name: "getCmdLineOpts",
  help: "startup arguments and parsed configuration",
  auth: "getCmdLineOpts",
  parse: parseGetCmdLineOpts,
  run: (ctx: RequestContext<GetCmdLineOptsParams>) => ({
    argv: ["secantusdb", ...ctx.info.argv],
    parsed: ctx.info.parsedConfig,
    ok: 1,
  }),
});
