/**
 * Computes the index entries of a document for every index of its collection, in the byte-sortable
 * encoding of `src/keys/`: multikey (one entry per array element, deduplicated, the index named in
 * `keys.multikey` so storage sets the sticky flag), compound with at most one array field (else 171
 * CannotIndexParallelArrays), sparse (no entry when every indexed field is missing) and partial (no
 * entry unless the document matches `partialFilterExpression`).
 *
 * The partial filter is compiled by the query engine, which sits above this layer, so every caller
 * passes the compiler in `IndexKeyOptions` (engine's `compilePartialFilter`); shapes, with their
 * compiled predicates, are cached per compiler and per index spec object.
 */
import type { CollectionEntry, IndexEntry, IndexKeys } from "../storage/api.ts";
import { compareKeys, encodeIndexKey } from "../keys/key_string.ts";
import { expandKeys } from "../keys/multikey.ts";
import { type CollationKeyer, collationKeyer } from "../keys/collation_key.ts";
import { type GeoIndexShape, geoIndexShape, geoKeyTuples } from "../keys/geo_keys.ts";
import { CommandError } from "../errors/command_error.ts";
import { Location } from "../errors/locations.ts";
import { hashedValue } from "../keys/hashed_key.ts";
import { wildcardEntries, type WildcardShape, wildcardShape } from "../keys/wildcard.ts";
import {
  TEXT_TERM_KEYS,
  TEXT_TERM_KEYS_V2,
  textKeys,
  type TextKeyShape,
  textKeyShape,
} from "../keys/text_keys.ts";
import { textKeysV2 } from "../keys/text_keys_v2.ts";
import { textIndexInfo } from "../keys/text_terms.ts";

/** A wildcard key is the tuple [path, value], both ascending. */
const WILDCARD_DIRS: readonly (1 | -1)[] = [1, 1];
import type { Document as Doc } from "../bson/document.ts";

/** Encoded key of an `_id` value in the `_id_` index. */
export function idIndexKey(id: unknown): Uint8Array {
  return encodeIndexKey([id], [1]);
}

/**
 * Encoded key of an `_id` value in `coll`'s `_id_` index: with the index's collation when it has one
 * (a collection created with a default collation, storage/wiredtiger/catalog.ts), else binary.
 */
export function idKeyOf(coll: CollectionEntry, id: unknown): Uint8Array {
  const ix = coll.indexes[0]?.name === "_id_" ? coll.indexes[0] : coll.indexes.find((i) => i.name === "_id_");
  const collation = ix?.spec["collation"];
  if (collation === undefined) return idIndexKey(id);
  return encodeIndexKey([id], [1], collationKeyer(collation));
}

/** Compiles an index's `partialFilterExpression` into a document predicate. */
export type PartialFilterCompiler = (filter: Doc) => (doc: Doc) => boolean;

/** What key generation needs from the layers above it, passed explicitly by every caller. */
export interface IndexKeyOptions {
  /** The query engine's partial-filter compiler (`compilePartialFilter` of engine/). */
  readonly compilePartialFilter: PartialFilterCompiler;
}

/** What key generation needs of one index, derived once per spec object. */
export interface IndexShape {
  readonly fields: readonly string[];
  readonly dirs: readonly (1 | -1)[];
  readonly sparse: boolean;
  readonly partial: ((doc: Doc) => boolean) | undefined;
  /** Set for 2d / 2dsphere indexes (keys from `keys/geo_keys.ts`). */
  readonly geo: GeoIndexShape | undefined;
  /** Collated index: strings are encoded as collation keys (undefined = binary). */
  readonly keyer: CollationKeyer | undefined;
  /** Position of the hashed field (`{a: "hashed"}`), if any: its key is mongod's int64 hash. */
  readonly hashed: number | undefined;
  /** A wildcard index: keys are [path, value] for every covered scalar (keys/wildcard.ts). */
  readonly wildcard: WildcardShape | undefined;
  /** A text index: one key per term of the document (keys/text_keys.ts). */
  readonly text: TextKeyShape | undefined;
}

/** Shapes per partial-filter compiler, then per index spec object (specs are immutable). */
const shapeCache = new WeakMap<PartialFilterCompiler, WeakMap<object, IndexShape>>();

