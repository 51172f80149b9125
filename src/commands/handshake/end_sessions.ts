/** endSessions: accepted; the session registry (sessions issue) will forget the listed sessions. */
import type { CommandSpec } from "../spec.ts";

export const endSessions: CommandSpec = {
  name: "endSessions",
  help: "ends logical sessions",
  auth: "none",
  run: () => ({ ok: 1 }),
};
