/**
 * match_pushdown.ts — mongod's pipeline optimisation that moves `$match` filters earlier, so that a filter
 * written after a reshaping or reordering stage still filters the collection's records (through an index
 * when it can) instead of every document that stage makes.
 *
 * A `$match` right after a `$sort` goes before it; after `$addFields`/`$set`, `$unset`, `$project`,
 * `$lookup` or `$unwind`, the parts of its filter (top-level conjuncts, `$and`'s elements flattened)
 * that read no top-level field the stage changes go before it as a `$match` of their own, and the rest
 * stays where it was; a predicate on a field the stage sets to a copy of another top-level field
 * (`{id: "$_id"}`, or `{who: "$_id.o"}` right after a `$group` whose `_id` is a document) goes before it
 * as the same predicate on the source. After a `$group`, a comparison on its key (`_id` for
 * `_id: "$owner"`, `_id.o` for `_id: {o: "$owner", …}`) goes before it on the key's field, as mongod
 * renames it — only the comparisons that cannot tell apart values one group holds (1 and 1.0, missing
 * and null: no `$exists`, `$type`, regular expressions), so whole groups stay or go. A scalar equality or
 * range on a dotted copy (`{name: "$profile.name"}`, or a `$group` key `"$profile.name"`) goes before the
 * stage on the path as a looser filter and stays after it too (the path matches every document whose
 * copy matches, and some more when `profile` is an array: mongod moves none of these). The moved part keeps
 * moving while it can. The answer is the same: a stage that changes no field a conjunct reads leaves the
 * conjunct's verdict on each document as it was, a copy holds its source's value, and `$sort` and
 * `$unwind` only reorder or repeat documents. A conjunct is left where it is when this
 * analysis cannot tell what it reads (`$where`, `$text`, `$jsonSchema`, `$expr` over `$$ROOT`… —
 * `filterTopFields` is null) or it reads metadata (`$meta`). Fields are compared by their top-level
 * name (`a.b` and `a.c` conflict): coarser than mongod's path analysis, never wrong. PURE.
 */
import { isObj } from "../expression/compile.ts";
import { filterTopFields } from "../query/fields.ts";
import { kindOf } from "../../bson/values.ts";
import { stageEntry } from "./stage_entry.ts";
import type { Document } from "./types.ts";

/**
 * `stages` with their `$match` filters moved as far up as they can go; the same array when nothing
 * moves. The stages must have been validated as written (a moved filter must not change which error a
 * bad pipeline gets).
 */
export function moveMatchesEarlier(stages: readonly unknown[]): readonly unknown[] {
  let out: unknown[] | undefined;
  /** Kept filters whose looser copies already went earlier (not copied again when revisited). */
  const loosened = new WeakSet<object>();
  let i = 1;
  while (i < (out ?? stages).length) {
    const list = out ?? stages;
    const [name, spec] = stageEntry(list[i]);
    if (name !== "$match" || !isObj(spec)) {
      i++;
      continue;
    }
    let j = i;
    let filter: Document = spec;
    while (j > 0) {
      const now = out ?? stages;
      const [prevName, prevSpec] = stageEntry(now[j - 1]);
      const objects = j > 1 ? objectFieldsAfter(now[j - 2]) : new Set<string>();
      const split = splitOver(prevName, prevSpec, filter, objects, !loosened.has(filter));
      if (split === undefined) break;
      out ??= [...stages];
      const moved = { $match: split.moved };
      let around: unknown[] = [moved, out[j - 1]];
      if (split.kept !== undefined) {
        if (split.loosened) loosened.add(split.kept);
        around = [moved, out[j - 1], { $match: split.kept }];
      }
      out.splice(j - 1, 2, ...around);
      filter = split.moved;
      j--;
    }
    i++;
  }
  return out ?? stages;
}

/**
 * The top-level fields every document a stage outputs holds as a document: a `$group`'s `_id` when
 * it is given as a document of fields (`{o: "$owner"}`), so a path into it traverses no array.
 */
function objectFieldsAfter(stage: unknown): Set<string> {
  const [name, spec] = stageEntry(stage);
  return name === "$group" && isObj(spec) && fieldsKey(spec["_id"]) !== undefined
    ? new Set(["_id"])
    : new Set();
}

/** A `$group` key given as a document of fields (`{o: "$owner", y: {$year: "$t"}}`): its entries. */
function fieldsKey(key: unknown): [string, unknown][] | undefined {
  if (!isObj(key)) return undefined;
  const entries = Object.entries(key);
  return entries.length > 0 && !entries[0]![0].startsWith("$") ? entries : undefined;
}

