/**
 * Issue 13, point-in-time recovery drill on real processes: a server keeping an oplog archive
 * (`--oplog-archive-dir`, flushed every 0.2 s), a native backup, more writes of every kind (inserts,
 * `$v: 2` updates, replacements, deletes, a transaction, DDL), then the host is lost (`kill -9`).
 * `secantusdb restore-archive --oplog-archive … --to-time` brings back exactly the data as it was at a
 * moment between the backup and the crash, `--to-ts` at an operation's timestamp, and `latest`
 * everything acknowledged up to a fraction of a second before the crash (the RPO). Also the refusals:
 * a target before the backup, an archive that does not reach back to the backup, a gap. The running
 * server does the same through `secantusAdmin.restoreArchive {toTs | toTime}` over its own archive.
 */
import assert from "node:assert/strict";
import { BSON, MongoClient, type Timestamp } from "mongodb";
import { runCli, type ServerProcess, spawnServer } from "./helpers/server_process.ts";
import { code } from "./helpers/error_code.ts";

type D = {
  _id: number | string;
  qty?: number;
  tags?: string[];
  replaced?: boolean;
  phase?: string;
  late?: boolean;
  total?: number;
  name?: string;
};
type Snapshot = Record<string, { indexes: unknown[]; docs: unknown[] }>;

