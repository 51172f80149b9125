import assert from "node:assert/strict";
import { checkApiParameters, checkApiStrictStage } from "./stable_api.ts";
import { thrownCommandError } from "../errors/assert_command_error.ts";
import { parseGenericArgs } from "./params/generic.ts";

const g = (extra: Record<string, unknown>) => parseGenericArgs({ ping: 1, ...extra });

Deno.test("stable API: version must be '1', flags need a version, strict refuses commands and stages outside V1", () => {
  checkApiParameters(g({}), "distinct");
  checkApiParameters(g({ apiVersion: "1" }), "distinct");
  checkApiParameters(g({ apiVersion: "1", apiStrict: true }), "find");
  assert.equal(thrownCommandError(() => checkApiParameters(g({ apiVersion: "2" }), "find")).code, 322);
  assert.equal(thrownCommandError(() => checkApiParameters(g({ apiStrict: true }), "find")).code, 4886600);
  const e = thrownCommandError(() => checkApiParameters(g({ apiVersion: "1", apiStrict: true }), "distinct"));
  assert.equal(e.codeName, "APIStrictError");
  assert.match(e.message, /command distinct is not in API Version 1/);
  assert.equal(
    thrownCommandError(() => checkApiStrictStage(g({ apiVersion: "1", apiStrict: true }), "$currentOp")).code,
    323,
  );
  checkApiStrictStage(g({ apiVersion: "1" }), "$currentOp");
  assert.equal(thrownCommandError(() => g({ apiVersion: 1 })).code, 14);
});

Deno.test("stable API: with requireApiVersion a command without apiVersion is 498870; one with it runs", () => {
  checkApiParameters(g({ apiVersion: "1" }), "ping", true);
  const e = thrownCommandError(() => checkApiParameters(g({}), "hello", true));
  assert.equal(e.code, 498870);
  assert.equal(
    e.message,
    "The apiVersion parameter is required, please configure your MongoClient's API version",
  );
  checkApiParameters(g({}), "hello", false);
});