/** The filter's conjuncts: its top-level entries, `$and`'s elements taken apart. */
function conjuncts(filter: Document): Document[] {
  const out: Document[] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" && Array.isArray(v) && v.length > 0 && v.every((x) => isObj(x))) {
      for (const sub of v as Document[]) out.push(...conjuncts(sub));
    } else out.push({ [k]: v });
  }
  return out;
}

/** One filter of several conjuncts (their entries when no two name the same key, else an `$and`). */
function joined(parts: readonly Document[]): Document {
  const keys = parts.map((p) => Object.keys(p)[0]!);
  if (parts.every((p) => Object.keys(p).length === 1) && new Set(keys).size === keys.length) {
    return Object.assign({}, ...parts) as Document;
  }
  return { $and: [...parts] };
}

/**
 * The part of `filter` that may run before the stage `name`/`spec` (`moved`) and the rest (`kept`,
 * undefined when all of it moves); undefined when nothing may move.
 */
function splitOver(
  name: string,
  spec: unknown,
  filter: Document,
  objects: ReadonlySet<string>,
  loosen: boolean,
): { moved: Document; kept: Document | undefined; loosened: boolean } | undefined {
  const may = movableOver(name, spec);
  if (may === undefined) return undefined;
  const moved: Document[] = [];
  const kept: Document[] = [];
  let loosened = false;
  const copies = copiesOf(name, spec, objects);
  for (const c of conjuncts(filter)) {
    const fields = (JSON.stringify(c) ?? "").includes('"$meta"') ? null : filterTopFields(c);
    if (fields !== null && fields.size > 0 && [...fields].every(may)) moved.push(c);
    else {
      const renamed = renamedConjunct(c, copies, loosen);
      if (renamed !== undefined) moved.push(renamed.filter);
      if (renamed === undefined || renamed.looser) kept.push(c);
      if (renamed?.looser) loosened = true;
    }
  }
  if (moved.length === 0) return undefined;
  return { moved: joined(moved), kept: kept.length === 0 ? undefined : joined(kept), loosened };
}

/**
 * How a field a stage outputs holds a field of its input: `copy` — the same value (`{x: "$y"}`, or
 * `{x: "$d.y"}` when `d` is a document in every input); `key` — a `$group` key's plain path (the
 * group's documents all hold that value, up to the equality `$group` uses, with missing as null);
 * `gathered` — a dotted path (`{x: "$p.n"}`), whose value gathers the values of `p`'s elements when
 * `p` is an array, so the same predicate on the path may match more documents but never fewer for the
 * tests `scalarTest` allows (mongod treats such a path as no rename at all: a test on `x` can tell the
 * gathered array from the path's values).
 */
type Copy = { source: string; kind: "copy" | "key" | "gathered" };

/** The fields the stage outputs as copies of its input's fields (output field → how). */
function copiesOf(name: string, spec: unknown, objects: ReadonlySet<string>): Map<string, Copy> {
  const out = new Map<string, Copy>();
  const pathOf = (v: unknown) =>
    typeof v === "string" && v.startsWith("$") && !v.startsWith("$$") && v.length > 1
      ? v.slice(1)
      : undefined;
  if (name === "$group") {
    if (!isObj(spec)) return out;
    const key = spec["_id"];
    const entries: [string, unknown][] = typeof key === "string"
      ? [["_id", key]]
      : (fieldsKey(key) ?? []).map(([f, v]) => ["_id." + f, v]);
    for (const [field, v] of entries) {
      const source = pathOf(v);
      if (source !== undefined) out.set(field, { source, kind: source.includes(".") ? "gathered" : "key" });
    }
    return out;
  }
  if ((name !== "$addFields" && name !== "$set" && name !== "$project") || !isObj(spec)) return out;
  for (const [k, v] of Object.entries(spec)) {
    const source = pathOf(v);
    if (k.includes(".") || source === undefined) continue;
    const dots = source.split(".").length - 1;
    const exact = dots === 0 || (dots === 1 && objects.has(topOf(source)));
    out.set(k, { source, kind: exact ? "copy" : "gathered" });
  }
  return out;
}

/**
 * A conjunct on one copied field (`{x: …}` or `{"x.a": …}`) as a predicate on its source: `looser`
 * when it may match more input documents than the conjunct after the stage does (the conjunct is kept
 * after the stage too); undefined when neither holds.
 */
function renamedConjunct(
  c: Document,
  copies: ReadonlyMap<string, Copy>,
  loosen: boolean,
): { filter: Document; looser: boolean } | undefined {
  if (copies.size === 0) return undefined;
  const keys = Object.keys(c);
  if (keys.length !== 1 || keys[0]!.startsWith("$")) return undefined;
  const key = keys[0]!;
  const v = c[key];
  if ((JSON.stringify(v) ?? "").includes('"$meta"')) return undefined;
  for (const [field, copy] of copies) {
    if (key !== field && !key.startsWith(field + ".")) continue;
    const path = copy.source + key.slice(field.length);
    if (copy.kind === "copy") return { filter: { [path]: v }, looser: false };
    if (copy.kind === "key" && sameOnEqualValues(v)) return { filter: { [path]: v }, looser: false };
    if (copy.kind === "gathered" && loosen && key === field && scalarTest(v)) {
      return { filter: { [path]: v }, looser: true };
    }
  }
  return undefined;
}

