/** getLog: `{getLog: "*"}` lists log names; "global" and "startupWarnings" return recent lines. */
import type { LegacyCommandSpec } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";

export const getLog: LegacyCommandSpec = {
  name: "getLog",
  help: "recent server log lines: {getLog: 'global' | 'startupWarnings' | '*'}",
  auth: "serverStatus",
  run: (ctx, body) => {
    const which = body["getLog"];
    if (which === "*") return { names: ["global", "startupWarnings"], ok: 1 };
    if (which === "startupWarnings") return { totalLinesWritten: 0, log: [], ok: 1 };
    if (which === "global") {
      const lines = ctx.log.recent();
      return { totalLinesWritten: lines.length, log: lines, ok: 1 };
    }
    throw new CommandError("BadValue", `No log named '${String(which)}'`);
  },
};
