/**
 * killOp: `{killOp: 1, op: <opid>}` asks a running operation to stop; it fails with 11601
 * Interrupted at its next yield point (every loop over documents has one: docs/concurrency.md). The
 * reply does not wait for it, as on mongod. Admin database only. Without `killop` a user may kill
 * its own operations only.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { num, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { holdsClusterAction, requireClusterAction, sameUser } from "./own_ops.ts";

const FIELDS = { op: required(num) } as const;

export interface KillOpParams {
  readonly op: number;
}

export function parseKillOp(body: Doc): KillOpParams {
  return parseShape("killOp", body, FIELDS, { skip: "killOp", alsoAccept: GENERIC_FIELDS });
}

function run(ctx: RequestContext<KillOpParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "killOp may only be run against the admin database.");
  }
  if (!holdsClusterAction(ctx, "killop")) {
    // Without killop a user may kill only its own operations (mongod's rule).
    const op = ctx.ops.list().find((o) => o.opId === ctx.params.op);
    if (!op || !sameUser(ctx.client, op.detail.client)) requireClusterAction(ctx, "killop");
  }
  ctx.ops.kill(ctx.params.op);
  return { info: "attempting to kill op", ok: 1 };
}

export const killOp = defineCommand<KillOpParams>({
  name: "killOp",
  help: "interrupts a running operation: {killOp: 1, op: <opid>}",
  auth: "killop", // or one's own operation for any logged-in user (checked in run: own_ops.ts)
  parse: parseKillOp,
  run,
});
