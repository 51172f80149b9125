import assert from "node:assert/strict";
import { addressOf, meetsRestrictions, restrictionsError } from "./restrictions.ts";

Deno.test("restrictionsError: documents of clientSource/serverAddress arrays of IPs or CIDRs", () => {
  assert.equal(
    restrictionsError([{ clientSource: ["10.0.0.0/8", "::1"], serverAddress: ["127.0.0.1"] }]),
    undefined,
  );
  assert.equal(restrictionsError([]), undefined);
  assert.match(restrictionsError("x")!, /array/);
  assert.match(restrictionsError([{ other: [] }])!, /Unknown restriction field 'other'/);
  assert.match(restrictionsError([{ clientSource: "10.0.0.1" }])!, /must be an array/);
  assert.match(restrictionsError([{ clientSource: ["nope"] }])!, /not a valid IP/);
});

Deno.test("meetsRestrictions: any document; every field of a document; IPv4-mapped peers", () => {
  const loop = addressOf("127.0.0.1:5000");
  const srv = addressOf("127.0.0.1:27017");
  assert.equal(meetsRestrictions(undefined, loop, srv), true);
  assert.equal(meetsRestrictions([{ clientSource: ["127.0.0.0/8"] }], loop, srv), true);
  assert.equal(meetsRestrictions([{ clientSource: ["10.0.0.0/8"] }], loop, srv), false);
  assert.equal(
    meetsRestrictions([{ clientSource: ["10.0.0.0/8"] }, { clientSource: ["127.0.0.1"] }], loop, srv),
    true,
  );
  assert.equal(
    meetsRestrictions([{ clientSource: ["127.0.0.1"], serverAddress: ["10.1.1.1"] }], loop, srv),
    false,
  );
  assert.equal(
    meetsRestrictions([{ clientSource: ["127.0.0.1"] }], addressOf("[::ffff:127.0.0.1]:9"), srv),
    true,
  );
  assert.equal(meetsRestrictions([{ clientSource: ["::1"] }], addressOf("[::1]:9"), srv), true);
  assert.equal(meetsRestrictions([{ clientSource: ["::1"] }], null, srv), false);
});
