/**
 * Which collections the frame I/O thread may update by `_id` (or insert into) itself (ffi/wiredtiger/shim/io_fast_write.c,
 * registered by point_reads.ts), and which of their fields it must leave to the command layer (pure).
 *
 * An update there changes one top-level field (a number `$inc`ed, or a scalar `$set`: its element
 * replaced or appended) and writes its oplog entry; it runs none of the command layer's checks. So the
 * collection must be one where nothing else depends on the document's contents: no validator, not capped (its hook), not time-series, not clustered, keeping
 * no change-stream pre-images, not a system collection nor in admin, local or config; and the fields
 * it updates must be ones no index reads (key pattern or partial filter; a text index its weighted
 * paths and language override field; a wildcard or `$**` text index reads every field: then nothing
 * is updated there). Inserts of one document there
 * (io_fast_insert.c) need the same collections, with every secondary index one whose entries it makes
 * (`insertIndexes`: of scalar top-level fields, ascending or descending, single-field or compound —
 * `scalarKeyParts`, io_fast_keys.c — 2dsphere on one top-level field, or a text index weighting one).
 * An update there may also change a field whose every index is one of scalar top-level fields
 * (`updateIndexes`, the same conditions as `insertIndexes`' `scalarKeyParts`): the I/O thread moves the
 * document's entry there (io_fast_update.c).
 */
import type { CollectionEntry } from "../storage/api.ts";
import { isCapped } from "../executor/capped.ts";
import { isClustered } from "../executor/clustered.ts";
import { indexReads } from "../executor/index_reads.ts";
import { keepsPreImages } from "../oplog/writer.ts";
import { TEXT_TERM_KEYS } from "../keys/text_keys.ts";

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

/** The indexes an update off the command layer keeps (`updateIndexes`). */
export interface UpdateIndexes {
  /** Top-level fields some other index reads (never updated off the command layer). */
  readonly unsafe: string[];
  /**
   * Indexes of scalar top-level fields whose entries it moves (`field`: the field of `{f: 1}`, else the
   * encoded key pattern, `keyPatternName`), and the fields they read (none in `unsafe`).
   */
  readonly kept: { readonly name: string; readonly field: string; readonly fields: readonly string[] }[];
}

/**
 * What an update off the command layer may change on `coll` (undefined: nothing, `fieldsIndexesRead`): a
 * field read only by indexes of scalar top-level fields (`scalarKeyParts`: `{f: 1}`, `{f: -1}`,
 * `{a: 1, b: -1}`; not unique, sparse, partial, prepareUnique, collated, being built or in an older key
 * layout) is kept — the stored document's entry removed and the new one's inserted there; every field
 * another index reads is unsafe, and so is every field of a kept index reading an unsafe one (at most
 * INSERT_INDEXES_MAX indexes are kept; the fields of any more are unsafe).
 */
export function updateIndexes(coll: CollectionEntry): UpdateIndexes | undefined {
  if (fieldsIndexesRead(coll) === undefined) return undefined;
  const unsafe = new Set<string>();
  let kept: { name: string; field: string; fields: string[] }[] = [];
  for (const ix of coll.indexes) {
    const parts = ix.name === "_id_" ? undefined : scalarKeyParts(ix);
    if (parts !== undefined && kept.length < INSERT_INDEXES_MAX) {
      kept.push({ name: ix.name, field: keyPatternName(parts), fields: parts.map((p) => p.field) });
    } else for (const f of indexReads(ix) ?? []) unsafe.add(f);
  }
  // (a kept index reading an unsafe field is not kept: all its fields become unsafe, until none is)
  for (let changed = true; changed;) {
    const next = kept.filter((k) => !k.fields.some((f) => unsafe.has(f)));
    changed = next.length !== kept.length;
    for (const k of kept) if (!next.includes(k)) { for (const f of k.fields) unsafe.add(f); }
    kept = next;
  }
  return { unsafe: [...unsafe], kept };
}

/** One field of an index of scalar top-level fields, and its direction. */
export interface KeyPart {
  readonly field: string;
  readonly dir: 1 | -1;
}

/**
 * The fields of an index whose entries an insert, delete or update off the command layer makes
 * (io_fast_keys.c): 1 to KEY_PARTS_MAX plain top-level fields, each `1` or `-1`, none twice; not unique,
 * sparse, partial, prepareUnique, collated, being built or in an older key layout. Else undefined.
 */
export function scalarKeyParts(ix: CollectionEntry["indexes"][number]): KeyPart[] | undefined {
  const s = ix.spec;
  const key = s["key"];
  if (key === null || typeof key !== "object") return undefined;
  const k = key as Record<string, unknown>;
  const fields = Object.keys(k);
  if (
    fields.length === 0 || fields.length > KEY_PARTS_MAX || ix.unique || ix.building ||
    ix.keyFormat !== undefined || set(s["sparse"]) || s["partialFilterExpression"] !== undefined ||
    s["collation"] !== undefined || set(s["prepareUnique"])
  ) return undefined;
  const out: KeyPart[] = [];
  for (const field of fields) {
    const dir = k[field];
    if ((dir !== 1 && dir !== -1) || !plainTopLevel(field) || hasControl(field)) return undefined;
    out.push({ field, dir });
  }
  return out;
}

/** io_fast.h FAST_KEY_PARTS. */
const KEY_PARTS_MAX = 8;

/**
 * How the I/O thread names an index of scalar top-level fields (io_fast_keys.c): the field of `{f: 1}`
 * as it is, any other "\x01" then each field's direction ('+' or '-') and name, separated by "\x01".
 */
