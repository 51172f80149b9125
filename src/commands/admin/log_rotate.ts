/**
 * logRotate: the server logs to stderr (journald or the supervisor owns the file), so there is no
 * file to reopen: the command logs the event and answers ok, as mongod does when logging to stdout
 * or syslog. Admin database only.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { parseShape } from "../params/schema.ts";

function run(ctx: RequestContext<Record<string, never>>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "logRotate may only be run against the admin database.");
  }
  ctx.log.info("logRotate: logging to stderr, nothing to reopen");
  return { ok: 1 };
}

export const logRotate = defineCommand<Record<string, never>>({
  name: "logRotate",
  help: "rotates the server log (a no-op while logging to stderr)",
  auth: "logRotate",
  parse: (body) => {
    const v = body["logRotate"];
    if (typeof v === "string" && v !== "server" && v !== "audit") {
      throw new CommandError("BadValue", `Unknown log type for rotate: ${v}`);
    }
    parseShape("logRotate", body, {}, { skip: "logRotate", alsoAccept: GENERIC_FIELDS });
    return {};
  },
  run,
});
