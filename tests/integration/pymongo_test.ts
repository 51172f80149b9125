/**
 * A second-language client: Debian's python3-pymongo (installed by `scripts/setup.sh test`) runs a
 * small CRUD script against the server. Python floats are BSON doubles, so this also checks that
 * 2.0 comes back as a float, not an int.
 */
import assert from "node:assert/strict";
import { startServer } from "../../mod.ts";
import { HAS_PYMONGO, runPython } from "./helpers/python.ts";

const AVAILABLE = HAS_PYMONGO;
if (!AVAILABLE) console.log("pymongo_test: skipped — /usr/bin/python3 with pymongo is not installed");

/** A test that runs a pymongo `script` against a fresh in-memory server and checks its JSON output. */
// deno-lint-ignore no-explicit-any
function pyTest(name: string, script: string, check: (r: any) => void): void {
  Deno.test({
    name,
    ignore: !AVAILABLE,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
      try {
        check(await runPython(script, server.uri));
      } finally {
        await server.stop();
      }
    },
  });
}

const SCRIPT = `
import sys, json
from pymongo import MongoClient
c = MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)
t = c.py.items
t.drop()
t.insert_one({"_id": 1, "price": 2.0, "qty": 3, "tags": ["a"]})
t.insert_many([{"_id": 2, "price": 4.5, "qty": 1}, {"_id": 3, "price": 1.0, "qty": 7}])
t.update_one({"_id": 1}, {"$set": {"name": "pen"}, "$inc": {"qty": 2}})
t.delete_one({"_id": 2})
rows = list(t.find({"qty": {"$gt": 1}}).sort("_id", 1))
print(json.dumps({
  "rows": rows,
  "price_type": type(rows[0]["price"]).__name__,
  "count": t.count_documents({}),
  "agg": list(t.aggregate([{"$group": {"_id": None, "total": {"$sum": "$qty"}}}])),
}))
`;

pyTest("pymongo CRUD session", SCRIPT, (r) => {
  assert.deepEqual(r.rows, [
    { _id: 1, price: 2.0, qty: 5, tags: ["a"], name: "pen" },
    { _id: 3, price: 1.0, qty: 7 },
  ]);
  assert.equal(r.price_type, "float");
  assert.equal(r.count, 2);
  assert.deepEqual(r.agg, [{ _id: null, total: 12 }]);
});

const TXN_SCRIPT = `
import sys, json
from pymongo import MongoClient
c = MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)
t = c.py.acct
t.drop()
t.insert_one({"_id": 1, "bal": 10})
out = {}
with c.start_session() as s:
    try:
        with s.start_transaction():
            t.insert_one({"_id": 2, "bal": 0}, session=s)
            out["inside"] = t.count_documents({}, session=s)
            out["outside"] = t.count_documents({})
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    out["after_abort"] = t.count_documents({})
    with s.start_transaction():
        t.update_one({"_id": 1}, {"$inc": {"bal": -4}}, session=s)
        t.insert_one({"_id": 2, "bal": 4}, session=s)
out["docs"] = list(t.find().sort("_id", 1))
print(json.dumps(out))
`;

pyTest("pymongo with client.start_session() as s: with s.start_transaction()", TXN_SCRIPT, (r) => {
  assert.equal(r.inside, 2);
  assert.equal(r.outside, 1);
  assert.equal(r.after_abort, 1);
  assert.deepEqual(r.docs, [{ _id: 1, bal: 6 }, { _id: 2, bal: 4 }]);
});

const WATCH_SCRIPT = `
import sys, json
from pymongo import MongoClient
c = MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)
t = c.py.feed
t.drop()
out = {"events": []}
with t.watch(full_document="updateLookup", max_await_time_ms=500) as stream:
    t.insert_one({"_id": 1, "n": 1})
    t.update_one({"_id": 1}, {"$inc": {"n": 1}})
    t.delete_one({"_id": 1})
    for _ in range(3):
        ev = stream.next()
        out["events"].append({
            "op": ev["operationType"],
            "key": ev["documentKey"],
            "full": ev.get("fullDocument"),
            "updated": ev.get("updateDescription", {}).get("updatedFields"),
        })
    token = stream.resume_token
t.insert_one({"_id": 2})
with t.watch(resume_after=token, max_await_time_ms=500) as resumed:
    out["resumed"] = resumed.next()["documentKey"]
print(json.dumps(out))
`;

pyTest("pymongo change streams: watch with updateLookup, resume_after", WATCH_SCRIPT, (r) => {
  assert.deepEqual(r.events, [
    { op: "insert", key: { _id: 1 }, full: { _id: 1, n: 1 }, updated: null },
    { op: "update", key: { _id: 1 }, full: null, updated: { n: 2 } },
    { op: "delete", key: { _id: 1 }, full: null, updated: null },
  ]);
  assert.deepEqual(r.resumed, { _id: 2 });
});

const WRITES_SCRIPT = `
import sys, json
from pymongo import MongoClient
c = MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)
t = c.py.w
t.drop()
t.create_index("k")
for i in range(300):
    t.insert_one({"_id": i, "k": i % 5, "n": 0, "s": "x" * (i % 7)})
for i in range(0, 300, 2):
    t.update_one({"_id": i}, {"$inc": {"n": 2}})
for i in range(0, 300, 3):
    t.delete_one({"_id": i})
io = c.admin.command("serverStatus")["secantus"]["ioThread"]
print(json.dumps({
  "count": t.count_documents({}),
  "k3": t.count_documents({"k": 3}),
  "n": sum(d["n"] for d in t.find()),
  "valid": c.py.command("validate", "w", full=True)["valid"],
  "io": {k: int(v) for k, v in io.items()},
}))
`;

pyTest("pymongo's writes (document sequences) are answered by the I/O thread", WRITES_SCRIPT, (r) => {
  assert.equal(r.count, 200);
  assert.equal(r.k3, 40);
  assert.equal(r.n, 2 * 100); // (150 updated, a third of them deleted afterwards)
  assert.equal(r.valid, true);
  assert.ok(r.io.inserts > 250, JSON.stringify(r.io));
  assert.ok(r.io.updates > 120, JSON.stringify(r.io));
  assert.ok(r.io.deletes > 80, JSON.stringify(r.io));
});
