/**
 * getLog: `{getLog: "*"}` lists log names; "global" and "startupWarnings" return recent lines. The
 * command value must be a string (mongod's IDL command parameter); other fields are accepted, as
 * before typed params.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { str } from "../params/schema.ts";

export interface GetLogParams {
  /** "*", "global", "startupWarnings" (anything else is refused when run). */
  readonly log: string;
}

export function parseGetLog(body: Doc): GetLogParams {
  return { log: str(body["getLog"], "getLog") };
}

function run(ctx: RequestContext<GetLogParams>): Doc {
  const which = ctx.params.log;
  if (which === "*") return { names: ["global", "startupWarnings"], ok: 1 };
  if (which === "startupWarnings") return { totalLinesWritten: 0, log: [], ok: 1 };
  if (which === "global") {
    const lines = ctx.log.recent();
    return { totalLinesWritten: lines.length, log: lines, ok: 1 };
  }
  throw new CommandError("BadValue", `No log named '${which}'`);
}

export const getLog = defineCommand<GetLogParams>({
  name: "getLog",
  help: "recent server log lines: {getLog: 'global' | 'startupWarnings' | '*'}",
  auth: "getLog",
  parse: parseGetLog,
  run,
});
