/** listCommands: every command this server knows, with its help text. */
import type { Doc, LegacyCommandSpec } from "../spec.ts";

export const listCommands: LegacyCommandSpec = {
  name: "listCommands",
  help: "lists every command with its help",
  auth: "none",
  run: (ctx) => {
    const commands: Doc = {};
    for (const c of ctx.commands) {
      commands[c.name] = {
        help: c.help,
        requiresAuth: c.auth !== "none",
        secondaryOk: true,
        adminOnly: false,
        apiVersions: [],
        deprecatedApiVersions: [],
      };
    }
    return { commands, ok: 1 };
  },
};
