/**
 * Running a find / aggregate / distinct with `readConcern: {level: "snapshot"}` outside a transaction
 * on the session's pinned snapshot (src/sessions/snapshot_reads.ts): storage is bound read-only to
 * that snapshot (cursors keep it for their getMores), and the reply reports the snapshot's cluster
 * time as mongod does — `cursor.atClusterTime` for cursor replies, `atClusterTime` for distinct.
 */
import { Timestamp } from "bson";
import { CommandError } from "../errors/command_error.ts";
import { decodeDocument } from "../bson/decode.ts";
import { lsidKey } from "../sessions/lsid.ts";
import { TransactionStorage } from "../sessions/txn_storage.ts";
import type { TxnHandle } from "../storage/api.ts";
import type { RequestContext, ServerContext } from "./context.ts";
import type { GenericArgs } from "./params/generic.ts";
import { type Doc, type Reply } from "./reply.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import type { AnyCommandSpec } from "./spec.ts";

export function isSnapshotRead(generic: GenericArgs, inTxn: boolean): boolean {
  return !inTxn && generic.readConcern?.level === "snapshot" && generic.lsid !== undefined;
}

function snapshotFor(
  server: ServerContext,
  key: string,
  requested: unknown,
): { handle: TxnHandle; at: Timestamp } {
  if (requested === undefined) {
    const at = server.clusterClock.tick();
    return { handle: server.snapshots.pin(key, server.storage, at), at };
  }
  if (!(requested instanceof Timestamp)) {
    throw new CommandError("TypeMismatch", "readConcern.atClusterTime must be a timestamp");
  }
  const held = server.snapshots.find(key, requested);
  if (held) return { handle: held, at: requested };
  if (requested.greaterThanOrEqual(server.clusterClock.latest())) {
    return { handle: server.snapshots.pin(key, server.storage, requested), at: requested };
  }
  throw new CommandError(
    "SnapshotTooOld",
    `Read timestamp ${requested.toString()} is older than the oldest available timestamp.`,
  );
}

export async function runSnapshotRead(
  server: ServerContext,
  ctx: RequestContext<unknown>,
  generic: GenericArgs,
  spec: AnyCommandSpec,
): Promise<Reply> {
  const { handle, at } = snapshotFor(server, lsidKey(generic.lsid!), generic.readConcern?.atClusterTime);
  const storage = new TransactionStorage(server.storage, handle);
  const reply = await spec.run({ ...ctx, storage });
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