const COMPARISONS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"]);

/**
 * A predicate that gives the same verdict on values `$group` puts in one group (1 and 1.0; missing
 * and null) and on the value the group shows: comparisons and equality, no `$exists`, `$type` or regular
 * expression (they tell such values apart).
 */
function sameOnEqualValues(v: unknown): boolean {
  const noRegex = (x: unknown): boolean =>
    kindOf(x) !== "regex" && (!Array.isArray(x) || x.every(noRegex)) &&
    (!isObj(x) || Object.values(x).every(noRegex));
  if (!isObj(v) || !Object.keys(v).some((k) => k.startsWith("$"))) return noRegex(v);
  return Object.entries(v).every(([op, x]) => COMPARISONS.has(op) && noRegex(x));
}

const SCALARS = new Set(["int", "long", "double", "decimal", "string", "bool", "date", "objectId"]);

/**
 * Equality or a range against scalar values (not null, an array, a document or a regular expression):
 * a test that holds for a gathered value (or one of its elements) holds for the dotted path's value
 * in the element it came from, so it matches at least the same documents on the path.
 */
function scalarTest(v: unknown): boolean {
  const scalar = (x: unknown) => SCALARS.has(kindOf(x));
  if (!isObj(v)) return scalar(v);
  const entries = Object.entries(v);
  return entries.length > 0 &&
    entries.every(([op, x]) =>
      op === "$in"
        ? Array.isArray(x) && x.every(scalar)
        : ["$eq", "$gt", "$gte", "$lt", "$lte"].includes(op) && scalar(x)
    );
}

const topOf = (path: string) => {
  const dot = path.indexOf(".");
  return dot < 0 ? path : path.slice(0, dot);
};

const excluded = (v: unknown) => v === false || v === 0;

/**
 * Which top-level fields a filter may read and still run before the stage: a test per field, or
 * undefined when no filter moves over this stage.
 */
function movableOver(name: string, spec: unknown): ((field: string) => boolean) | undefined {
  const changedNone = (changed: ReadonlySet<string>) => (f: string) => !changed.has(f);
  switch (name) {
    case "$sort":
      return () => true;
    case "$addFields":
    case "$set":
      return isObj(spec) ? changedNone(new Set(Object.keys(spec).map(topOf))) : undefined;
    case "$unset": {
      const paths = typeof spec === "string" ? [spec] : spec;
      if (!Array.isArray(paths) || !paths.every((p) => typeof p === "string")) return undefined;
      return changedNone(new Set((paths as string[]).map(topOf)));
    }
    case "$lookup":
      return isObj(spec) && typeof spec["as"] === "string"
        ? changedNone(new Set([topOf(spec["as"])]))
        : undefined;
    case "$unwind": {
      const path = typeof spec === "string" ? spec : isObj(spec) ? spec["path"] : undefined;
      if (typeof path !== "string" || !path.startsWith("$")) return undefined;
      const changed = new Set([topOf(path.slice(1))]);
      if (isObj(spec) && typeof spec["includeArrayIndex"] === "string") {
        changed.add(topOf(spec["includeArrayIndex"]));
      }
      return changedNone(changed);
    }
    case "$project":
      return isObj(spec) ? overProject(spec) : undefined;
    case "$group":
      // every output field is new: only the key's copies (copiesOf) move
      return () => false;
    default:
      return undefined;
  }
}

/**
 * A `$project`: an exclusion changes the fields it names; an inclusion keeps unchanged only the
 * top-level fields it includes whole (`a: 1`/`true`, and `_id` unless excluded) — a field it does not
 * name is gone, a computed or dotted one is new.
 */
function overProject(spec: Document): ((field: string) => boolean) | undefined {
  const entries = Object.entries(spec);
  if (entries.length === 0) return undefined;
  const others = entries.filter(([k]) => k !== "_id");
  if (others.every(([, v]) => excluded(v))) {
    const changed = new Set(entries.filter(([, v]) => excluded(v)).map(([k]) => topOf(k)));
    return (f) => !changed.has(f);
  }
  const kept = new Set<string>();
  for (const [k, v] of entries) {
    if (!k.includes(".") && (v === true || (typeof v === "number" && v !== 0))) kept.add(k);
  }
  if (!Object.hasOwn(spec, "_id")) kept.add("_id");
  return (f) => kept.has(f);
}
