/** ping: answers `{ok: 1}`; drivers use it to check a connection. */
import type { LegacyCommandSpec } from "../spec.ts";

export const ping: LegacyCommandSpec = {
  name: "ping",
  help: "a no-op that proves the server answers",
  auth: "none",
  run: () => ({ ok: 1 }),
};
