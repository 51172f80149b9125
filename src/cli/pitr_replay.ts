/**
 * The replay half of `secantusdb restore-archive --to-time/--to-ts`: starts a private server on the
 * restored directory (127.0.0.1, a free port, no archive, no test commands), sends the archived oplog
 * entries chosen by `backup/pitr.ts` through `applyOps` in batches (entries in order; a transaction is
 * one entry, so it is applied whole or the replay stops before it), and stops the server cleanly
 * (checkpoint). No-ops are counted, not sent. The first failing entry stops the replay with its
 * timestamp in the error.
 */
import { calculateObjectSize, type Document, type Timestamp } from "bson";
import { MongoClient } from "mongodb";
import type { ArchiveListing } from "../oplog/archive_files.ts";
import { entriesToReplay, fmtTs, type PitrTarget } from "../backup/pitr.ts";
import { RestoreError } from "../backup/restore.ts";
import { startServer } from "../app/start_server.ts";

export interface ReplayResult {
  /** Entries applied (no-ops excluded). */
  readonly applied: number;
  readonly noops: number;
  /** The last entry replayed (no-ops included), if any. */
  readonly last: Timestamp | undefined;
  readonly lastWall: Date | undefined;
  /** False when the archive ended before reaching the target. */
  readonly reachedTarget: boolean;
  readonly durationMs: number;
}

const BATCH_OPS = 500;
const BATCH_BYTES = 8 * 1024 * 1024;

export async function replayOplog(
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
    for (const e of entriesToReplay(listing, from, target, outcome)) {
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
