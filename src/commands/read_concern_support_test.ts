import assert from "node:assert/strict";
import { Timestamp } from "bson";
import { checkClusterTimeReached, checkReadConcernSupport } from "./read_concern_support.ts";
import { parseGenericArgs } from "./params/generic.ts";
import { thrownCommandError } from "../errors/assert_command_error.ts";

Deno.test("readConcern snapshot outside a transaction: reads only; atClusterTime only with snapshot", () => {
  checkReadConcernSupport("find", { level: "snapshot" }, false);
  checkReadConcernSupport("insert", { level: "majority" }, false);
  checkReadConcernSupport("insert", undefined, false);
  assert.equal(
    thrownCommandError(() => checkReadConcernSupport("insert", { level: "snapshot" }, false)).code,
    72,
  );
  assert.equal(
    thrownCommandError(() => checkReadConcernSupport("listIndexes", { level: "snapshot" }, false)).code,
    72,
  );
});

Deno.test("readConcern snapshot on a standalone: 123 NotAReplicaSet, after the 72 for a command without it", () => {
  checkReadConcernSupport("find", { level: "majority" }, true);
  const e = thrownCommandError(() => checkReadConcernSupport("find", { level: "snapshot" }, true));
  assert.equal(e.code, 123);
  assert.equal(e.message, "node needs to be a replica set member to use readConcern: snapshot");
  assert.equal(
    thrownCommandError(() => checkReadConcernSupport("insert", { level: "snapshot" }, true)).code,
    72,
  );
});

Deno.test("readConcern parsing: cluster times are timestamps, not null, atClusterTime only with snapshot", () => {
  const ts = new Timestamp({ t: 5, i: 1 });
  const rc = (readConcern: unknown) => () => parseGenericArgs({ find: "c", readConcern });
  assert.deepEqual(rc({ level: "snapshot", atClusterTime: ts })().readConcern, {
    level: "snapshot",
    atClusterTime: ts,
  });
  assert.equal(thrownCommandError(rc({ level: "majority", atClusterTime: ts })).code, 72);
  assert.equal(thrownCommandError(rc({ atClusterTime: ts })).code, 72);
  assert.equal(thrownCommandError(rc({ level: "snapshot", atClusterTime: "bad" })).code, 14);
  assert.equal(
    thrownCommandError(rc({ level: "snapshot", atClusterTime: new Timestamp({ t: 0, i: 0 }) })).code,
    72,
  );
  assert.equal(
    thrownCommandError(rc({ level: "snapshot", atClusterTime: new Timestamp({ t: 0, i: 1 }) })).code,
    72,
  );
  assert.equal(
    thrownCommandError(rc({ level: "snapshot", atClusterTime: ts, afterClusterTime: ts })).code,
    72,
  );
  assert.equal(thrownCommandError(rc({ level: "local", afterClusterTime: 3 })).code, 14);
});

Deno.test("a cluster time after the newest one issued is 72 InvalidOptions", () => {
  const now = new Timestamp({ t: 100, i: 3 });
  checkClusterTimeReached("atClusterTime", now, now);
  checkClusterTimeReached("atClusterTime", new Timestamp({ t: 99, i: 9 }), now);
  const e = thrownCommandError(() =>
    checkClusterTimeReached("atClusterTime", new Timestamp({ t: 100, i: 4 }), now)
  );
  assert.equal(e.code, 72);
  assert.match(e.message, /must not be greater than the current clusterTime/);
});
