/** ping: answers `{ok: 1}`; drivers use it to check a connection. */
import type { CommandSpec } from "../spec.ts";

export const ping: CommandSpec = {
  name: "ping",
  help: "a no-op that proves the server answers",
  auth: "none",
  run: () => ({ ok: 1 }),
};
