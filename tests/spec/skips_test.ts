/** Unit tests for runOnRequirements evaluation and schema-version support. */
import assert from "node:assert/strict";
import {
  compareVersions,
  explicitSkip,
  parseVersion,
  requirementsUnmet,
  schemaUnsupported,
} from "./skips.ts";
import { causeOf } from "./triage.ts";

Deno.test("server versions compare numerically with missing parts as 0", () => {
  assert.equal(compareVersions(parseVersion("7.0"), [7, 0, 0]), 0);
  assert.equal(compareVersions(parseVersion("4.99"), [7, 0, 0]), -1);
  assert.equal(compareVersions(parseVersion("8.0.0"), [7, 0, 0]), 1);
});

Deno.test("runOnRequirements: any entry satisfied means run", () => {
  assert.equal(requirementsUnmet(undefined), null);
  assert.equal(requirementsUnmet([{ minServerVersion: "4.4" }]), null);
  assert.match(requirementsUnmet([{ minServerVersion: "99.0" }]) ?? "", /requires server >= 99.0/);
  assert.match(requirementsUnmet([{ maxServerVersion: "4.2.99" }]) ?? "", /<= 4.2.99/);
  assert.match(requirementsUnmet([{ topologies: ["sharded", "load-balanced"] }]) ?? "", /topology/);
  assert.equal(requirementsUnmet([{ topologies: ["sharded"] }, { topologies: ["replicaset"] }]), null);
  assert.equal(requirementsUnmet([{ serverless: "forbid" }]), null);
  assert.match(requirementsUnmet([{ serverless: "require" }]) ?? "", /serverless/);
  assert.match(requirementsUnmet([{ auth: true }]) ?? "", /auth/);
  assert.equal(requirementsUnmet([{ auth: false }]), null);
  // the auth pass: a server with auth meets auth: true and not auth: false
  assert.equal(requirementsUnmet([{ auth: true }], undefined, true), null);
  assert.match(requirementsUnmet([{ auth: false }], undefined, true) ?? "", /without auth/);
  assert.match(requirementsUnmet([{ csfle: true }]) ?? "", /csfle/);
  assert.match(
    requirementsUnmet([{ serverParameters: { enableTestCommands: true } }]) ?? "",
    /server parameters/,
  );
  assert.equal(
    requirementsUnmet([{ serverParameters: { enableTestCommands: true } }], { enableTestCommands: true }),
    null,
  );
});

Deno.test("schema versions 1.x up to 1.23 are interpreted", () => {
  assert.equal(schemaUnsupported("1.0"), null);
  assert.equal(schemaUnsupported("1.23"), null);
  assert.notEqual(schemaUnsupported("1.24"), null);
  assert.notEqual(schemaUnsupported("0.1"), null);
  assert.notEqual(schemaUnsupported("2.0"), null);
});

Deno.test("triage groups missing commands and NotImplemented causes", () => {
  assert.equal(
    causeOf(
      "operation 0 distinct on c: unexpected error MongoServerError: no such command: 'distinct' (code 59)",
    ),
    "command not implemented: distinct",
  );
  assert.equal(
    causeOf(
      "operation 1 find on c: unexpected error MongoServerError: $expr is not implemented yet in SecantusDB",
    ),
    "NotImplemented: $expr is not implemented yet in SecantusDB",
  );
});

Deno.test("explicit skips are keyed by file and test description", () => {
  assert.match(
    explicitSkip("bypassDocumentValidation", "BulkWrite passes bypassDocumentValidation: false") ?? "",
    /driver behaviour/,
  );
  assert.equal(
    explicitSkip("bypassDocumentValidation", "InsertOne passes bypassDocumentValidation: false"),
    null,
  );
});
