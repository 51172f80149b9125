/** whatsmyuri: the client's own address as the server sees it. */
import type { CommandSpec } from "../spec.ts";

export const whatsmyuri: CommandSpec = {
  name: "whatsmyuri",
  help: "the caller's address",
  auth: "none",
  run: (ctx) => ({ you: ctx.client.remoteAddress, ok: 1 }),
};
