/**
 * Which top-level fields of the input documents a pipeline can possibly read, so the executor can
 * decode only those (decoding whole 1 KB documents dominates a `$group` over a collection). PURE.
 *
 * Conservative: the answer is a set of top-level field names, or `null` = "the whole document".
 * Stages are walked in order, collecting the fields each one reads, until a stage that builds brand
 * new documents ($group, $count, $sortByCount, $bucket, $bucketAuto, $replaceRoot/$replaceWith, an
 * inclusion $project): what follows it cannot see the input any more. If no such stage comes, the
 * output is the input documents themselves → null. Anything unknown → null. Over-reporting a field
 * costs a little decoding; under-reporting would be a bug, so every doubt answers null.
 *
 * The same walk, over the stages after a `$lookup`, says which fields of the joined documents they
 * read (`joinedFieldDependencies`): the paths under its `as` array.
 */
import type { Document as Doc } from "../../bson/document.ts";
import { isNumeric } from "../../bson/values.ts";
import { truthy } from "../expression/numeric.ts";
import { exprPaths, topOf } from "../expression/expr_fields.ts";

const PASS_THROUGH = new Set(["$limit", "$skip", "$sample"]);

function isDoc(v: unknown): v is Doc {
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    (v as { _bsontype?: string })._bsontype === undefined && !(v instanceof Date);
}

/** Adds the paths an expression reads (a path read whole: its subfields too); false: the whole document. */
const exprFields = exprPaths;

function filterFields(filter: unknown, out: Set<string>): boolean {
  if (!isDoc(filter)) return false;
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$comment") continue;
    if (k === "$and" || k === "$or" || k === "$nor") {
      if (!Array.isArray(v) || !v.every((s) => filterFields(s, out))) return false;
      continue;
    }
    if (k === "$expr") {
      if (!exprFields(v, out)) return false;
      continue;
    }
    if (k.startsWith("$")) return false;
    out.add(k);
  }
  return true;
}

/** Accumulators that run code: what they read is unknown. */
const OPAQUE_ACCUMULATORS = new Set(["$accumulator"]);

/** Accumulators whose `sortBy` names fields without `$` beside their `output` (and `n`) expressions. */
const SORTED_ACCUMULATORS = new Set(["$top", "$bottom", "$topN", "$bottomN"]);

/** `{sortBy, output, n}` of a `$top`/`$bottom`/`$topN`/`$bottomN`: its sort fields and expressions' paths. */
function sortedAccumulatorFields(arg: unknown, out: Set<string>): boolean {
  if (!isDoc(arg)) return false;
  const sortBy = arg["sortBy"];
  if (!isDoc(sortBy)) return false;
  for (const [k, v] of Object.entries(sortBy)) {
    if (isDoc(v) || k.startsWith("$")) return false; // $meta sorts
    out.add(topOf(k));
  }
  if (!exprFields(arg["output"], out)) return false;
  return arg["n"] === undefined || exprFields(arg["n"], out);
}

function accumulatorFields(acc: unknown, out: Set<string>): boolean {
  if (!isDoc(acc)) return false;
  for (const [op, arg] of Object.entries(acc)) {
    if (SORTED_ACCUMULATORS.has(op)) {
      if (!sortedAccumulatorFields(arg, out)) return false;
    } else if (OPAQUE_ACCUMULATORS.has(op) || !exprFields(arg, out)) return false;
  }
  return true;
}

/**
 * `$setWindowFields`: its `partitionBy` expression, `sortBy` fields and each output's function argument
 * (a `window` spec names no fields); it adds its outputs to the documents it passes on.
 */
function windowFields(spec: unknown, out: Set<string>): boolean {
  if (!isDoc(spec)) return false;
  if (spec["partitionBy"] !== undefined && !exprFields(spec["partitionBy"], out)) return false;
  const sortBy = spec["sortBy"];
  if (sortBy !== undefined) {
    if (!isDoc(sortBy)) return false;
    for (const [k, v] of Object.entries(sortBy)) {
      if (isDoc(v)) return false; // $meta sorts
      out.add(topOf(k));
    }
  }
  const output = spec["output"];
  if (!isDoc(output)) return false;
  for (const fn of Object.values(output)) {
    if (!isDoc(fn)) return false;
    for (const [op, arg] of Object.entries(fn)) {
      if (op === "window") continue;
      if (SORTED_ACCUMULATORS.has(op)) {
        if (!sortedAccumulatorFields(arg, out)) return false;
      } else if (OPAQUE_ACCUMULATORS.has(op) || !exprFields(arg, out)) return false;
    }
  }
  return true;
}

/** Outcome of one stage: the fields it reads, and whether later stages still see the input. */
type StageDeps = { ok: false } | { ok: true; closes: boolean };

/**
 * Adds the paths the stage reads to `out` (a path read whole: its subfields too), and the path an
 * `$unwind` unwinds to `unwound` (it reads the array, passing each element on whole as the path).
 */
