/**
 * The replay half of a point-in-time restore (`secantusdb restore-archive --to-time/--to-ts` and
 * `secantusAdmin.restoreArchive {toTime}`, through src/backup/pitr_restore.ts): starts a private
 * server on the restored directory (in this process; 127.0.0.1, a free port, auth off, no archive,
 * no test commands — it lives only for the replay), sends the archived oplog entries chosen by
 * `backup/pitr.ts` through `applyOps` in batches (entries in order; the target never falls inside a
 * transaction, which is one entry), and stops the server cleanly (checkpoint). No-ops are counted,
 * not sent. The first failing entry stops the replay with its timestamp in the error.
 *
 * Not atomic: applyOps runs each operation (a transaction's too) as its own write, so a batch, or a
 * transaction, that fails or is interrupted part-way leaves the operations before it applied. A
 * failed replay removes a directory the restore created (pitr_restore.ts); after a crash mid-replay
 * the directory must be deleted and restored again.
 */
import { calculateObjectSize, type Document, type Timestamp } from "bson";
import { MongoClient } from "mongodb";
import type { ArchiveListing } from "../oplog/archive_files.ts";
import { entriesToReplay, fmtTs, type PitrTarget } from "../backup/pitr.ts";
import { RestoreError } from "../backup/restore.ts";
import type { ReplayResult } from "../backup/pitr_restore.ts";

/** Starts a server (startServer's shape; passed in so this module does not import start_server.ts). */
export type StartFn = (opts: {
  storagePath: string;
  host: string;
  port: number;
  logLevel: "WARNING";
  enableTestCommands: boolean;
}) => Promise<{ readonly uri: string; stop(): Promise<void> }>;

const BATCH_OPS = 500;
const BATCH_BYTES = 8 * 1024 * 1024;

export async function replayOplog(
  startServer: StartFn,
  dataDir: string,
  listing: ArchiveListing,
  from: Timestamp,
  target: PitrTarget,
  onProgress?: (applied: number) => void,
): Promise<ReplayResult> {
  const started = performance.now();
  const server = await startServer({
    storagePath: dataDir,
    host: "127.0.0.1",
    port: 0,
    logLevel: "WARNING",
    enableTestCommands: false,
  });
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000 });
  let applied = 0;
  let noops = 0;
  let last: Timestamp | undefined;
  let lastWall: Date | undefined;
  const outcome = { passedTarget: false };
  try {
    const admin = client.db("admin");
    let batch: Document[] = [];
    let batchTs: Timestamp[] = [];
    let bytes = 0;
    const send = async () => {
      if (batch.length === 0) return;
      try {
        await admin.command({ applyOps: batch });
      } catch (e) {
        throw new RestoreError(
          `replaying the oplog entries ${fmtTs(batchTs[0]!)} … ${
            fmtTs(batchTs[batchTs.length - 1]!)
          } failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      applied += batch.length;
      onProgress?.(applied);
      batch = [];
      batchTs = [];
      bytes = 0;
    };
    for await (const e of entriesToReplay(listing, from, target, outcome)) {
      last = e.ts;
      const wall = e.doc["wall"];
      if (wall instanceof Date) lastWall = wall;
      if (e.doc["op"] === "n") {
        noops++;
        continue;
      }
      const size = calculateObjectSize(e.doc) + 16;
      if (batch.length >= BATCH_OPS || (batch.length > 0 && bytes + size > BATCH_BYTES)) await send();
      batch.push(e.doc);
      batchTs.push(e.ts);
      bytes += size;
    }
    await send();
  } finally {
    await client.close();
    await server.stop();
  }
  return {
    applied,
    noops,
    last,
    lastWall,
    reachedTarget: target.kind === "latest" || outcome.passedTarget,
    durationMs: Math.round(performance.now() - started),
  };
}
