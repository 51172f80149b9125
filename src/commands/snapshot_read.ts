/**
 * Running a find / aggregate / distinct with `readConcern: {level: "snapshot"}` outside a transaction
 * on the session's pinned snapshot (src/sessions/snapshot_reads.ts): storage is bound read-only to
 * that snapshot (cursors keep it for their getMores), and the reply reports the snapshot's cluster
 * time as mongod does — `cursor.atClusterTime` for cursor replies, `atClusterTime` for distinct.
 */
import type { Timestamp } from "bson";
import { CommandError } from "../errors/command_error.ts";
import { decodeDocument } from "../bson/decode.ts";
import { lsidKey } from "../sessions/lsid.ts";
import { TransactionStorage } from "../sessions/txn_storage.ts";
import { StorageError, type TxnHandle } from "../storage/api.ts";
import { deriveContext, type RequestContext, type ServerContext } from "./context.ts";
import type { GenericArgs } from "./params/generic.ts";
import { checkClusterTimeReached } from "./read_concern_support.ts";
import { type Doc, type Reply } from "./reply.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import type { AnyCommandSpec } from "./spec.ts";

export function isSnapshotRead(generic: GenericArgs, inTxn: boolean): boolean {
  return !inTxn && generic.readConcern?.level === "snapshot" && generic.lsid !== undefined;
}

function snapshotFor(
  server: ServerContext,
  key: string,
  requested: Timestamp | undefined,
): { handle: TxnHandle; at: Timestamp } {
  if (requested === undefined) {
    const at = server.clusterClock.tick();
    return { handle: server.snapshots.pin(key, server.storage, at), at };
  }
  const held = server.snapshots.find(key, requested);
  if (held) return { handle: held, at: requested };
  const latest = server.clusterClock.latest();
  checkClusterTimeReached("atClusterTime", requested, latest);
  if (requested.equals(latest)) {
    return { handle: server.snapshots.pin(key, server.storage, requested), at: requested };
  }
  return { handle: pinPast(server, key, requested), at: requested };
}

/** A snapshot as of an earlier cluster time; 239 SnapshotTooOld when that history is gone. */
export function readAtOrTooOld<T>(server: ServerContext, at: Timestamp, begin: () => T): T {
  try {
    // only commits that log to the oplog carry commit timestamps: a standalone keeps no history
    if (!server.oplog) throw new StorageError("SnapshotTooOld", "no history without an oplog");
    return begin();
  } catch (e) {
    if (e instanceof StorageError && e.code === "SnapshotTooOld") {
      throw new CommandError(
        "SnapshotTooOld",
        `Read timestamp ${at.toString()} is older than the oldest available timestamp.`,
      );
    }
    throw e;
  }
}

function pinPast(server: ServerContext, key: string, at: Timestamp): TxnHandle {
  return readAtOrTooOld(server, at, () => server.snapshots.pin(key, server.storage, at, true));
}

export async function runSnapshotRead(
  server: ServerContext,
  ctx: RequestContext<unknown>,
  generic: GenericArgs,
  spec: AnyCommandSpec,
): Promise<Reply> {
  const { handle, at } = snapshotFor(server, lsidKey(generic.lsid!), generic.readConcern?.atClusterTime);
  const storage = new TransactionStorage(server.storage, handle);
  const reply = await spec.run(deriveContext(ctx, { storage }));
  return withAtClusterTime(reply, at);
}

function withAtClusterTime(reply: Reply, at: Timestamp): Reply {
  const doc: Doc | undefined = reply instanceof Uint8Array
    ? decodeDocument(reply)
    : isPlainDoc(reply)
    ? reply
    : undefined;
  if (!doc || Number(doc["ok"]) !== 1) return reply;
  const cursor = doc["cursor"];
  if (cursor !== null && typeof cursor === "object" && !Array.isArray(cursor)) {
    return { ...doc, cursor: { ...(cursor as Doc), atClusterTime: at } };
  }
  return { ...doc, atClusterTime: at };
}
