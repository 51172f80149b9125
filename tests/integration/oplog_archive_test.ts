/**
 * The oplog archive across restarts of a real server (`[oplog] archive_dir`): each start closes the
 * previous segment, which is then gzipped in the background (`…-to-….bson.gz`); the archive reads
 * back whole from plain and gzipped segments, and `secantusdb restore-archive --to-time latest`
 * replays through a gzipped one; `archive_retention_seconds` removes closed segments past it (never
 * the newest); serverStatus counts both; an unknown `[oplog]` key still stops start-up.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { type RunningServer, startServer } from "../../mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { listArchive, readArchive } from "../../src/oplog/archive_files.ts";
import { runCli } from "./helpers/server_process.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: "oplog archive: closed segments gzipped, replay reads them, retention removes old ones",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "secantus-oplog-archive-" });
    const archiveDir = `${dir}/oplog-archive`;
    const base = defaultConfig();
    const start = (retention: number) =>
      startServer({
        config: {
          ...base,
          oplog: {
            ...base.oplog,
            archiveDir,
            archiveIntervalSeconds: 0.1,
            archiveRetentionSeconds: retention,
          },
        },
        port: 0,
        storagePath: `${dir}/data`,
        logLevel: "WARNING",
      });
    const write = async (server: RunningServer, from: number, n: number) => {
      const client = new MongoClient(server.uri);
      try {
        await client.db("a").collection<{ _id: number }>("c").insertMany(
          Array.from({ length: n }, (_, i) => ({ _id: from + i })),
        );
      } finally {
        await client.close();
      }
    };
    const archiveStatus = async (server: RunningServer) => {
      const client = new MongoClient(server.uri);
      try {
        return (await client.db("admin").command({ serverStatus: 1 }))["secantus"]["oplog"]["archive"];
      } finally {
        await client.close();
      }
    };
    try {
      let server = await start(0);
      await write(server, 0, 10);
      const backup = new MongoClient(server.uri);
      await backup.db("admin").command({ "secantusAdmin.backupArchive": 1, outputPath: `${dir}/b.tar.gz` });
      await backup.close();
      await write(server, 10, 10);
      await server.stop();

      // Restart: the first segment is closed and gzipped.
      server = await start(0);
      await write(server, 20, 10);
      const deadline = Date.now() + 20_000;
      while ((await archiveStatus(server))["segmentsCompressed"] < 1 && Date.now() < deadline) {
        await sleep(100);
      }
      assert.equal((await archiveStatus(server))["segmentsCompressed"], 1);
      await server.stop();
      const listing = listArchive(archiveDir);
      assert.deepEqual(listing.segments.map((s) => s.compressed), [true, false]);
      const ids: number[] = [];
      for await (const e of readArchive(listing, null)) {
        const o = (await import("bson")).BSON.deserialize(e.bytes);
        if (o["op"] === "i" && o["ns"] === "a.c") ids.push(o["o"]["_id"]);
      }
      assert.deepEqual(ids, Array.from({ length: 30 }, (_, i) => i));

      // The replay reads the gzipped segment (writes 10–19) and the plain one (20–29).
      const r = await runCli([
        "restore-archive",
        "--archive",
        `${dir}/b.tar.gz`,
        "--target-dir",
        `${dir}/restored`,
        "--oplog-archive",
        archiveDir,
        "--to-time",
        "latest",
      ], { timeoutMs: 90_000 });
      assert.equal(r.code, 0, r.stderr);
      const restored = await startServer({ port: 0, storagePath: `${dir}/restored`, logLevel: "WARNING" });
      const rc = new MongoClient(restored.uri);
      try {
        assert.equal(await rc.db("a").collection("c").countDocuments(), 30);
      } finally {
        await rc.close();
        await restored.stop();
      }

      // Retention 1 s: two seconds later a restart closes the second run's segment; the first one,
      // closed and older than 1 s, goes (the second one too once this run's segment exists, at the
      // next pass); the newest, plain segment always stays.
      const firstSegment = listArchive(archiveDir).segments[0]!.first;
      await sleep(2_100);
      server = await start(1);
      await write(server, 30, 5);
      const d2 = Date.now() + 20_000;
      while ((await archiveStatus(server))["segmentsRemoved"] < 1 && Date.now() < d2) await sleep(100);
      const st = await archiveStatus(server);
      assert.ok(st["segmentsRemoved"] >= 1);
      assert.equal(st["retentionSeconds"], 1);
      await server.stop();
      const left = listArchive(archiveDir).segments;
      assert.ok(left.length >= 1 && left.length <= 2, `${left.length} segments left`);
      // (t, i): the runs before it may have started within the same second on a fast machine
      const after = left[0]!.first.t > firstSegment.t ||
        (left[0]!.first.t === firstSegment.t && left[0]!.first.i > firstSegment.i);
      assert.ok(after, "the first run's segment was removed");
      assert.deepEqual(left.map((g) => g.compressed), [...left.slice(1).map(() => true), false]);

      // Unknown keys in [oplog] still stop start-up (exit 2, naming the key).
      Deno.writeTextFileSync(`${dir}/bad.toml`, "[oplog]\narchive_retention_days = 3\n");
      const bad = await runCli(["--config", `${dir}/bad.toml`, "--port", "0"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /archive_retention_days/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
