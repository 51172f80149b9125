/**
 * killOp: `{killOp: 1, op: <opid>}` asks a running operation to stop; it fails with 11601
 * Interrupted at its next yield point (every loop over documents has one: docs/concurrency.md). The
 * reply does not wait for it, as on mongod. Admin database only.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { num, parseShape, required } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";

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
  ctx.ops.kill(ctx.params.op);
  return { info: "attempting to kill op", ok: 1 };
}

export const killOp = defineCommand<KillOpParams>({
  name: "killOp",
  help: "interrupts a running operation: {killOp: 1, op: <opid>}",
  auth: "killop",
  parse: parseKillOp,
  run,
});
