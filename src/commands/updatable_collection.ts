/**
 * Which collections the frame I/O thread may update by `_id` itself (ffi/wiredtiger/shim/io_fast_write.c,
 * registered by point_reads.ts), and which of their fields it must leave to the command layer (pure).
 *
 * An update there changes one top-level field (a number `$inc`ed, or a scalar `$set`: its element
 * replaced or appended) and writes its oplog entry; it runs none of the command layer's checks. So the
 * collection must be one where nothing else depends on the document's contents: no validator, not capped (its hook), not time-series, not clustered, keeping
 * no change-stream pre-images, not a system collection nor in admin, local or config; and the fields
 * it updates must be ones no index reads (key pattern or partial filter; a text or wildcard index
 * reads every field: then nothing is updated there).
 */
import type { CollectionEntry } from "../storage/api.ts";
import { isCapped } from "../executor/capped.ts";
import { isClustered } from "../executor/clustered.ts";
import { indexReads } from "../executor/index_reads.ts";
import { keepsPreImages } from "../oplog/writer.ts";

const INTERNAL_DBS: ReadonlySet<string> = new Set(["admin", "local", "config"]);

/**
 * The top-level fields of `coll` its indexes read (never updated off the command layer), or undefined
 * when no update may be made there off the command layer.
 */
export function fieldsIndexesRead(coll: CollectionEntry): string[] | undefined {
  const o = coll.options;
  if (
    INTERNAL_DBS.has(coll.db) || coll.name.startsWith("system.") || o["validator"] !== undefined ||
    o["timeseries"] !== undefined || o["collation"] !== undefined || isCapped(coll) || isClustered(coll) ||
    keepsPreImages(coll)
  ) return undefined;
  const out = new Set<string>();
  for (const ix of coll.indexes) {
    const reads = indexReads(ix);
    if (reads === null) return undefined;
    for (const f of reads) out.add(f);
  }
  return [...out];
}