async function snapshot(uri: string): Promise<Snapshot> {
  const client = new MongoClient(uri);
  try {
    const out: Snapshot = {};
    for (const { name: dbName } of (await client.db("admin").admin().listDatabases()).databases) {
      if (dbName === "admin" || dbName === "local" || dbName === "config") continue;
      const db = client.db(dbName);
      for (const info of await db.listCollections().toArray()) {
        const c = db.collection(info.name);
        out[`${dbName}.${info.name}`] = {
          indexes: (await c.listIndexes().toArray()).map((i) => i["name"]).sort(),
          docs: await c.find({}).sort({ _id: 1 }).toArray(),
        };
      }
    }
    return out;
  } finally {
    await client.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function snapshotDir(work: string, dir: string): Promise<Snapshot> {
  let server: ServerProcess | undefined;
  try {
    server = await spawnServer({ dataDir: dir, ownDataDir: true, cwd: work });
    return await snapshot(server.uri);
  } finally {
    await server?.stop();
  }
}

async function restoreAndSnapshot(
  work: string,
  name: string,
  args: string[],
): Promise<{ snap: Snapshot; stdout: string }> {
  const target = `${work}/${name}`;
  const r = await runCli(
    ["restore-archive", "--archive", `${work}/base.tar.gz`, "--target-dir", target, ...args],
    { timeoutMs: 90_000 },
  );
  assert.equal(r.code, 0, `${name}: ${r.stderr}\n${r.stdout}`);
  let server: ServerProcess | undefined;
  try {
    server = await spawnServer({ dataDir: target, ownDataDir: true, cwd: work });
    return { snap: await snapshot(server.uri), stdout: r.stdout };
  } finally {
    await server?.stop();
  }
}

Deno.test({
  name: "PITR drill: backup, more writes, kill -9; restore to a time, to a timestamp and to the end",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-pitr-" });
    const archiveDir = `${work}/oplog-archive`;
    const server = await spawnServer({
      dataDir: `${work}/data`,
      ownDataDir: true,
      cwd: work,
      args: ["--oplog-archive-dir", archiveDir, "--oplog-archive-interval-seconds", "0.2"],
    });
    const client = new MongoClient(server.uri);
    let killed = false;
    try {
      const shop = client.db("shop");
      const items = shop.collection<D>("items");
      await items.insertMany(Array.from({ length: 200 }, (_, i) => ({ _id: i, qty: i % 10, tags: ["a"] })));
      await items.createIndex({ qty: 1 });
      await shop.collection<D>("orders").insertOne({ _id: "o1", total: 5 });

      const backup = await client.db("admin").command({
        "secantusAdmin.backupArchive": 1,
        outputPath: `${work}/base.tar.gz`,
      });
      assert.equal(backup["ok"], 1);

      // Phase B: after the backup.
      await items.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: 1000 + i, qty: 1 })));
      await items.updateOne({ _id: 1 }, { $set: { qty: 99, "nested.x": 1 }, $push: { tags: "b" } });
      await items.replaceOne({ _id: 2 }, { replaced: true });
      await items.deleteMany({ _id: { $in: [3, 4, 5] } });
      await items.createIndex({ tags: 1 });
      const session = client.startSession();
      try {
        await session.withTransaction(async () => {
          await shop.collection<D>("orders").insertOne({ _id: "o2", total: 7 }, { session });
          await items.updateOne({ _id: 6 }, { $inc: { qty: 1000 } }, { session });
        });
      } finally {
        await session.endSession();
      }
      await client.db("crm").collection<D>("people").insertOne({ _id: 1, name: "ada" });
      const atB = await snapshot(server.uri);
      await sleep(1100); // wall clocks of phase C are later than tB; tB is on a different second
      const tB = new Date();
      await sleep(1100);

      // Phase C: one write, its operationTime is the --to-ts target.
      const s2 = client.startSession({ causalConsistency: true });
      await items.updateOne({ _id: 7 }, { $set: { phase: "C1" } }, { session: s2 });
      const c1Ts = s2.operationTime as Timestamp;
      await s2.endSession();
      const atC1 = await snapshot(server.uri);
      await items.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: 2000 + i, qty: 2 })));
      await items.updateMany({ qty: 2 }, { $set: { late: true } });
      await client.db("crm").collection("people").drop();
      await shop.collection<D>("logs").insertOne({ _id: 1 });
      await items.dropIndex("tags_1");
      const atEnd = await snapshot(server.uri);

      // The same from the running server: secantusAdmin.restoreArchive with toTs / toTime, replaying
      // its own archive (flushed first, so "latest" is the last acknowledged write).
      const admin = client.db("admin");
      const restoreCmd = (targetDir: string, extra: Record<string, unknown>) =>
        admin.command({
          "secantusAdmin.restoreArchive": 1,
          archive: `${work}/base.tar.gz`,
          targetDir,
          ...extra,
        });
      const cmdTs = await restoreCmd(`${work}/c-ts`, { toTs: c1Ts });
      assert.equal(cmdTs["pointInTime"]["reachedTarget"], true);
      assert.ok(cmdTs["pointInTime"]["applied"] > 0);
      const cmdLatest = await restoreCmd(`${work}/c-latest`, { toTime: "latest" });
      assert.equal(cmdLatest["pointInTime"]["oplogArchive"], archiveDir);
      const cmdTime = await restoreCmd(`${work}/c-time`, { toTime: tB, oplogArchive: archiveDir });
      assert.ok(cmdTime["pointInTime"]["reached"]);
      // Refusals with the CLI's validation: 2 for bad or conflicting fields, 20 when it cannot proceed
      // (and the directory it created is gone).
      assert.equal(await code(restoreCmd(`${work}/c-x`, { toTime: "latest", toTs: c1Ts })), 2);
      assert.equal(await code(restoreCmd(`${work}/c-x`, { oplogArchive: archiveDir })), 2);
      assert.equal(await code(restoreCmd(`${work}/c-x`, { toTime: "yesterday" })), 2);
      assert.equal(await code(restoreCmd(`${work}/c-x`, { toTs: "latest" })), 2);
      assert.equal(await code(restoreCmd(`${work}/c-x`, { toTime: new Date("2001-01-01T00:00:00Z") })), 20);
      assert.throws(() => Deno.statSync(`${work}/c-x`), Deno.errors.NotFound);

      // The host is lost 0.6 s after the last acknowledged write (3 archive intervals).
      await sleep(600);
      server.child.kill("SIGKILL");
      killed = true;
      await server.stop("SIGKILL", { keepData: false });

      assert.deepEqual(await snapshotDir(work, `${work}/c-ts`), atC1);
      assert.deepEqual(await snapshotDir(work, `${work}/c-latest`), atEnd);
      assert.deepEqual(await snapshotDir(work, `${work}/c-time`), atB);

      const segments = [...Deno.readDirSync(archiveDir)].filter((e) => e.name.endsWith(".bson"));
      assert.ok(segments.length >= 1);

      const toTime = await restoreAndSnapshot(work, "r-time", [
        "--oplog-archive",
        archiveDir,
        "--to-time",
        tB.toISOString(),
      ]);
      assert.match(toTime.stdout, /replayed \d+ oplog entries/);
      assert.deepEqual(toTime.snap, atB);

      const toTs = await restoreAndSnapshot(work, "r-ts", [
        "--oplog-archive",
        archiveDir,
        "--to-ts",
        `${c1Ts.high},${c1Ts.low}`,
      ]);
      assert.deepEqual(toTs.snap, atC1);

      const latest = await restoreAndSnapshot(work, "r-latest", [
        "--oplog-archive",
        archiveDir,
        "--to-time",
        "latest",
      ]);
      assert.deepEqual(latest.snap, atEnd);

      // A target before the backup's data is refused (and leaves no directory behind).
      const early = await runCli([
        "restore-archive",
        "--archive",
        `${work}/base.tar.gz`,
        "--target-dir",
        `${work}/r-early`,
        "--oplog-archive",
        archiveDir,
        "--to-time",
        "2001-01-01T00:00:00Z",
      ], { timeoutMs: 60_000 });
      assert.equal(early.code, 1);
      assert.match(early.stderr, /already holds writes up to .* restore an older backup/);
      assert.throws(() => Deno.statSync(`${work}/r-early`), Deno.errors.NotFound);

      // An archive that does not reach back to the backup: the entries in between are missing.
      const names = [...Deno.readDirSync(archiveDir)].map((e) => e.name).filter((n) => n.endsWith(".bson"))
        .sort();
      const partial = `${work}/partial-archive`;
      Deno.mkdirSync(partial);
      {
        const bytes = Deno.readFileSync(`${archiveDir}/${names[names.length - 1]}`);
        let at = 0;
        let lastDoc = bytes;
        while (at < bytes.length) {
          const len = new DataView(bytes.buffer, at, 4).getInt32(0, true);
          lastDoc = bytes.subarray(at, at + len);
          at += len;
        }
        const ts = BSON.deserialize(lastDoc)["ts"] as Timestamp;
        const name = `oplog-${String(ts.high).padStart(10, "0")}-${String(ts.low).padStart(10, "0")}.bson`;
        Deno.writeFileSync(`${partial}/${name}`, lastDoc);
      }
      const missing = await runCli([
        "restore-archive",
        "--archive",
        `${work}/base.tar.gz`,
        "--target-dir",
        `${work}/r-partial`,
        "--oplog-archive",
        partial,
        "--to-time",
        "latest",
      ], { timeoutMs: 60_000 });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /after the backup's last oplog entry/);
      assert.throws(() => Deno.statSync(`${work}/r-partial`), Deno.errors.NotFound);

      // A gap marker between the backup and the target is refused.
      const gapped = `${work}/gapped-archive`;
      Deno.mkdirSync(gapped);
      for (const n of names) Deno.copyFileSync(`${archiveDir}/${n}`, `${gapped}/${n}`);
      const nowSecs = Math.floor(Date.now() / 1000);
      Deno.writeTextFileSync(
        `${gapped}/oplog-${String(nowSecs - 1).padStart(10, "0")}-0000000001.gap.json`,
        JSON.stringify({
          after: { t: nowSecs - 2, i: 1 },
          resumedAt: { t: nowSecs - 1, i: 1 },
          reason: "test",
        }),
      );
      const gap = await runCli([
        "restore-archive",
        "--archive",
        `${work}/base.tar.gz`,
        "--target-dir",
        `${work}/r-gap`,
        "--oplog-archive",
        gapped,
        "--to-time",
        "latest",
      ], { timeoutMs: 60_000 });
      assert.equal(gap.code, 1);
      assert.match(gap.stderr, /has a gap \(test\)/);

      // Flags: the archive and the target go together; an unreadable target is refused.
      const lone = await runCli([
        "restore-archive",
        "--archive",
        "x",
        "--target-dir",
        "y",
        "--to-time",
        "latest",
      ]);
      assert.equal(lone.code, 2);
      const bad = await runCli([
        "restore-archive",
        "--archive",
        `${work}/base.tar.gz`,
        "--target-dir",
        `${work}/r-bad`,
        "--oplog-archive",
        archiveDir,
        "--to-time",
        "yesterday",
      ]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /cannot read the target 'yesterday'/);
    } finally {
      await client.close();
      if (!killed) await server.stop();
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});