export function keyPatternName(parts: readonly KeyPart[]): string {
  const only = parts[0];
  if (parts.length === 1 && only !== undefined && only.dir === 1) return only.field;
  return "\x01" + parts.map((p) => (p.dir === 1 ? "+" : "-") + p.field).join("\x01");
}

/** A name holding a character below 0x20 (keyPatternName's separator among them). */
function hasControl(f: string): boolean {
  for (let i = 0; i < f.length; i++) if (f.charCodeAt(i) < 0x20) return true;
  return false;
}

/** Secondary indexes an insert off the command layer keeps at most (io_fast.h FAST_WIX). */
const INSERT_INDEXES_MAX = 8;

/**
 * A secondary index an insert off the command layer keeps, the top-level field it reads (kind "keys": a
 * descending or compound index of scalar top-level fields, `field` its `keyPatternName`), and its kind.
 */
export interface InsertIndex {
  readonly name: string;
  readonly field: string;
  readonly kind: "ascending" | "2dsphere" | "text" | "keys";
  /** A text index: the field's weight, the language override field, the default language. */
  readonly text?: { readonly weight: number; readonly languageOverride: string; readonly language: string };
}

/**
 * The secondary indexes of `coll` an insert made off the command layer keeps (io_fast_insert.c: the
 * document's top-level values as a scalar key, the null key for one missing, a descending field's bytes
 * inverted — io_fast_keys.c; for `{f: "2dsphere"}` the cell of a plain GeoJSON point, io_fast_geo.c;
 * other values left to the command layer), or undefined when no insert may be made there: the collection
 * fails `fieldsIndexesRead`, or one of its indexes is none of `scalarKeyParts`' (`{f: 1}`, `{f: -1}`,
 * `{a: 1, b: -1}`), a 2dsphere on one plain top-level field (`{f: "2dsphere"}`) or `textInsertIndex`'s, or
 * is unique, sparse, partial, prepareUnique, collated, being built or in an older key layout (a 2dsphere
 * index also: of a version other than 2 or 3, whose keys geo_keys.ts makes alike).
 */
export function insertIndexes(coll: CollectionEntry): InsertIndex[] | undefined {
  if (fieldsIndexesRead(coll) === undefined) return undefined;
  const out: InsertIndex[] = [];
  for (const ix of coll.indexes) {
    if (ix.name === "_id_") continue;
    const s = ix.spec;
    const text = textInsertIndex(ix);
    if (text !== undefined) {
      out.push(text);
      continue;
    }
    const parts = scalarKeyParts(ix);
    if (parts !== undefined) {
      const field = keyPatternName(parts);
      out.push({ name: ix.name, field, kind: field === parts[0]?.field ? "ascending" : "keys" });
      continue;
    }
    const key = s["key"];
    if (key === null || typeof key !== "object") return undefined;
    const fields = Object.keys(key);
    const field = fields[0];
    const kind = field === undefined ? undefined : keyKind((key as Record<string, unknown>)[field], s);
    if (
      fields.length !== 1 || field === undefined || kind === undefined ||
      !plainTopLevel(field) || ix.unique || ix.building || ix.keyFormat !== undefined || set(s["sparse"]) ||
      s["partialFilterExpression"] !== undefined || s["collation"] !== undefined || set(s["prepareUnique"])
    ) return undefined;
    out.push({ name: ix.name, field, kind });
  }
  return out.length <= INSERT_INDEXES_MAX ? out : undefined;
}

/**
 * A text index whose entries an insert off the command layer makes (io_fast_text.c): `{_fts: "text",
 * _ftsx: 1}` of the current key layout weighting one plain top-level field, with a plain top-level
 * language override field, already multikey (its entries for one document are many: the flag is set
 * once, by the command layer), not partial, sparse or collated; else undefined.
 */
function textInsertIndex(ix: CollectionEntry["indexes"][number]): InsertIndex | undefined {
  const s = ix.spec;
  const key = s["key"];
  if (key === null || typeof key !== "object") return undefined;
  const k = key as Record<string, unknown>;
  const fields = Object.keys(k);
  if (fields.length !== 2 || k["_fts"] !== "text" || k["_ftsx"] !== 1) return undefined;
  const weights = s["weights"];
  if (weights === null || typeof weights !== "object") return undefined;
  const paths = Object.keys(weights);
  const field = paths[0];
  const weight = Number((weights as Record<string, unknown>)[field ?? ""]);
  const override = s["language_override"] ?? "language";
  const language = s["default_language"] ?? "english";
  if (
    paths.length !== 1 || field === undefined || !plainTopLevel(field) || !(weight > 0) ||
    typeof override !== "string" || !plainTopLevel(override) || override === field ||
    typeof language !== "string" || ix.keyFormat !== TEXT_TERM_KEYS || ix.multikey !== true || ix.unique ||
    ix.building || set(s["sparse"]) || s["partialFilterExpression"] !== undefined ||
    s["collation"] !== undefined
  ) return undefined;
  return { name: ix.name, field, kind: "text", text: { weight, languageOverride: override, language } };
}

/** The kind of a single-field index's key (`"2dsphere"` of version 2 or 3), else undefined. */
function keyKind(dir: unknown, spec: Readonly<Record<string, unknown>>): InsertIndex["kind"] | undefined {
  if (dir !== "2dsphere") return undefined;
  const v = spec["2dsphereIndexVersion"];
  return v === undefined || Number(v) === 2 || Number(v) === 3 ? "2dsphere" : undefined;
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
