import assert from "node:assert/strict";
import { Long, Timestamp } from "bson";
import { eventsOf, type Scope } from "./events.ts";
import { comparePoints, decodeToken, encodeToken } from "./token.ts";

const ts = new Timestamp({ t: 100, i: 3 });
const wall = new Date(100_000);
const coll: Scope = { kind: "collection", db: "d", coll: "c" };
const dbScope: Scope = { kind: "database", db: "d" };
const cluster: Scope = { kind: "cluster" };
const plain = { showExpandedEvents: false };
const expanded = { showExpandedEvents: true };

const types = (entry: Record<string, unknown>, scope: Scope, opts = plain) =>
  eventsOf({ ts, wall, ...entry }, scope, opts).map((e) => e.event["operationType"]);

Deno.test("CRUD entries become insert, update (with its description), replace and delete events", () => {
  const [ins] = eventsOf({ ts, wall, op: "i", ns: "d.c", o: { _id: 1, a: 1 }, o2: { _id: 1 } }, coll, plain);
  assert.deepEqual(ins!.event["fullDocument"], { _id: 1, a: 1 });
  assert.deepEqual(ins!.event["documentKey"], { _id: 1 });
  const [upd] = eventsOf(
    { ts, wall, op: "u", ns: "d.c", o: { $v: 2, diff: { u: { a: 2 }, d: { b: false } } }, o2: { _id: 1 } },
    coll,
    plain,
  );
  assert.deepEqual(upd!.event["updateDescription"], {
    updatedFields: { a: 2 },
    removedFields: ["b"],
    truncatedArrays: [],
  });
  assert.deepEqual(types({ op: "u", ns: "d.c", o: { _id: 1, x: 1 }, o2: { _id: 1 } }, coll), ["replace"]);
  assert.deepEqual(types({ op: "d", ns: "d.c", o: { _id: 1 } }, coll), ["delete"]);
  assert.deepEqual(types({ op: "i", ns: "d.other", o: { _id: 1 } }, coll), []);
});

Deno.test("a transaction's applyOps gives one event per op with lsid and txnNumber, in order", () => {
  const events = eventsOf(
    {
      ts,
      wall,
      op: "c",
      ns: "admin.$cmd",
      o: { applyOps: [{ op: "i", ns: "d.c", o: { _id: 1 } }, { op: "i", ns: "d.x", o: { _id: 2 } }] },
      lsid: { id: "s" },
      txnNumber: Long.fromInt(4),
    },
    dbScope,
    plain,
  );
  assert.deepEqual(events.map((e) => e.point.opIndex), [0, 1]);
  assert.deepEqual(events[1]!.event["lsid"], { id: "s" });
  assert.ok(comparePoints(events[0]!.point, events[1]!.point) < 0);
});

Deno.test("drop, rename and dropDatabase invalidate the streams they end", () => {
  assert.deepEqual(types({ op: "c", ns: "d.$cmd", o: { drop: "c" } }, coll), ["drop", "invalidate"]);
  assert.deepEqual(types({ op: "c", ns: "d.$cmd", o: { drop: "c" } }, dbScope), ["drop"]);
  assert.deepEqual(
    types({ op: "c", ns: "d.$cmd", o: { renameCollection: "d.c", to: "d.e" } }, coll),
    ["rename", "invalidate"],
  );
  assert.deepEqual(types({ op: "c", ns: "d.$cmd", o: { dropDatabase: 1 } }, dbScope), [
    "dropDatabase",
    "invalidate",
  ]);
  assert.deepEqual(types({ op: "c", ns: "d.$cmd", o: { dropDatabase: 1 } }, cluster), ["dropDatabase"]);
});

Deno.test("cluster streams skip admin/config/local and system collections; expanded events need the option", () => {
  assert.deepEqual(types({ op: "i", ns: "admin.x", o: { _id: 1 } }, cluster), []);
  assert.deepEqual(types({ op: "i", ns: "d.system.js", o: { _id: 1 } }, cluster), []);
  assert.deepEqual(types({ op: "c", ns: "d.$cmd", o: { create: "c" } }, coll), []);
  assert.deepEqual(types({ op: "c", ns: "d.$cmd", o: { create: "c" } }, coll, expanded), ["create"]);
  assert.deepEqual(
    types({ op: "c", ns: "d.$cmd", o: { createIndexes: "c", key: { a: 1 }, name: "a_1" } }, coll, expanded),
    ["createIndexes"],
  );
  const [view] = eventsOf(
    { ts, wall, op: "i", ns: "d.system.views", o: { _id: "d.v", viewOn: "c", pipeline: [] } },
    dbScope,
    expanded,
  );
  assert.deepEqual([view!.event["operationType"], view!.event["nsType"], view!.event["ns"]], [
    "create",
    "view",
    { db: "d", coll: "v" },
  ]);
});

Deno.test("resume tokens round-trip and malformed ones are refused", () => {
  const p = { ts, opIndex: 7, invalidate: true, highWater: false };
  assert.deepEqual(decodeToken(encodeToken(p)), p);
  for (const bad of [{}, { _data: 1 }, { _data: "zz" }, "x"]) {
    assert.throws(() => decodeToken(bad), (e: { code?: number }) => e.code === 9);
  }
});
