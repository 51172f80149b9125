import assert from "node:assert/strict";
import { Binary, Long, Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { checkClusterTime } from "./cluster_time.ts";

const hash = new Binary(new Uint8Array(20), 0);
const ts = new Timestamp({ t: 1, i: 1 });

function codeOf(v: unknown): number | undefined {
  try {
    checkClusterTime(v);
    return undefined;
  } catch (e) {
    return (e as CommandError).code;
  }
}

Deno.test("checkClusterTime accepts a well-formed, zero-signed cluster time", () => {
  checkClusterTime({ clusterTime: ts, signature: { hash, keyId: Long.fromNumber(0) } });
  checkClusterTime({ clusterTime: ts, signature: { hash, keyId: 0 } });
});

Deno.test("checkClusterTime refuses what mongod's vector clock refuses, with its codes", () => {
  assert.equal(codeOf(5), 10065);
  assert.equal(codeOf({ clusterTime: {} }), 14); // the Node driver suite's invalid time
  assert.equal(codeOf({ signature: { hash, keyId: 0 } }), 4);
  assert.equal(codeOf({ clusterTime: ts }), 4);
  assert.equal(codeOf({ clusterTime: ts, signature: "x" }), 14);
  assert.equal(codeOf({ clusterTime: ts, signature: { keyId: 0 } }), 4);
  assert.equal(
    codeOf({ clusterTime: ts, signature: { hash: new Binary(new Uint8Array(3), 0), keyId: 0 } }),
    12,
  );
  assert.equal(codeOf({ clusterTime: ts, signature: { hash } }), 4);
  assert.equal(codeOf({ clusterTime: ts, signature: { hash, keyId: "k" } }), 14);
  assert.throws(() => checkClusterTime({ clusterTime: {} }), /"clusterTime" had the wrong type/);
});
