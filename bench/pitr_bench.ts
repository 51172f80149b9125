/**
 * Point-in-time recovery replay rate (issue 13): a server on disk keeping an oplog archive takes a
 * native backup, then writes PITR_ENTRIES oplog entries after it (default 60,000: a third inserts of
 * ~200-byte documents, a third `$set` updates, a third deletes, through insertMany / updateMany /
 * deleteMany, so each document is one entry) and stops; a restart closes the segment, which is then
 * gzipped, so the replay reads a compressed segment. Then the restore path of `secantusdb
 * restore-archive --to-time latest` (backup/pitr_restore.ts + app/pitr_replay.ts, in this process):
 * base restore time, replay time and entries/s (inserts alone, up to the last insert's operationTime,
 * then everything), next to the rate the same entries were written at.
 * Figures vary with the machine's load (printed); run it alone.
 */
import { MongoClient } from "mongodb";
import { startServer } from "../src/app/start_server.ts";
import { defaultConfig } from "../src/config/mod.ts";
import { parseTarget } from "../src/backup/pitr.ts";
import { pointInTimeRestore } from "../src/backup/pitr_restore.ts";
import { replayOplog } from "../src/app/pitr_replay.ts";
import { listArchive } from "../src/oplog/archive_files.ts";

const ENTRIES = Number(Deno.env.get("PITR_ENTRIES") ?? 60_000);
const THIRD = Math.floor(ENTRIES / 3);

const work = await Deno.makeTempDir({ prefix: "secantus-bench-pitr-" });
const archiveDir = `${work}/oplog-archive`;
const base = defaultConfig();
const config = {
  ...base,
  oplog: { ...base.oplog, archiveDir, archiveIntervalSeconds: 0.2, maxEntries: ENTRIES * 2 },
};
const start = () => startServer({ config, port: 0, storagePath: `${work}/data`, logLevel: "WARNING" });

try {
  let server = await start();
  const client = new MongoClient(server.uri);
  const c = client.db("bench").collection<{ _id: number; n: number; pad: string; k?: number }>("docs");
  await c.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: -1 - i, n: 0, pad: "b".repeat(150) })));
  await client.db("admin").command({ "secantusAdmin.backupArchive": 1, outputPath: `${work}/base.tar.gz` });

  const t0 = performance.now();
  const session = client.startSession({ causalConsistency: true });
  for (let i = 0; i < THIRD; i += 1000) {
    const n = Math.min(1000, THIRD - i);
    await c.insertMany(
      Array.from({ length: n }, (_, k) => ({ _id: i + k, n: (i + k) % 100, pad: "x".repeat(150) })),
      { session },
    );
  }
  const afterInserts = session.operationTime!;
  await session.endSession();
  await c.updateMany({ _id: { $gte: 0, $lt: THIRD } }, { $set: { k: 1 } });
  await c.deleteMany({ _id: { $gte: 0, $lt: THIRD } });
  const writeSecs = (performance.now() - t0) / 1000;
  await client.close();
  await server.stop();
  server = await start(); // closes the segment: it is gzipped in the background
  const deadline = Date.now() + 60_000;
  while (listArchive(archiveDir).segments.some((s) => !s.compressed) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop();
  const segs = listArchive(archiveDir).segments;
  const archived = segs.reduce((a, s) => a + Deno.statSync(s.path).size, 0);

  const pitr = async (targetDir: string, target: string) => {
    const t = performance.now();
    let restoredAt = 0;
    const o = await pointInTimeRestore(
      {
        archive: `${work}/base.tar.gz`,
        targetDir,
        allowExisting: false,
        oplogArchive: archiveDir,
        target: parseTarget(target),
      },
      (dir, listing, from, to) => replayOplog(startServer, dir, listing, from, to),
      { restored: () => restoredAt = performance.now() },
    );
    return { o, restoreSecs: (restoredAt - t) / 1000, replaySecs: o.replay.durationMs / 1000 };
  };
  // Inserts only (up to the last insert's operationTime), then everything.
  const ins = await pitr(`${work}/restored-inserts`, `${afterInserts.high},${afterInserts.low}`);
  const { o, restoreSecs, replaySecs } = await pitr(`${work}/restored`, "latest");

  const check = await startServer({ port: 0, storagePath: `${work}/restored`, logLevel: "WARNING" });
  const cc = new MongoClient(check.uri);
  const left = await cc.db("bench").collection("docs").countDocuments();
  await cc.close();
  await check.stop();
  if (left !== 1000) throw new Error(`restored data holds ${left} documents, want 1000`);

  const [load] = Deno.loadavg();
  console.log(
    `pitr: ${o.replay.applied.toLocaleString("en")} entries replayed (${THIRD} inserts, ${THIRD} updates, ` +
      `${THIRD} deletes; ${segs.length} segment(s), ${segs.filter((s) => s.compressed).length} gzipped, ` +
      `${(archived / 1048576).toFixed(1)} MB on disk), load average ${load?.toFixed(1)}`,
  );
  console.log(
    `  written through the driver: ${(3 * THIRD / writeSecs).toFixed(0)} entries/s (${
      writeSecs.toFixed(1)
    } s)`,
  );
  console.log(`  base restore: ${restoreSecs.toFixed(2)} s`);
  console.log(
    `  replay, inserts only: ${(ins.o.replay.applied / ins.replaySecs).toFixed(0)} entries/s ` +
      `(${ins.o.replay.applied} in ${ins.replaySecs.toFixed(1)} s, server start/stop included)`,
  );
  console.log(
    `  replay, all: ${(o.replay.applied / replaySecs).toFixed(0)} entries/s (${replaySecs.toFixed(1)} s, ` +
      `server start/stop included)`,
  );
} finally {
  await Deno.remove(work, { recursive: true }).catch(() => {});
}