function stageFields(name: string, spec: unknown, out: Set<string>, unwound: Set<string>): StageDeps {
  const fail: StageDeps = { ok: false };
  if (PASS_THROUGH.has(name)) return { ok: true, closes: false };
  switch (name) {
    case "$match":
      return filterFields(spec, out) ? { ok: true, closes: false } : fail;
    case "$sort":
      if (!isDoc(spec)) return fail;
      for (const [k, v] of Object.entries(spec)) {
        if (isDoc(v)) return fail; // $meta sorts
        out.add(k);
      }
      return { ok: true, closes: false };
    case "$group": {
      if (!isDoc(spec)) return fail;
      for (const [k, v] of Object.entries(spec)) {
        if (k === "_id") {
          if (!exprFields(v, out)) return fail;
        } else if (!accumulatorFields(v, out)) return fail;
      }
      return { ok: true, closes: true };
    }
    case "$count":
      return { ok: true, closes: true };
    case "$sortByCount":
      return exprFields(spec, out) ? { ok: true, closes: true } : fail;
    case "$replaceRoot":
      return isDoc(spec) && exprFields(spec["newRoot"], out) ? { ok: true, closes: true } : fail;
    case "$replaceWith":
      return exprFields(spec, out) ? { ok: true, closes: true } : fail;
    case "$bucket":
    case "$bucketAuto":
      if (!isDoc(spec) || !exprFields(spec["groupBy"], out)) return fail;
      if (spec["output"] !== undefined) {
        if (!isDoc(spec["output"])) return fail;
        for (const acc of Object.values(spec["output"])) if (!accumulatorFields(acc, out)) return fail;
      }
      return { ok: true, closes: true };
    case "$project": {
      if (!isDoc(spec)) return fail;
      let inclusion = false;
      for (const [k, v] of Object.entries(spec)) {
        // (a zero of any numeric type: a client may send 0.0 as a double)
        if (v === false || (isNumeric(v) && !truthy(v))) {
          if (k !== "_id") return fail; // exclusion projection: keeps everything else
          continue;
        }
        inclusion = true;
        out.add(k);
        if (!(v === true || isNumeric(v)) && !exprFields(v, out)) return fail;
      }
      if (!inclusion) return fail;
      out.add("_id");
      return { ok: true, closes: true };
    }
    case "$addFields":
    case "$set":
      if (!isDoc(spec)) return fail;
      return Object.values(spec).every((v) => exprFields(v, out)) ? { ok: true, closes: false } : fail;
    case "$unset":
      return { ok: true, closes: false };
    case "$setWindowFields":
      return windowFields(spec, out) ? { ok: true, closes: false } : fail;
    case "$facet": {
      // each facet reads what its pipeline reads; the output holds only the facets
      if (!isDoc(spec)) return fail;
      for (const sub of Object.values(spec)) {
        if (!Array.isArray(sub)) return fail;
        const deps = pipelineDependencies(sub);
        if (deps === null) return fail;
        for (const f of deps) out.add(f);
      }
      return { ok: true, closes: true };
    }
    case "$lookup": {
      // the input fields it joins on or passes as variables; the joined array replaces `as`
      if (!isDoc(spec)) return fail;
      const local = spec["localField"];
      if (local !== undefined) {
        if (typeof local !== "string") return fail;
        out.add(local);
      }
      const vars = spec["let"];
      if (vars !== undefined && (!isDoc(vars) || !Object.values(vars).every((v) => exprFields(v, out)))) {
        return fail;
      }
      return { ok: true, closes: false };
    }
    case "$unwind": {
      const path = typeof spec === "string" ? spec : isDoc(spec) ? spec["path"] : undefined;
      if (typeof path !== "string" || !path.startsWith("$")) return fail;
      unwound.add(path.slice(1));
      return { ok: true, closes: false };
    }
    default:
      return fail;
  }
}

/**
 * The paths `stages` read of their input (`paths`) and unwind (`unwound`), or null when they may read
 * the whole document or their output holds the input documents (no stage closes).
 */
function readPaths(stages: readonly unknown[]): { paths: Set<string>; unwound: Set<string> } | null {
  const paths = new Set<string>();
  const unwound = new Set<string>();
  for (const stage of stages) {
    if (!isDoc(stage)) return null;
    const keys = Object.keys(stage);
    if (keys.length !== 1) return null;
    const name = keys[0]!;
    const r = stageFields(name, stage[name], paths, unwound);
    if (!r.ok) return null;
    if (r.closes) return { paths, unwound };
  }
  return null;
}

/** Top-level input fields the pipeline may read, or null for the whole document. */
export function pipelineDependencies(stages: readonly unknown[]): Set<string> | null {
  const read = readPaths(stages);
  if (read === null) return null;
  const out = new Set<string>();
  for (const p of read.paths) out.add(topOf(p));
  for (const p of read.unwound) out.add(topOf(p));
  return out;
}

/**
 * The top-level fields of the documents a `$lookup` joins into the array `as` (a top-level name) that
 * the `stages` after it can read, or null for whole documents. Each path under `as` names a field of
 * the joined documents (an array's path reaches its elements' fields; an `$unwind` of `as` puts each
 * element at `as`, where the same paths reach it). `as` read whole, by position (`as.0`), by anything
 * that may read whole documents, or reaching the output (no stage closes): null. A stage that counts
 * the elements (`$count`, `$unwind`) reads none of their fields: the empty set.
 */
export function joinedFieldDependencies(stages: readonly unknown[], as: string): Set<string> | null {
  if (as.includes(".")) return null;
  const read = readPaths(stages);
  if (read === null) return null;
  const out = new Set<string>();
  for (const p of read.paths) {
    if (p === as) return null;
    if (!p.startsWith(as + ".")) continue;
    const field = topOf(p.slice(as.length + 1));
    if (field === "" || /^[0-9]+$/.test(field)) return null;
    out.add(field);
  }
  for (const p of read.unwound) {
    if (p === as) continue;
    if (p.startsWith(as + ".")) return null; // (an array inside the joined documents, unwound whole)
  }
  return out;
}
