import assert from "node:assert/strict";
import type { CollectionEntry } from "../storage/api.ts";
import {
  indexUsage,
  recordIndexAccess,
  recordPlanAccess,
  resetIndexUsage,
  setIndexUsageClock,
} from "./index_usage.ts";

function coll(ident: string): CollectionEntry {
  return {
    db: "d",
    name: "c",
    uuid: Uint8Array.of(1, 2, 3),
    options: {},
    ident: "c",
    indexes: [
      { name: "_id_", spec: { key: { _id: 1 } }, unique: true, ident: "i0" },
      { name: "a_1", spec: { key: { a: 1 } }, unique: false, ident },
    ],
  };
}

Deno.test("index usage: counts per index, resets on reset and on a new ident", () => {
  let t = 1000;
  setIndexUsageClock(() => new Date(t));
  const c = coll("i1");
  assert.deepEqual(indexUsage(c, "a_1"), { ops: 0, since: new Date(1000) });
  recordIndexAccess(c, "a_1");
  recordPlanAccess(c, { kind: "idLookup", id: 1 });
  recordPlanAccess(c, { kind: "collScan", reverse: false });
  recordIndexAccess(c, "missing");
  assert.equal(indexUsage(c, "a_1").ops, 1);
  assert.equal(indexUsage(c, "_id_").ops, 1);
  t = 2000;
  resetIndexUsage(c, "a_1");
  assert.deepEqual(indexUsage(c, "a_1"), { ops: 0, since: new Date(2000) });
  recordIndexAccess(c, "a_1");
  t = 3000;
  assert.deepEqual(indexUsage(coll("i2"), "a_1"), { ops: 0, since: new Date(3000) });
  setIndexUsageClock(() => new Date());
});
