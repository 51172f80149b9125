/**
 * listCommands: every command this server knows, with its help text. Accepts any field (mongod's
 * listCommands has no IDL shape).
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";

/** listCommands reads nothing from its body. */
export type ListCommandsParams = Readonly<Record<never, never>>;

export function parseListCommands(_body: Doc): ListCommandsParams {
  return {};
}

function run(ctx: RequestContext<ListCommandsParams>): Doc {
  const commands: Doc = {};
  for (const c of ctx.commands()) {
    if (c.testOnly && !ctx.info.testCommandsEnabled) continue; // absent without enableTestCommands
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
}

export const listCommands = defineCommand<ListCommandsParams>({
  name: "listCommands",
  help: "lists every command with its help",
  auth: "none",
  parse: parseListCommands,
  run,
});
