/**
 * An aggregate's input when it reads `local.oplog.rs` (the oplog is an internal table keyed by time,
 * not a collection): every entry in `$natural` order, decoded, read 500 at a time with a `PAUSE`
 * whenever the command's control is due. The pipeline runs its own leading stages over it.
 */
import { decodeDocument } from "../../bson/decode.ts";
import { PAUSE } from "../../engine/mod.ts";
import type { Oplog } from "../../oplog/mod.ts";
import type { Doc } from "../reply.ts";
import type { ControlSlot } from "./pipeline_source.ts";

const READ_CHUNK = 500;

/** The entries `keep` accepts (the pipeline's leading `$match`, which the pipeline does not run). */
export function* oplogInput(oplog: Oplog, slot: ControlSlot, keep?: (d: Doc) => boolean): Generator<Doc> {
  let after: Uint8Array | undefined;
  for (;;) {
    const rows = oplog.read(after ? { after } : {}, READ_CHUNK);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.key;
    for (const row of rows) {
      const d = decodeDocument(row.bytes) as Doc;
      if (keep === undefined || keep(d)) yield d;
    }
    if (slot.current.dueNow()) yield PAUSE;
  }
}
