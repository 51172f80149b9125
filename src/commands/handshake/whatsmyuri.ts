/** whatsmyuri: the client's own address as the server sees it. */
import type { LegacyCommandSpec } from "../spec.ts";

export const whatsmyuri: LegacyCommandSpec = {
  name: "whatsmyuri",
  help: "the caller's address",
  auth: "none",
  run: (ctx) => ({ you: ctx.client.remoteAddress, ok: 1 }),
};
