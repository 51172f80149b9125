/**
 * A scripted mongosh session (npm `mongosh`, installed by `scripts/setup.sh test`) against the server:
 * connect, insert, query, update, delete, count, drop — the newcomer's first contact — plus
 * db.currentOp() / db.killOp().
 */
import assert from "node:assert/strict";
import { spawnServer } from "./helpers/server_process.ts";
import { MONGOSH, runMongosh } from "./helpers/mongosh.ts";

Deno.test({
  name: "mongosh --eval session",
  ignore: MONGOSH === undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await spawnServer();
    try {
      const script = `
        const t = db.getSiblingDB("shell").items;
        t.insertOne({ _id: 1, name: "pen", qty: 5 });
        t.insertMany([{ _id: 2, name: "ink", qty: 0 }, { _id: 3, name: "pad", qty: 12 }]);
        t.updateOne({ _id: 2 }, { $inc: { qty: 7 } });
        t.deleteOne({ _id: 1 });
        const rows = t.find({ qty: { $gt: 1 } }).sort({ _id: 1 }).toArray();
        print("ROWS " + JSON.stringify(rows));
        print("COUNT " + t.countDocuments());
        print("DROP " + t.drop());
        print("PING " + db.runCommand({ ping: 1 }).ok);
        const ops = db.currentOp();
        print("CURRENTOP " + ops.ok + " " + ops.inprog.some((o) => o.command && o.command.aggregate === 1));
        print("KILLOP " + db.killOp(987654).ok);
      `;
      const stdout = await runMongosh(server.uri, script);
      assert.match(stdout, /ROWS \[\{"_id":2,"name":"ink","qty":7\},\{"_id":3,"name":"pad","qty":12\}\]/);
      assert.match(stdout, /COUNT 2/);
      assert.match(stdout, /DROP true/);
      assert.match(stdout, /PING 1/);
      assert.match(stdout, /CURRENTOP 1 true/); // db.currentOp() lists its own $currentOp aggregate
      assert.match(stdout, /KILLOP 1/);
    } finally {
      await server.stop();
    }
  },
});

if (MONGOSH === undefined) {
  console.log("mongosh_test: skipped — mongosh is not on PATH (scripts/setup.sh test installs it)");
}

Deno.test({
  name: "mongosh session.startTransaction(): abort discards, commit publishes",
  ignore: MONGOSH === undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await spawnServer();
    try {
      const script = `
        const t = db.getSiblingDB("shell").acct;
        t.insertOne({ _id: 1, bal: 10 });
        const s = db.getMongo().startSession();
        const st = s.getDatabase("shell").acct;
        s.startTransaction();
        st.insertOne({ _id: 2, bal: 0 });
        print("INSIDE " + st.countDocuments({}) + " OUTSIDE " + t.countDocuments({}));
        s.abortTransaction();
        print("ABORTED " + t.countDocuments({}));
        s.startTransaction();
        st.updateOne({ _id: 1 }, { $inc: { bal: -4 } });
        st.insertOne({ _id: 2, bal: 4 });
        s.commitTransaction();
        s.endSession();
        print("SUM " + t.aggregate([{ $group: { _id: null, s: { $sum: "$bal" } } }]).toArray()[0].s + " N " + t.countDocuments({}));
      `;
      const stdout = await runMongosh(server.uri, script);
      assert.match(stdout, /INSIDE 2 OUTSIDE 1/);
      assert.match(stdout, /ABORTED 1/);
      assert.match(stdout, /SUM 10 N 2/);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "mongosh db.createView, renameCollection, collMod validator, db.coll.stats(), db.getReplicationInfo()",
  ignore: MONGOSH === undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await spawnServer();
    try {
      const script = `
        const d = db.getSiblingDB("shellviews");
        d.people.insertMany([{ _id: 1, age: 30 }, { _id: 2, age: 12 }]);
        d.createView("adults", "people", [{ $match: { age: { $gte: 18 } } }]);
        print("VIEW " + JSON.stringify(d.adults.find().toArray()) + " " + d.adults.countDocuments());
        print("INFO " + d.getCollectionInfos({ name: "adults" })[0].type);
        d.people.renameCollection("persons");
        print("RENAMED " + d.persons.countDocuments() + " " + d.getCollectionNames().includes("people"));
        print("COLLMOD " + d.runCommand({ collMod: "persons", validator: { age: { $type: "number" } } }).ok);
        try { d.persons.insertOne({ _id: 3, age: "x" }); print("INSERTED"); }
        catch (e) { print("REFUSED " + e.code + " " + JSON.stringify(e.errInfo.details.operatorName)); }
        const st = d.persons.stats();
        print("STATS " + st.ns + " " + st.count + " " + st.nindexes + " " + (st.size > 0) + " " + st.capped);
        d.createCollection("capped1", { capped: true, size: 4096, max: 10 });
        const cs = d.capped1.stats({ scale: 1024 });
        print("CAPPEDSTATS " + cs.capped + " " + cs.max + " " + cs.maxSize + " " + cs.scaleFactor);
        const ri = db.getReplicationInfo();
        print("REPLINFO " + (ri.logSizeMB > 0) + " " + (ri.usedMB >= 0) + " " + (ri.timeDiff >= 0) + " " + ri.errmsg);
        print("OPLOGSTATUS " + (db.serverStatus({ oplog: 1 }).oplog.latestOptime.t > 0));
      `;
      const stdout = await runMongosh(server.uri, script);
      assert.match(stdout, /VIEW \[\{"_id":1,"age":30\}\] 1/);
      assert.match(stdout, /INFO view/);
      assert.match(stdout, /RENAMED 2 false/);
      assert.match(stdout, /COLLMOD 1/);
      assert.match(stdout, /REFUSED 121 "\$type"/);
      // db.coll.stats() runs $collStats {storageStats} (mongosh 2.x)
      assert.match(stdout, /STATS shellviews\.persons 2 1 true false/);
      assert.match(stdout, /CAPPEDSTATS true 10 4 1024/);
      // rs.printReplicationInfo()'s source: the oplog's $collStats and its first/last entries.
      assert.match(stdout, /REPLINFO true true true undefined/);
      assert.match(stdout, /OPLOGSTATUS true/);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "mongosh watch(): change events with tryNext, resumeAfter",
  ignore: MONGOSH === undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await spawnServer();
    try {
      const script = `
        const t = db.getSiblingDB("shellwatch").feed;
        t.insertOne({ _id: 0 });
        const only = [{ $match: { operationType: { $in: ["insert", "update"] } } }];
        const cs = t.watch(only);
        t.insertOne({ _id: 1, n: 1 });
        t.updateOne({ _id: 1 }, { $set: { n: 2 } });
        t.deleteOne({ _id: 1 });
        const seen = [];
        for (let i = 0; i < 50 && seen.length < 2; i++) {
          const ev = cs.tryNext();
          if (ev) seen.push(ev.operationType + ":" + ev.documentKey._id);
        }
        print("EVENTS " + seen.join(","));
        const token = cs.getResumeToken();
        cs.close();
        t.insertOne({ _id: 2 });
        const again = t.watch(only, { resumeAfter: token }); // the delete is filtered out again
        let next = null;
        for (let i = 0; i < 50 && !next; i++) next = again.tryNext();
        print("RESUMED " + next.operationType + ":" + next.documentKey._id);
      `;
      const stdout = await runMongosh(server.uri, script);
      assert.match(stdout, /EVENTS insert:1,update:1/);
      assert.match(stdout, /RESUMED insert:2/);
    } finally {
      await server.stop();
    }
  },
});
