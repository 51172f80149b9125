/**
 * Issue 13 (running it in production), observability through npm:mongodb: serverStatus sections
 * (wiredTiger from WT statistics, connections, network, metrics), the profiler (levels, slowms,
 * filter, system.profile fields), top, validate (including an index that lost entries), fsync with
 * lock/fsyncUnlock holding writes back, setParameter/getParameter, replSetGetStatus, logRotate.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { serverTest } from "./helpers/embedded_server.ts";
import { startServer } from "../../mod.ts";
import { openWiredTiger } from "../../src/storage/mod.ts";

serverTest("serverStatus: wiredTiger, connections, network, opcounters, metrics", async (client) => {
  const db = client.db("ops");
  await db.collection("c").insertMany([{ a: 1 }, { a: 2 }]);
  await db.collection("c").find({}).toArray();
  const s = await db.admin().command({ serverStatus: 1 });
  assert.ok(s["uptime"] >= 0);
  assert.ok(
    s["connections"].current >= 1 && s["connections"].available > 0 && s["connections"].totalCreated >= 1,
  );
  assert.ok(Number(s["network"].bytesIn) > 0 && Number(s["network"].bytesOut) > 0);
  assert.ok(Number(s["network"].numRequests) > 0);
  assert.ok(s["opcounters"].insert >= 2 && s["opcounters"].query >= 1);
  assert.ok(typeof s["wiredTiger"].cache["bytes currently in the cache"] === "number");
  assert.ok(typeof s["wiredTiger"].cache["maximum bytes configured"] === "number");
  assert.ok(s["wiredTiger"].transaction !== undefined && s["wiredTiger"].connection !== undefined);
  assert.ok(Number(s["metrics"].document.inserted) >= 2 && Number(s["metrics"].document.returned) >= 2);
  assert.ok(s["mem"].resident > 0);
  assert.equal(s["transactions"].totalStarted !== undefined, true);
  const slim = await db.admin().command({ serverStatus: 1, wiredTiger: 0, metrics: 0 });
  assert.equal(slim["wiredTiger"], undefined);
  assert.equal(slim["metrics"], undefined);
  // memory: V8's heap always, glibc's heap (malloc) only when asked (it walks the free chunks)
  const v8 = s["secantus"].memory.v8;
  assert.ok(Number(v8.heapTotal) >= Number(v8.heapUsed) && Number(v8.heapUsed) > 0);
  assert.equal(s["malloc"], undefined);
  if (Deno.build.os === "linux") {
    const m = (await db.admin().command({ serverStatus: 1, malloc: 1 }))["malloc"];
    assert.ok(Number(m.inUseBytes) > 0 && Number(m.arenaBytes) > 0, JSON.stringify(m));
  }
});

serverTest(
  "serverStatus oplog sections: oplog (opt-in), oplogTruncation, repl.lastWrite, secantus.oplog",
  async (
    client,
  ) => {
    const admin = client.db("admin");
    await client.db("ops").collection("o").insertOne({ a: 1 });
    const plain = await admin.command({ serverStatus: 1 });
    assert.equal(plain["oplog"], undefined, "opt-in, as mongod's includeByDefault false");
    const s = await admin.command({ serverStatus: 1, oplog: 1 });
    const { latestOptime, earliestOptime } = s["oplog"];
    assert.equal(latestOptime._bsontype, "Timestamp");
    assert.ok(earliestOptime.compare(latestOptime) <= 0);
    assert.ok(s["repl"].lastWrite.opTime.ts.equals(latestOptime));
    assert.ok(s["repl"].lastWrite.lastWriteDate instanceof Date);
    assert.equal(s["repl"].electionId.toHexString(), "7fffffff0000000000000001");
    const t = s["oplogTruncation"];
    assert.equal(t.processingMethod, "scanning");
    assert.equal(t.oplogMinRetentionHours, 1);
    for (const k of ["totalTimeProcessingMicros", "totalTimeTruncatingMicros", "truncateCount"]) {
      assert.ok(typeof t[k] === "number" || t[k]?._bsontype === "Long", k);
    }
    assert.ok(Number(s["secantus"].oplog.entries) >= 2);
    assert.equal(s["secantus"].oplog.archive, null);
  },
);

serverTest(
  "profile: levels, slowms, filter; entries in system.profile with mongod's fields",
  async (client) => {
    const db = client.db("prof");
    const c = db.collection("c");
    await c.insertMany([{ a: 1 }, { a: 2 }, { a: 3 }]);
    await c.createIndex({ a: 1 });
    const was = await db.command({ profile: 2, slowms: 50 });
    assert.equal(was["was"], 0);
    assert.equal(was["slowms"], 100);
    await c.find({ a: 2 }).toArray();
    await c.find({ b: 1 }, { comment: "scan" }).toArray();
    const entries = await db.collection("system.profile").find({ op: "query" }).toArray();
    assert.equal(entries.length, 2);
    const [ix, scan] = entries;
    assert.equal(ix!["ns"], "prof.c");
    assert.equal(ix!["planSummary"], "IXSCAN { a: 1 }");
    assert.equal(ix!["keysExamined"], 1);
    assert.equal(ix!["docsExamined"], 1);
    assert.equal(ix!["nreturned"], 1);
    assert.ok(typeof ix!["millis"] === "number" && ix!["ts"] instanceof Date);
    assert.equal(ix!["command"].filter.a, 2);
    assert.ok(typeof ix!["client"] === "string");
    assert.equal(scan!["planSummary"], "COLLSCAN");
    assert.equal(scan!["docsExamined"], 3);
    // aggregate, count, distinct, update and delete name their plan and what they examined
    await c.aggregate([{ $match: { a: { $gte: 2 } } }, { $group: { _id: null, n: { $sum: 1 } } }]).toArray();
    await db.command({ count: "c", query: { a: 3 } });
    await c.distinct("a", { b: { $exists: false } });
    await c.updateOne({ a: 1 }, { $set: { u: 1 } });
    await c.deleteMany({ b: 9 });
    const by = async (filter: Record<string, unknown>) =>
      (await db.collection("system.profile").findOne(filter))!;
    const agg = await by({ "command.aggregate": "c" });
    assert.deepEqual(
      [agg["planSummary"], agg["keysExamined"], agg["docsExamined"], agg["nreturned"]],
      ["IXSCAN { a: 1 }", 2, 0, 1], // (a count of index entries: no document read, as mongod's covered plan)
    );
    const cnt = await by({ "command.count": "c" });
    assert.deepEqual([cnt["planSummary"], cnt["keysExamined"]], ["COUNT_SCAN { a: 1 }", 1]);
    const dis = await by({ "command.distinct": "c" });
    assert.deepEqual([dis["planSummary"], dis["docsExamined"]], ["COLLSCAN", 3]);
    assert.equal((await by({ op: "update" }))["planSummary"], "IXSCAN { a: 1 }");
    assert.equal((await by({ op: "remove" }))["planSummary"], "COLLSCAN");
    const opts = (await db.listCollections({ name: "system.profile" }).toArray())[0]!;
    assert.equal((opts as unknown as { options: { capped: boolean } }).options.capped, true);
    const read = await db.command({ profile: -1 });
    assert.equal(read["was"], 2);
    assert.equal(read["slowms"], 50);
    // A filter selects what level 1 profiles (slowms no longer matters).
    await db.collection("system.profile").drop();
    await db.command({ profile: 1, filter: { op: "query", "command.filter.a": 3 } });
    await c.find({ a: 1 }).toArray();
    await c.find({ a: 3 }).toArray();
    const filtered = await db.collection("system.profile").find({}).toArray();
    assert.equal(filtered.length, 1);
    assert.equal(filtered[0]!["command"].filter.a, 3);
    // A large insertMany: the profile entry's command is cut to 50 KB ($truncated, as mongod); the
    // slow-query log line shows the documents as their count (op_description_test.ts).
    await db.collection("system.profile").drop();
    await db.command({ profile: 2, slowms: 0, filter: "unset" });
    const big = Array.from({ length: 2000 }, (_, i) => ({ n: i, s: "x".repeat(100) }));
    await c.insertMany(big, { comment: "bulk" });
    const ins = await db.collection("system.profile").findOne({ op: "insert" });
    assert.equal(typeof ins!["command"]["$truncated"], "string");
    assert.ok(ins!["command"]["$truncated"].length <= 50 * 1024);
    assert.equal(ins!["command"]["comment"], "bulk");
    assert.equal(ins!["ninserted"], 2000);
    // Profiler writes are not replicated: nothing of system.profile in the oplog.
    const logged = await client.db("local").collection("oplog.rs").countDocuments({
      ns: "prof.system.profile",
    });
    assert.equal(logged, 0);
    await db.command({ profile: 0, slowms: 100, filter: "unset" });
    await assert.rejects(db.command({ profile: 5 }), { codeName: "BadValue" });
    await assert.rejects(db.command({ profile: 1, sampleRate: 2 }), { codeName: "BadValue" });
  },
);

serverTest("top, setParameter/getParameter, replSetGetStatus, logRotate", async (client) => {
  const admin = client.db("admin");
  await client.db("t").collection("c").insertOne({ x: 1 });
  await client.db("t").collection("c").findOne({ x: 1 });
  const top = await admin.command({ top: 1 });
  const row = top["totals"]["t.c"];
  assert.ok(Number(row.insert.count) >= 1 && Number(row.queries.count) >= 1 && Number(row.total.count) >= 2);
  await assert.rejects(client.db("t").command({ top: 1 }), { codeName: "Unauthorized" });

  const was = await admin.command({ setParameter: 1, transactionLifetimeLimitSeconds: 30 });
  assert.equal(was["was"], 60);
  const got = await admin.command({ getParameter: 1, transactionLifetimeLimitSeconds: 1 });
  assert.equal(got["transactionLifetimeLimitSeconds"], 30);
  await admin.command({ setParameter: 1, cursorTimeoutMillis: 1234 });
  assert.equal(
    (await admin.command({ getParameter: 1, cursorTimeoutMillis: 1 }))["cursorTimeoutMillis"],
    1234,
  );
  await assert.rejects(admin.command({ setParameter: 1, noSuchParameter: 1 }), {
    codeName: "InvalidOptions",
  });
  await assert.rejects(admin.command({ setParameter: 1, maxBSONDepth: 10 }), { codeName: "InvalidOptions" });

  const rs = await admin.command({ replSetGetStatus: 1 });
  assert.equal(rs["set"], "secantus");
  assert.equal(rs["myState"], 1);
  assert.equal(rs["members"].length, 1);
  assert.equal(rs["members"][0].stateStr, "PRIMARY");
  assert.equal(rs["members"][0].self, true);
  assert.equal((await admin.command({ logRotate: 1 }))["ok"], 1);
});

serverTest("fsync: checkpoint; lock holds writes back until fsyncUnlock, reads go on", async (client) => {
  const admin = client.db("admin");
  const c = client.db("f").collection<{ _id: number }>("c");
  await c.insertOne({ _id: 1 });
  assert.equal((await admin.command({ fsync: 1 }))["ok"], 1);
  const locked = await admin.command({ fsync: 1, lock: true });
  assert.equal(locked["lockCount"], 1);
  let written = false;
  const write = c.insertOne({ _id: 2 }).then(() => written = true);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(written, false);
  assert.equal(await c.countDocuments({ _id: 1 }), 1); // reads go on
  await assert.rejects(c.insertOne({ _id: 3 }, { maxTimeMS: 200 }), { codeName: "MaxTimeMSExpired" });
  const unlocked = await admin.command({ fsyncUnlock: 1 });
  assert.equal(unlocked["lockCount"], 0);
  await write;
  assert.equal(written, true);
  await assert.rejects(admin.command({ fsyncUnlock: 1 }), { codeName: "CommandFailed" });
});

Deno.test({
  name: "validate: a clean collection is valid; an index that lost entries is reported",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-validate-" });
    try {
      let server = await startServer({ port: 0, storagePath: dir, logLevel: "WARNING" });
      let client = new MongoClient(server.uri);
      const c = client.db("v").collection<{ _id: number; a: number }>("c");
      await c.insertMany([{ _id: 1, a: 1 }, { _id: 2, a: 2 }]);
      await c.createIndex({ a: 1 });
      const ok = await client.db("v").command({ validate: "c" });
      assert.equal(ok["valid"], true);
      assert.equal(ok["nrecords"], 2);
      assert.deepEqual(ok["keysPerIndex"], { _id_: 2, a_1: 2 });
      await assert.rejects(client.db("v").command({ validate: "nope" }), { codeName: "NamespaceNotFound" });
      await client.close();
      await server.stop();

      // Store a record behind the indexes' back (no index keys), as a corruption would leave it.
      const storage = openWiredTiger({
        path: dir,
        cacheSizeBytes: 64 << 20,
        sessionMax: 20,
        syncOnCommit: false,
      });
      const coll = storage.catalog.getCollection("v", "c")!;
      const { serialize } = await import("bson");
      storage.write((txn) => txn.insert(coll, serialize({ _id: 3, a: 3 }), new Map()));
      storage.close();

      server = await startServer({ port: 0, storagePath: dir, logLevel: "WARNING" });
      client = new MongoClient(server.uri);
      const bad = await client.db("v").command({ validate: "c", full: true });
      assert.equal(bad["valid"], false);
      assert.equal(bad["nrecords"], 3);
      assert.equal(bad["missingIndexEntries"].length, 2); // _id_ and a_1
      assert.deepEqual(bad["indexDetails"]["a_1"], { valid: false });
      assert.ok(bad["errors"].length > 0);
      await client.close();
      await server.stop();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "Prometheus /metrics: text exposition with connections, opcounters, latency histograms, cache, backup age",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-metrics-" });
    const { defaultConfig } = await import("../../src/config/mod.ts");
    const base = defaultConfig();
    const server = await startServer({
      config: {
        ...base,
        metrics: { listen: "127.0.0.1:0" },
        oplog: { ...base.oplog, archiveDir: `${dir}/oplog-archive`, archiveIntervalSeconds: 0.1 },
      },
      port: 0,
      storagePath: `${dir}/data`,
      logLevel: "WARNING",
    });
    const client = new MongoClient(server.uri);
    try {
      assert.ok(server.metricsPort !== undefined && server.metricsPort > 0);
      await client.db("m").collection("c").insertMany([{ a: 1 }, { a: 2 }]);
      await client.db("m").collection("c").find({}).toArray();
      await client.db("admin").command({ "secantusAdmin.backupArchive": 1, outputPath: `${dir}/b.tar.gz` });
      await new Promise((r) => setTimeout(r, 300)); // the archive appends every 0.1 s
      const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/plain; version=0\.0\.4/);
      const text = await res.text();
      for (
        const re of [
          /^# TYPE secantusdb_connections gauge$/m,
          /^secantusdb_connections\{state="current"\} [1-9]/m,
          /^secantusdb_opcounters_total\{type="insert"\} 2$/m,
          /^secantusdb_command_duration_seconds_bucket\{kind="query",le="\+Inf"\} [1-9]/m,
          /^secantusdb_command_duration_seconds_count\{kind="insert"\} 1$/m,
          /^secantusdb_wiredtiger_cache_bytes \d+$/m,
          /^secantusdb_backup_age_seconds \d/m,
          /^secantusdb_backup_last_size_bytes [1-9]/m,
          /^secantusdb_documents_total\{state="inserted"\} 2$/m,
          /^secantusdb_oplog_entries [1-9]/m,
          /^secantusdb_oplog_window_seconds \d/m,
          /^secantusdb_oplog_archive_lag_seconds \d/m,
          /^secantusdb_oplog_archived_entries_total [1-9]/m,
          /^secantusdb_oplog_archive_failures_total 0$/m,
        ]
      ) assert.match(text, re);
      assert.equal(
        await fetch(`http://127.0.0.1:${server.metricsPort}/other`).then(async (r) => {
          await r.body?.cancel();
          return r.status;
        }),
        404,
      );
    } finally {
      await client.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
