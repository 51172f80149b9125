/**
 * appendOplogNote: writes a no-op entry (`op: "n"`, `o` = the command's `data`) to the oplog — what tools
 * use to move the cluster time forward or mark a point in it. mongod 8.0's rules: admin database only (13),
 * `data` a document (4 NoSuchKey when missing, 14 TypeMismatch otherwise), 76 NoReplicationEnabled on a
 * standalone server; with `maxClusterTime` (a timestamp, else 14) the entry is written only while that time
 * is newer than the last one written, else 209 StaleClusterTime.
 */
import type { Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { isPlainDoc, typeName } from "../../bson/type_name.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";

export interface AppendOplogNoteParams {
  readonly data: Doc;
  readonly maxClusterTime: Timestamp | undefined;
}

function parse(body: Doc): AppendOplogNoteParams {
  if (!Object.hasOwn(body, "data")) throw new CommandError("NoSuchKey", 'Missing expected field "data"');
  const data = body["data"];
  if (!isPlainDoc(data)) {
    throw new CommandError(
      "TypeMismatch",
      `"data" had the wrong type. Expected object, found ${typeName(data)}`,
    );
  }
  const max = body["maxClusterTime"];
  if (max !== undefined && typeName(max) !== "timestamp") {
    throw new CommandError(
      "TypeMismatch",
      `"maxClusterTime" had the wrong type. Expected timestamp, found ${typeName(max)}`,
    );
  }
  return { data, maxClusterTime: max as Timestamp | undefined };
}

function run(ctx: RequestContext<AppendOplogNoteParams>): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "appendOplogNote may only be run against the admin database.");
  }
  const oplog = ctx.oplog;
  if (!oplog) {
    throw new CommandError("NoReplicationEnabled", 'Must have replication set up to run "appendOplogNote"');
  }
  const max = ctx.params.maxClusterTime;
  if (max !== undefined) {
    const last = oplog.clock.latest();
    if (max.compare(last) <= 0) {
      throw new CommandError(
        "StaleClusterTime",
        `Requested maxClusterTime { ts: Timestamp(${max.t}, ${max.i}) } is less or equal to the last primary ` +
          `OpTime: { ts: Timestamp(${last.t}, ${last.i}) }`,
      );
    }
  }
  oplog.writeNoop(ctx.params.data);
  return { ok: 1 };
}

export const appendOplogNote = defineCommand<AppendOplogNoteParams>({
  name: "appendOplogNote",
  help: "adds a no-op entry to the oplog: {appendOplogNote: 1, data: {...}, maxClusterTime?}",
  auth: "appendOplogNote",
  parse,
  run,
});
