/**
 * testVersion2: mongod's test-only command of API Version "2" alone (test_api_version_2_commands.cpp),
 * which the versioned-api specs use to check apiStrict: with `apiVersion: "1", apiStrict: true` it is 323
 * APIStrictError ("… the command testVersion2 is not in API Version 1", commands/stable_api.ts); otherwise it
 * answers the API parameters it was sent (`apiVersion`, `apiStrict`, `apiDeprecationErrors`). Test-only
 * (exists only with enable_test_commands); needs a logged-in user and no privilege, as on mongod.
 */
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";

/** mongod's BasicCommand takes any body; nothing is read from it. */
export type TestVersion2Params = Readonly<Record<never, never>>;

function run(ctx: RequestContext<TestVersion2Params>): Doc {
  const g = ctx.generic;
  return {
    ...(g.apiVersion !== undefined ? { apiVersion: g.apiVersion } : {}),
    ...(g.apiStrict !== undefined ? { apiStrict: g.apiStrict } : {}),
    ...(g.apiDeprecationErrors !== undefined ? { apiDeprecationErrors: g.apiDeprecationErrors } : {}),
    ok: 1,
  };
}

export const testVersion2 = defineCommand<TestVersion2Params>({
  name: "testVersion2",
  help: "testing: a command of API Version 2 only (answers the API parameters sent)",
  auth: "authenticated",
  testOnly: true,
  parse: () => ({}),
  run,
});