export function indexShape(ix: IndexEntry, opts: IndexKeyOptions): IndexShape {
  let shapes = shapeCache.get(opts.compilePartialFilter);
  if (!shapes) shapeCache.set(opts.compilePartialFilter, shapes = new WeakMap());
  const cached = shapes.get(ix.spec);
  if (cached) return cached;
  const pattern = (ix.spec["key"] ?? {}) as Doc;
  const fields = Object.keys(pattern);
  const dirs = fields.map((f) => (Number(pattern[f]) < 0 ? -1 : 1) as 1 | -1);
  const pfe = ix.spec["partialFilterExpression"] as Doc | undefined;
  const partial = pfe ? opts.compilePartialFilter(pfe) : undefined;
  const shape = {
    fields,
    dirs,
    sparse: ix.spec["sparse"] === true,
    partial,
    geo: geoIndexShape(ix.spec),
    keyer: collationKeyer(ix.spec["collation"]),
    wildcard: wildcardShape(pattern, ix.spec["wildcardProjection"]),
    text: textKeyShape(ix.spec),
    hashed: fields.findIndex((f) => pattern[f] === "hashed") >= 0
      ? fields.findIndex((f) => pattern[f] === "hashed")
      : undefined,
  };
  shapes.set(ix.spec, shape);
  return shape;
}

/**
 * Encoded keys of `doc` for one secondary index: null when the index holds no entry for it
 * (sparse / partial), else the deduplicated keys and whether the document is multikey for it.
 */
export function keysForIndex(
  ix: IndexEntry,
  doc: Doc,
  opts: IndexKeyOptions,
): { keys: Uint8Array[]; multikey: boolean; refusal?: CommandError } | null {
  const shape = indexShape(ix, opts);
  if (shape.partial && !shape.partial(doc)) return null;
  if (shape.geo) return encodeTuples(geoKeyTuples(shape.geo, doc), shape.dirs);
  if (shape.text) {
    // Always multikey, as mongod reports text indexes. (One in an earlier layout also loses the
    // entries of that layout of a document a write replaces or removes: indexKeysOf's `removeOnly`.)
    // A document mongod would refuse (language override, array in a prefix / suffix field) still
    // gets keys, read leniently, for a stored one's removal; the refusal goes with them.
    let refusal: CommandError | undefined;
    let list: Uint8Array[];
    try {
      list = textKeys(shape.text, doc);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      refusal = e;
      list = textKeys(shape.text, doc, "lenient");
    }
    if (list.length === 0) return refusal ? { keys: [], multikey: true, refusal } : null;
    return refusal ? { keys: list, multikey: true, refusal } : { keys: list, multikey: true };
  }
  if (shape.wildcard) {
    const w = wildcardEntries(shape.wildcard, doc);
    if (w.entries.length === 0) return null;
    const keys = w.entries.map(([p, v]) => encodeIndexKey([p, v], WILDCARD_DIRS, shape.keyer).slice());
    keys.sort(compareKeys);
    const uniq: Uint8Array[] = [];
    for (const k of keys) if (uniq.length === 0 || compareKeys(uniq[uniq.length - 1]!, k) !== 0) uniq.push(k);
    return { keys: uniq, multikey: w.multikey };
  }
  return plainKeys(shape, doc);
}

/**
 * The entries a text index in an earlier layout holds for `doc` (catalog `keyFormat`): none = the
 * placeholder entry it held per document before term keys, `TEXT_TERM_KEYS_V2` = the term entries
 * of keys/text_keys_v2.ts; null when it holds none (or the index is in the current layout).
 */
export function previousTextKeys(ix: IndexEntry, doc: Doc, opts: IndexKeyOptions): Uint8Array[] | null {
  if (ix.keyFormat === TEXT_TERM_KEYS) return null;
  if (ix.keyFormat === undefined) return legacyTextKeys(ix, doc, opts)?.keys ?? null;
  const shape = indexShape(ix, opts);
  if (!shape.text || ix.keyFormat !== TEXT_TERM_KEYS_V2) return null;
  if (shape.partial && !shape.partial(doc)) return null;
  const keys = textKeysV2(shape.text, doc);
  return keys.length === 0 ? null : keys;
}

/**
 * The placeholder entry a text index held per document before term keys (its key pattern read as
 * plain fields), for an index still in that layout; null when the document has none.
 */
export function legacyTextKeys(
  ix: IndexEntry,
  doc: Doc,
  opts: IndexKeyOptions,
): { keys: Uint8Array[]; multikey: boolean } | null {
  const shape = indexShape(ix, opts);
  if (shape.partial && !shape.partial(doc)) return null;
  return plainKeys(shape, doc);
}

