/**
 * match_pushdown.ts — mongod's pipeline optimisation that moves `$match` filters earlier, so that a filter
 * written after a reshaping or reordering stage still filters the collection's records (through an index
 * when it can) instead of every document that stage makes.
 *
 * A `$match` right after a `$sort` goes before it; after `$addFields`/`$set`, `$unset`, `$project`,
 * `$lookup` or `$unwind`, the parts of its filter (top-level conjuncts, `$and`'s elements flattened)
 * that read no top-level field the stage changes go before it as a `$match` of their own, and the rest
 * stays where it was; a predicate on a field the stage sets to a copy of another top-level field
 * (`{id: "$_id"}`) goes before it as the same predicate on the source. The moved part keeps moving while
 * it can. The answer is the same: a stage that changes no field a conjunct reads leaves the conjunct's
 * verdict on each document as it was, a copy holds its source's value, and `$sort` and `$unwind` only
 * reorder or repeat documents. A conjunct is left where it is when this
 * analysis cannot tell what it reads (`$where`, `$text`, `$jsonSchema`, `$expr` over `$$ROOT`… —
 * `filterTopFields` is null) or it reads metadata (`$meta`). Fields are compared by their top-level
 * name (`a.b` and `a.c` conflict): coarser than mongod's path analysis, never wrong. PURE.
 */
import { isObj } from "../expression/compile.ts";
import { filterTopFields } from "../query/fields.ts";
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
      const [prevName, prevSpec] = stageEntry((out ?? stages)[j - 1]);
      const split = splitOver(prevName, prevSpec, filter);
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
): { moved: Document; kept: Document | undefined } | undefined {
  const may = movableOver(name, spec);
  if (may === undefined) return undefined;
  const moved: Document[] = [];
  const kept: Document[] = [];
  const renames = renamesOf(name, spec);
  for (const c of conjuncts(filter)) {
    const fields = (JSON.stringify(c) ?? "").includes('"$meta"') ? null : filterTopFields(c);
    if (fields !== null && fields.size > 0 && [...fields].every(may)) moved.push(c);
    else {
      const renamed = renamedConjunct(c, renames);
      if (renamed !== undefined) moved.push(renamed);
      else kept.push(c);
    }
  }
  if (moved.length === 0) return undefined;
  return { moved: joined(moved), kept: kept.length === 0 ? undefined : joined(kept) };
}

/**
 * The top-level fields the stage sets to a copy of another top-level field of its input (`{x: "$y"}` in
 * `$addFields`/`$set`/`$project`): new name → source name. A copy is the same value, so a predicate on
 * the new name before the stage reads the source (a dotted source is not a copy: an array's path
 * gathers its elements' values).
 */
function renamesOf(name: string, spec: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if ((name !== "$addFields" && name !== "$set" && name !== "$project") || !isObj(spec)) return out;
  for (const [k, v] of Object.entries(spec)) {
    if (
      !k.includes(".") && typeof v === "string" && v.startsWith("$") && !v.startsWith("$$") &&
      !v.includes(".") && v.length > 1
    ) {
      out.set(k, v.slice(1));
    }
  }
  return out;
}

/**
 * A conjunct on one renamed field (`{x: …}` or `{"x.a": …}`) as the same predicate on its source, or
 * undefined.
 */
function renamedConjunct(c: Document, renames: ReadonlyMap<string, string>): Document | undefined {
  if (renames.size === 0) return undefined;
  const keys = Object.keys(c);
  if (keys.length !== 1 || keys[0]!.startsWith("$")) return undefined;
  const key = keys[0]!;
  const source = renames.get(topOf(key));
  if (source === undefined) return undefined;
  const v = c[key];
  if ((JSON.stringify(v) ?? "").includes('"$meta"')) return undefined;
  return { [source + key.slice(topOf(key).length)]: v };
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
