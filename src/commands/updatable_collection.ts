/**
 * Which collections the frame I/O thread may update by `_id` (or insert into) itself (ffi/wiredtiger/shim/io_fast_write.c,
 * registered by point_reads.ts), and which of their fields it must leave to the command layer (pure).
 *
 * An update there changes one top-level field (a number `$inc`ed, or a scalar `$set`: its element
 * replaced or appended) and writes its oplog entry; it runs none of the command layer's checks. So the
 * collection must be one where nothing else depends on the document's contents: no validator, not capped (its hook), not time-series, not clustered, keeping
 * no change-stream pre-images, not a system collection nor in admin, local or config; and the fields
 * it updates must be ones no index reads (key pattern or partial filter; a text or wildcard index
 * reads every field: then nothing is updated there). Inserts of one document there
 * (io_fast_insert.c) need the same collections, with every secondary index one whose entry it makes
 * (`insertIndexes`).
 */
import type { CollectionEntry } from "../storage/api.ts";
import { isCapped } from "../executor/capped.ts";
import { isClustered } from "../executor/clustered.ts";
import { indexReads } from "../executor/index_reads.ts";
import { keepsPreImages } from "../oplog/writer.ts";

const INTERNAL_DBS: ReadonlySet<string> = new Set(["admin", "local", "config"]);

function isTextIndex(spec: Readonly<Record<string, unknown>>): boolean {
  const key = spec["key"];
  return key !== null && typeof key === "object" && (key as Record<string, unknown>)["_fts"] === "text";
}

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
    // (a text index's fields are known too — index_reads.ts — but updates there stay the command layer's)
    if (reads === null || isTextIndex(ix.spec)) return undefined;
    for (const f of reads) out.add(f);
  }
  return [...out];
}

/** Secondary indexes an insert off the command layer keeps at most (io_fast.h FAST_WIX). */
const INSERT_INDEXES_MAX = 8;

/** A secondary index an insert off the command layer keeps, and the top-level field it reads. */
export interface InsertIndex {
  readonly name: string;
  readonly field: string;
}

/**
 * The secondary indexes of `coll` an insert made off the command layer keeps (io_fast_insert.c: the
 * document's top-level value as a scalar key, or the null key when missing), or undefined when no
 * insert may be made there: the collection fails `fieldsIndexesRead`, or one of its indexes is not
 * ascending on one plain top-level field (`{f: 1}`), or is unique, sparse, partial, prepareUnique,
 * collated, being built or in an older key layout.
 */
export function insertIndexes(coll: CollectionEntry): InsertIndex[] | undefined {
  if (fieldsIndexesRead(coll) === undefined) return undefined;
  const out: InsertIndex[] = [];
  for (const ix of coll.indexes) {
    if (ix.name === "_id_") continue;
    const s = ix.spec;
    const key = s["key"];
    if (key === null || typeof key !== "object") return undefined;
    const fields = Object.keys(key);
    const field = fields[0];
    if (
      fields.length !== 1 || field === undefined || (key as Record<string, unknown>)[field] !== 1 ||
      !plainTopLevel(field) || ix.unique || ix.building || ix.keyFormat !== undefined || set(s["sparse"]) ||
      s["partialFilterExpression"] !== undefined || s["collation"] !== undefined || set(s["prepareUnique"])
    ) return undefined;
    out.push({ name: ix.name, field });
  }
  return out.length <= INSERT_INDEXES_MAX ? out : undefined;
}

/** An index option given and not false. */
function set(v: unknown): boolean {
  return v !== undefined && v !== false;
}

/** A field name an index reads at the top level, as written (no path, no `$`, not digits-first, not `_id`). */
function plainTopLevel(f: string): boolean {
  const c = f.charCodeAt(0);
  return f.length > 0 && f !== "_id" && f !== "__proto__" && !f.includes(".") && c !== 0x24 &&
    !(c >= 0x30 && c <= 0x39);
}
