/** endSessions: forgets the listed logical sessions (`{endSessions: [{id: UUID}, …]}`). */
import { CommandError } from "../../errors/command_error.ts";
import type { LegacyCommandSpec } from "../spec.ts";

export const endSessions: LegacyCommandSpec = {
  name: "endSessions",
  help: "ends logical sessions: {endSessions: [{id: <UUID>}, ...]}",
  auth: "none",
  run: (ctx, body) => {
    const list = body["endSessions"];
    if (!Array.isArray(list)) {
      throw new CommandError(
        "TypeMismatch",
        "BSON field 'endSessions' is the wrong type, expected type 'array'",
      );
    }
    for (const lsid of list) ctx.sessions.end(lsid);
    return { ok: 1 };
  },
};
