/**
 * profile: reads and sets the profiler (`{profile: -1}` reads; 0 off, 1 slow operations, 2 all) with
 * `slowms`, `sampleRate` and a `filter` (a query on the profile entry; "unset" removes it). The reply
 * is the settings before the change (`was`, `slowms`, `sampleRate`, `filter`), as mongod answers.
 * Entries go to the capped `<db>.system.profile` (see ../profiling.ts); slowms and sampleRate are
 * server-wide and also decide which operations are logged as slow.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { any, int, num, optional, parseShape } from "../params/schema.ts";
import { compileFilter } from "../../engine/mod.ts";
import type { ProfileChange, ProfileFilter, ProfileLevel } from "../../observability/profiler.ts";
import { isNumeric, isPlainDoc, toNumber } from "../../bson/type_name.ts";

const FIELDS = { slowms: optional(int), sampleRate: optional(num), filter: optional(any) } as const;

export interface ProfileParams {
  /** -1 = only read the settings. */
  readonly level: -1 | ProfileLevel;
  readonly change: ProfileChange;
}

function parse(body: Doc): ProfileParams {
  const raw = body["profile"];
  const level = isNumeric(raw) ? toNumber(raw) : NaN;
  if (![-1, 0, 1, 2].includes(level)) {
    throw new CommandError("BadValue", `Invalid profiling level: ${String(raw)}`);
  }
  const p = parseShape("profile", body, FIELDS, { skip: "profile", alsoAccept: GENERIC_FIELDS });
  if (p.sampleRate !== undefined && !(p.sampleRate >= 0 && p.sampleRate <= 1)) {
    throw new CommandError("BadValue", "'sampleRate' must be between 0.0 and 1.0 inclusive");
  }
  let filter: ProfileFilter | "unset" | undefined;
  if (p.filter === "unset") filter = "unset";
  else if (isPlainDoc(p.filter)) {
    const compiled = compileFilter(p.filter); // refuses a bad filter now, with the query engine's error
    const matches = (entry: Doc) => {
      try {
        return compiled.matches(entry);
      } catch {
        return false; // an entry the filter cannot evaluate is not profiled
      }
    };
    filter = { doc: p.filter, matches };
  } else if (p.filter !== undefined) {
    throw new CommandError("BadValue", "the profile filter must be an object or the string 'unset'");
  }
  const change: ProfileChange = {
    ...(level >= 0 ? { level: level as ProfileLevel } : {}),
    ...(p.slowms !== undefined ? { slowms: p.slowms } : {}),
    ...(p.sampleRate !== undefined ? { sampleRate: p.sampleRate } : {}),
    ...(filter !== undefined ? { filter } : {}),
  };
  return { level: level as -1 | ProfileLevel, change };
}

function run(ctx: RequestContext<ProfileParams>): Doc {
  const before = ctx.profiler.set(ctx.db, ctx.params.change);
  if (ctx.params.change.level !== undefined || ctx.params.change.slowms !== undefined) {
    const now = ctx.profiler.settings(ctx.db);
    ctx.log.info(`profile ${ctx.db}: level ${now.level}, slowms ${now.slowms}, sampleRate ${now.sampleRate}`);
  }
  const reply: Doc = { was: before.level, slowms: before.slowms, sampleRate: before.sampleRate };
  if (before.filter !== undefined) reply["filter"] = before.filter;
  if (ctx.params.change.filter !== undefined) {
    reply["note"] =
      "When a filter expression is set, slowms and sampleRate are not used for profiling and slow-query log lines.";
  }
  reply["ok"] = 1;
  return reply;
}

export const profile = defineCommand<ProfileParams>({
  name: "profile",
  help: "profiler level (0/1/2, -1 reads), slowms, sampleRate, filter",
  auth: "enableProfiler",
  parse,
  run,
});