/** Keys of the fields of the key pattern, each path's values expanded (multikey). */
function plainKeys(shape: IndexShape, doc: Doc): { keys: Uint8Array[]; multikey: boolean } | null {
  const exp = expandKeys(doc, shape.fields);
  if (exp.parallel) {
    throw new CommandError(
      "CannotIndexParallelArrays",
      `cannot index parallel arrays [${exp.parallel[0]}] [${exp.parallel[1]}]`,
    );
  }
  if (shape.sparse && exp.allMissing) return null;
  // a sparse index leaves out the keys of branches with every field missing (mongod, per generated key)
  const missing = shape.sparse ? exp.missing : undefined;
  const tuples = missing ? exp.tuples.filter((_, i) => !missing[i]) : exp.tuples;
  if (shape.hashed !== undefined) {
    const at = shape.hashed;
    if (exp.multikey && hashedPathHasArray(doc, shape.fields[at]!)) {
      throw new CommandError(
        Location.HashedIndexArrayValue,
        "hashed indexes do not currently support array values",
      );
    }
    for (const t of tuples) t[at] = hashedValue(t[at] ?? null);
  }
  if (tuples.length === 1) {
    return { keys: [encodeIndexKey(tuples[0]!, shape.dirs, shape.keyer)], multikey: exp.multikey };
  }
  // (each key is its own view of the encoder's slab, never overwritten: no copy of its own)
  const keys = tuples.map((t) => encodeIndexKey(t, shape.dirs, shape.keyer));
  keys.sort(compareKeys);
  const uniq: Uint8Array[] = [];
  for (const k of keys) if (uniq.length === 0 || compareKeys(uniq[uniq.length - 1]!, k) !== 0) uniq.push(k);
  return { keys: uniq, multikey: exp.multikey };
}

/** True when the value at (or on the way to) `path` is an array. */
function hashedPathHasArray(doc: Doc, path: string): boolean {
  let cur: unknown = doc;
  for (const part of path.split(".")) {
    if (Array.isArray(cur)) return true;
    if (cur === null || typeof cur !== "object") return false;
    cur = (cur as Doc)[part];
  }
  return Array.isArray(cur);
}

function encodeTuples(
  r: { tuples: unknown[][]; multikey: boolean } | null,
  dirs: readonly (1 | -1)[],
): { keys: Uint8Array[]; multikey: boolean } | null {
  if (r === null) return null;
  const keys = r.tuples.map((t) => encodeIndexKey(t, dirs));
  keys.sort(compareKeys);
  const uniq: Uint8Array[] = [];
  for (const k of keys) if (uniq.length === 0 || compareKeys(uniq[uniq.length - 1]!, k) !== 0) uniq.push(k);
  return { keys: uniq, multikey: r.multikey };
}

/** Every index entry of `doc` in `coll` (the `_id_` key included). */
export function indexKeysOf(coll: CollectionEntry, doc: Doc, opts: IndexKeyOptions): IndexKeys {
  const keys = new Map<string, Uint8Array[]>();
  let multikey: string[] | undefined;
  let removeOnly: Map<string, Uint8Array[]> | undefined;
  let refusal: CommandError | undefined;
  for (const ix of coll.indexes) {
    if (ix.name === "_id_") {
      keys.set("_id_", [idKeyOf(coll, doc["_id"])]);
      continue;
    }
    if (ix.keyFormat !== TEXT_TERM_KEYS && textIndexInfo(ix.spec)) {
      // A text index in an earlier layout, until its rewrite (executor/text_index_upgrade.ts) has
      // marked it: writes add current entries only and remove the earlier layout's entries the old
      // document may still have, so no write leaves one behind the rewrite (an update moving a
      // compound index's prefix used to add a fresh placeholder to a record already rewritten).
      let previous;
      try {
        previous = previousTextKeys(ix, doc, opts);
      } catch {
        previous = null; // a document the old layout could not have indexed either
      }
      if (previous) (removeOnly ??= new Map()).set(ix.name, previous);
    }
    const r = keysForIndex(ix, doc, opts);
    if (r === null) continue;
    refusal ??= r.refusal;
    keys.set(ix.name, r.keys);
    if (r.multikey) (multikey ??= []).push(ix.name);
  }
  if (removeOnly) Object.assign(keys, { removeOnly });
  if (refusal) Object.assign(keys, { refusal });
  return multikey ? Object.assign(keys, { multikey }) : keys;
}

/** Top-level fields the indexes of a collection read, per `coll.indexes` array (see below). */
const topFieldsCache = new WeakMap<object, ReadonlySet<string> | null>();

