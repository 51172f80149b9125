/**
 * autoCompact (MongoDB 8.0): turns background compaction on (`autoCompact: true`, with
 * `freeSpaceTargetMB` — default 20 — and `runOnce`) or off (`false`); the passes themselves are
 * src/storage/auto_compact.ts's. Admin database only; the `compact` action on the cluster (hostManager).
 * Turning it on while it is on, or off while it is off, is 2 BadValue ("Background compaction is already
 * enabled" / "disabled"), as WiredTiger answers mongod: to change its options, turn it off first.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, int, optional, parseShape } from "../params/schema.ts";
import { freeSpaceTargetBytes } from "./compact.ts";

const FIELDS = {
  freeSpaceTargetMB: optional(int),
  runOnce: optional(bool),
} as const;

export interface AutoCompactParams {
  readonly enable: boolean;
  readonly minFreeBytes: number;
  readonly runOnce: boolean;
}

function parse(body: Doc): AutoCompactParams {
  const p = parseShape("autoCompact", body, FIELDS, { skip: "autoCompact", alsoAccept: GENERIC_FIELDS });
  const enable = bool(body["autoCompact"], "autoCompact");
  return { enable, minFreeBytes: freeSpaceTargetBytes(p.freeSpaceTargetMB), runOnce: p.runOnce ?? false };
}

function run(ctx: RequestContext<AutoCompactParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "autoCompact may only be run against the admin database.");
  }
  const { enable, minFreeBytes, runOnce } = ctx.params;
  const changed = enable ? ctx.autoCompact.start({ minFreeBytes, runOnce }) : ctx.autoCompact.stop();
  if (!changed) {
    throw new CommandError("BadValue", `Background compaction is already ${enable ? "enabled" : "disabled"}`);
  }
  return { ok: 1 };
}

export const autoCompact = defineCommand<AutoCompactParams>({
  name: "autoCompact",
  help: "turns background compaction on or off: {autoCompact: <bool>, freeSpaceTargetMB, runOnce}",
  auth: "compact",
  parse,
  run,
});
