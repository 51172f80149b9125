/**
 * configureFailPoint: sets a testing fail point (src/testing/fail_points.ts) —
 * `{configureFailPoint: <name>, mode: "alwaysOn"|"off"|{times}|{skip}|{activationProbability}, data}`.
 * Test-only (mongod's `.testOnly()`): without enableTestCommands it does not exist (59). Admin
 * database only, as on mongod. Replies with the fail point's times-entered count.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { doc, optional, type Parsed, parseShape, type Reader, required, str } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { type FailPointMode, parseFailPointMode } from "../../testing/fail_points.ts";

const mode: Reader<FailPointMode> = (v) => parseFailPointMode(v);

const FIELDS = {
  mode: required(mode),
  data: optional(doc),
} as const;

export type ConfigureFailPointParams = Parsed<typeof FIELDS> & { readonly name: string };

export function parseConfigureFailPoint(body: Doc): ConfigureFailPointParams {
  return {
    ...parseShape("configureFailPoint", body, FIELDS, {
      skip: "configureFailPoint",
      alsoAccept: GENERIC_FIELDS,
    }),
    name: str(body["configureFailPoint"], "configureFailPoint"),
  };
}

function run(ctx: RequestContext<ConfigureFailPointParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "configureFailPoint may only be run against the admin database.");
  }
  const p = ctx.params;
  return { count: ctx.failPoints.configure(p.name, p.mode, p.data ?? {}), ok: 1 };
}

export const configureFailPoint = defineCommand<ConfigureFailPointParams>({
  name: "configureFailPoint",
  help:
    "testing: {configureFailPoint: <name>, mode: 'alwaysOn'|'off'|{times}|{skip}|{activationProbability}, data: {...}}",
  auth: "configureFailPoint",
  testOnly: true,
  parse: parseConfigureFailPoint,
  run,
});
