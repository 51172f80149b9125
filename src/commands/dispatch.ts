/**
 * Dispatch: one request in, one reply out. Finds the command (first key of the body), checks the
 * declared fields, runs it, counts it, and turns every thrown error into `{ok: 0, …}` through the
 * one error-to-reply function. Unknown commands get 59 CommandNotFound; the connection lives on.
 */
import { CommandError } from "../errors/command_error.ts";
import { errorToReply } from "../errors/to_reply.ts";
import type { ClientState, CommandContext, ServerContext } from "./context.ts";
import type { Doc, Reply } from "./spec.ts";
import { checkFields } from "./params.ts";
import { COMMANDS, lookupCommand } from "./registry.ts";

export interface DispatchRequest {
  readonly body: Doc;
  readonly sequences: ReadonlyMap<string, Doc[]>;
  /** Legacy OP_QUERY: `$db` comes from the namespace, not the body. */
  readonly legacyDb?: string;
  readonly exhaustAllowed?: boolean;
}

export async function dispatch(
  server: ServerContext,
  client: ClientState,
  req: DispatchRequest,
): Promise<Reply> {
  server.counters.opcounters.command++;
  try {
    const name = Object.keys(req.body)[0];
    if (name === undefined) throw new CommandError("CommandNotFound", "no such command: ''");
    const spec = lookupCommand(name);
    if (!spec) throw new CommandError("CommandNotFound", `no such command: '${name}'`);
    const db = req.legacyDb ?? req.body["$db"];
    if (typeof db !== "string") {
      throw new CommandError(40571, "OP_MSG requests require a $db argument");
    }
    if (spec.fields) checkFields(spec.name, req.body, spec.fields);
    const ctx: CommandContext = {
      ...server,
      db,
      client,
      sequences: req.sequences,
      commands: COMMANDS,
      exhaustAllowed: req.exhaustAllowed ?? false,
    };
    return await spec.run(ctx, req.body);
  } catch (e) {
    return errorToReply(e, (msg) => server.log.error(msg));
  }
}
