/**
 * top: per-namespace usage totals since start-up (time in microseconds and count for total,
 * readLock, writeLock, queries, getmore, insert, update, remove, commands), in mongod's shape
 * `{totals: {note, <ns>: {...}}}`. Admin database only.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { parseShape } from "../params/schema.ts";
import { TOP_FIELDS } from "../../observability/top.ts";

function run(ctx: RequestContext<Record<string, never>>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "top may only be run against the admin database.");
  }
  const totals: Doc = { note: "all times in microseconds" };
  for (const [ns, e] of [...ctx.top.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    const row: Doc = {};
    for (const f of TOP_FIELDS) {
      row[f] = { time: Long.fromNumber(Math.round(e[f].time)), count: Long.fromNumber(e[f].count) };
    }
    totals[ns] = row;
  }
  return { totals, ok: 1 };
}

export const top = defineCommand<Record<string, never>>({
  name: "top",
  help: "usage totals (time, count) per namespace",
  auth: "top",
  parse: (body) => {
    parseShape("top", body, {}, { skip: "top", alsoAccept: GENERIC_FIELDS });
    return {};
  },
  run,
});
