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
 * and null: no `$exists`, `$type`, regular expressions), so whole groups stay or go. The moved part keeps
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
      const split = splitOver(prevName, prevSpec, filter, objects);
      if (split === undefined) break;
      out ??= [...stages];
      const moved = { $match: split.moved };
      const around = split.kept === undefined
        ? [moved, out[j - 1]]
        : [moved, out[j - 1], { $match: split.kept }];
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
): { moved: Document; kept: Document | undefined } | undefined {
  const may = movableOver(name, spec);
  if (may === undefined) return undefined;
  const moved: Document[] = [];
  const kept: Document[] = [];
  const copies = copiesOf(name, spec, objects);
  for (const c of conjuncts(filter)) {
    const fields = (JSON.stringify(c) ?? "").includes('"$meta"') ? null : filterTopFields(c);
    if (fields !== null && fields.size > 0 && [...fields].every(may)) moved.push(c);
    else {
      const renamed = renamedConjunct(c, copies);
      if (renamed !== undefined) moved.push(renamed);
      else kept.push(c);
    }
  }
  if (moved.length === 0) return undefined;
  return { moved: joined(moved), kept: kept.length === 0 ? undefined : joined(kept) };
}

/**
 * How a field a stage outputs holds a field of its input: `copy` — the same value (`{x: "$y"}`, or
 * `{x: "$d.y"}` when `d` is a document in every input); `key` — a `$group` key's plain path (the
 * group's documents all hold that value, up to the equality `$group` uses, with missing as null). A
 * dotted path into a field that may be an array is no copy: `{x: "$p.n"}` gathers the values of `p`'s
 * elements, and a predicate on `x` can tell that array from the path's values (mongod's reason too).
 */
type Copy = { source: string; kind: "copy" | "key" };

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
      if (source !== undefined && !source.includes(".")) out.set(field, { source, kind: "key" });
    }
    return out;
  }
  if ((name !== "$addFields" && name !== "$set" && name !== "$project") || !isObj(spec)) return out;
  for (const [k, v] of Object.entries(spec)) {
    const source = pathOf(v);
    if (k.includes(".") || source === undefined) continue;
    const dots = source.split(".").length - 1;
    const exact = dots === 0 || (dots === 1 && objects.has(topOf(source)));
    if (exact) out.set(k, { source, kind: "copy" });
  }
  return out;
}

/**
 * A conjunct on one copied field (`{x: …}` or `{"x.a": …}`) as the same predicate on its source, or
 * undefined (a key's copy takes only the tests `sameOnEqualValues` allows).
 */
function renamedConjunct(
  c: Document,
  copies: ReadonlyMap<string, Copy>,
): Document | undefined {
  if (copies.size === 0) return undefined;
  const keys = Object.keys(c);
  if (keys.length !== 1 || keys[0]!.startsWith("$")) return undefined;
  const key = keys[0]!;
  const v = c[key];
  if ((JSON.stringify(v) ?? "").includes('"$meta"')) return undefined;
  for (const [field, copy] of copies) {
    if (key !== field && !key.startsWith(field + ".")) continue;
    const path = copy.source + key.slice(field.length);
    if (copy.kind === "copy" || (copy.kind === "key" && sameOnEqualValues(v))) return { [path]: v };
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
