/**
 * shutdown: stops the server as SIGTERM does (operations running stop with 11600 InterruptedAtShutdown,
 * the listener closes, the data directory is checkpointed and closed); a `secantusdb serve` process then
 * exits 0, an embedded server (`startServer`) stops and its process goes on. As on mongod the command
 * never answers: its connection closes, which `db.shutdownServer()` and the drivers take as the success.
 *
 * mongod's rules: admin database only; without `auth` only from a loopback client (13 "shutdown must run
 * from localhost when running db without auth"), with `auth` the `shutdown` action on the cluster. A
 * one-member replica set does not step down first (there is no secondary to wait for), so `timeoutSecs`
 * (default 15) and `force` change nothing here but are checked as mongod checks them; other fields 40415.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isLoopback } from "../../auth/peer.ts";
import type { RequestContext } from "../context.ts";
import type { CloseReply } from "../reply.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { int, optional, parseShape, strictBool } from "../params/schema.ts";

export interface ShutdownParams {
  readonly force: boolean;
  readonly timeoutSecs: number;
}

function parse(body: Doc): ShutdownParams {
  const p = parseShape("shutdown", body, { force: optional(strictBool), timeoutSecs: optional(int) }, {
    skip: "shutdown",
    alsoAccept: GENERIC_FIELDS,
  });
  return { force: p.force ?? false, timeoutSecs: p.timeoutSecs ?? 15 };
}

function run(ctx: RequestContext<ShutdownParams>): CloseReply {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "shutdown may only be run against the admin database.");
  }
  if (!ctx.auth.options.enabled && !isLoopback(ctx.client.remoteAddress)) {
    throw new CommandError("Unauthorized", "shutdown must run from localhost when running db without auth");
  }
  const request = ctx.requestShutdown;
  if (!request) {
    throw new CommandError("IllegalOperation", "shutdown: this server cannot be stopped by a command");
  }
  request(
    `shutdown command from ${ctx.client.remoteAddress} (connection ${ctx.client.connectionId}` +
      `${ctx.params.force ? ", force" : ""})`,
  );
  return { closeConnection: true };
}

export const shutdown = defineCommand<ShutdownParams>({
  name: "shutdown",
  help: "stops the server; the connection closes without a reply: {shutdown: 1, force, timeoutSecs}",
  auth: "shutdown",
  parse,
  run,
});