/**
 * The top-level fields whose values `indexKeysOf` reads for `coll`'s indexes, `_id` always among them —
 * a document holding only those fields gets the same keys as the whole document — or undefined
 * when some index reads more than its key pattern's paths (geo, text, wildcard, a partial filter, an
 * index whose spec is still being upgraded): then only the whole document will do. Cached per
 * indexes list (a catalog change brings a new list).
 */
export function indexedTopFields(
  coll: CollectionEntry,
  opts: IndexKeyOptions,
): ReadonlySet<string> | undefined {
  let fields = topFieldsCache.get(coll.indexes);
  if (fields === undefined) {
    fields = topFieldsOf(coll, opts);
    topFieldsCache.set(coll.indexes, fields);
  }
  return fields ?? undefined;
}

function topFieldsOf(coll: CollectionEntry, opts: IndexKeyOptions): ReadonlySet<string> | null {
  const out = new Set<string>(["_id"]);
  for (const ix of coll.indexes) {
    if (ix.name === "_id_") continue;
    const fields = indexReadsTopFields(ix, opts);
    if (fields === null) return null;
    for (const f of fields) out.add(f);
  }
  return out;
}

/**
 * The top-level fields whose values `keysForIndex` reads for `ix` — a document holding only those gets
 * the same keys — or null when it reads more than its key pattern's paths (geo, text, wildcard, a
 * partial filter, a spec still being upgraded).
 */
export function indexReadsTopFields(ix: IndexEntry, opts: IndexKeyOptions): string[] | null {
  if (textIndexInfo(ix.spec)) return null;
  const shape = indexShape(ix, opts);
  if (shape.partial || shape.geo || shape.text || shape.wildcard) return null;
  return shape.fields.map((f) => f.split(".")[0]!);
}

/** Index key documents ignore partial filters: the entry exists, only its values are wanted. */
const KEY_DOC_OPTS: IndexKeyOptions = { compilePartialFilter: () => () => true };

/** Does index `ix` hold entry `key` for `doc` (an OR's row: which branch's index found it)? */
export function indexHoldsKey(ix: IndexEntry, doc: Doc, key: Uint8Array): boolean {
  if (ix.name === "_id_") return compareKeys(idIndexKey(doc["_id"]), key) === 0;
  return keysForIndex(ix, doc, KEY_DOC_OPTS)?.keys.some((k) => compareKeys(k, key) === 0) ?? false;
}

/**
 * The index key `key` (one entry of index `ix` for `doc`) as mongod's returnKey / `{$meta:
 * "indexKey"}` shows it: one field per key-pattern field (dotted names stay flat), the values the
 * entry was built from (a hashed field's int64 hash; a wildcard entry as `{$_path, <path>}`). The
 * values come from the document, matched to the entry by re-encoding (so a multikey entry shows the
 * array element it stands for); collated strings show the original string.
 */
export function indexKeyDocOf(ix: IndexEntry, doc: Doc, key: Uint8Array): Doc {
  const pattern = (ix.spec["key"] ?? {}) as Doc;
  if (ix.name === "_id_") return { _id: doc["_id"] };
  const shape = indexShape(ix, KEY_DOC_OPTS);
  const build = (names: readonly string[], t: readonly unknown[]): Doc => {
    const out: Doc = {};
    names.forEach((n, i) => out[n] = t[i] === undefined ? null : t[i]);
    return out;
  };
  if (shape.wildcard) {
    const w = wildcardEntries(shape.wildcard, doc);
    const hit = w.entries.find(([p, v]) =>
      compareKeys(encodeIndexKey([p, v], WILDCARD_DIRS, shape.keyer), key) === 0
    ) ??
      w.entries[0];
    return hit ? { $_path: hit[0], [hit[0]]: hit[1] } : {};
  }
  let tuples: unknown[][];
  if (shape.geo) tuples = geoKeyTuples(shape.geo, doc)?.tuples ?? [];
  else {
    tuples = expandKeys(doc, shape.fields).tuples;
    if (shape.hashed !== undefined) {
      const at = shape.hashed;
      tuples = tuples.map((t) => t.map((v, i) => (i === at ? hashedValue(v ?? null) : v)));
    }
  }
  const names = Object.keys(pattern);
  const hit = tuples.find((t) => compareKeys(encodeIndexKey(t, shape.dirs, shape.keyer), key) === 0) ??
    tuples[0];
  return hit ? build(names, hit) : {};
}
