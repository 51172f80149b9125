/**
 * array_ops.ts — the array update operators: `$push` (with `$each $slice $sort $position`),
 * `$addToSet` (with `$each`), `$pull`, `$pullAll`, `$pop`. Arguments are validated at compile time.
 */
import { CommandError } from "../../errors/command_error.ts";
import { bsonTypeAlias, compareValues, valuesEqual } from "../../bson/compare.ts";
import { isDocument, isNumeric } from "../../bson/values.ts";
import { cloneDeep, readAt, resolveForWrite, writeAt } from "../path/mutate.ts";
import { describeValue } from "../path/describe.ts";
import { splitPath } from "../path/field_path.ts";
import { compileFilter } from "../query/filter.ts";
import { isOperatorDocument } from "../query/field_ops.ts";
import { isRegexValue } from "../query/regex.ts";
import { compileSort } from "../sort/sort.ts";
import type { Collated, Document, UpdateAction } from "./types.ts";

function integerArg(name: string, v: unknown): number {
  if (!isNumeric(v) || !Number.isInteger(Number(v))) {
    throw new CommandError(
      "BadValue",
      `The value for ${name} must be an integer value but was given type: ${bsonTypeAlias(v)}`,
    );
  }
  return Number(v);
}

interface PushSpec {
  each: unknown[];
  slice?: number;
  sort?: (a: unknown, b: unknown) => number;
  position?: number;
}

function parsePush(arg: unknown, cx: Collated): PushSpec {
  if (!isDocument(arg) || !("$each" in arg)) return { each: [arg] };
  const spec: PushSpec = { each: [] };
  for (const [k, v] of Object.entries(arg)) {
    switch (k) {
      case "$each":
        if (!Array.isArray(v)) {
          throw new CommandError(
            "BadValue",
            `The argument to $each in $push must be an array but it was of type: ${bsonTypeAlias(v)}`,
          );
        }
        spec.each = v;
        break;
      case "$slice":
        spec.slice = integerArg("$slice", v);
        break;
      case "$position":
        spec.position = integerArg("$position", v);
        break;
      case "$sort":
        spec.sort = parsePushSort(v, cx);
        break;
      default:
        throw new CommandError("BadValue", `Unrecognized clause in $push: ${k}`);
    }
  }
  return spec;
}

function parsePushSort(v: unknown, cx: Collated): (a: unknown, b: unknown) => number {
  if (isNumeric(v) && (Number(v) === 1 || Number(v) === -1)) {
    const dir = Number(v);
    return (a, b) => compareValues(a, b, cx.strCmp) * dir;
  }
  if (isDocument(v) && Object.keys(v).length > 0) {
    const cmp = compileSort(v, cx.strCmp ? { strCmp: cx.strCmp } : {});
    return (a, b) => cmp(isDocument(a) ? a : {}, isDocument(b) ? b : {});
  }
  throw new CommandError(
    "BadValue",
    "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields",
  );
}

function arrayTarget(doc: Document, parts: readonly string[], op: string, create: boolean) {
  const t = resolveForWrite(doc, parts, create);
  if (!t) return undefined;
  const cur = readAt(t);
  if (cur === undefined) return { t, arr: undefined };
  if (!Array.isArray(cur)) {
    const id = describeValue(doc["_id"]);
    const alias = bsonTypeAlias(cur);
    const msg = op === "$push"
      ? `The field '${t.key}' must be an array but is of type ${alias} in document {_id: ${id}}`
      : op === "$addToSet"
      ? `Cannot apply $addToSet to non-array field. Field named '${t.key}' has non-array type ${alias}`
      : op === "$pop"
      ? `Path '${parts.join(".")}' contains an element of non-array type '${alias}'`
      : "Cannot apply $pull to a non-array value";
    throw new CommandError("BadValue", msg);
  }
  return { t, arr: cur as unknown[] };
}

export function makePush(path: string, arg: unknown, cx: Collated = {}): UpdateAction {
  const spec = parsePush(arg, cx);
  const parts = splitPath(path);
  return {
    op: "$push",
    path,
    parts,
    // mongod: an append when the array was not empty, nothing is sorted, $position (if any) is past
    // the end, and $slice removed nothing
    appends: (before, after) =>
      before > 0 && spec.sort === undefined && (spec.position === undefined || spec.position > before) &&
      after === before + spec.each.length,
    apply(doc, _ctx, at = parts) {
      const { t, arr } = arrayTarget(doc, at, "$push", true)!;
      const out = arr ?? [];
      const items = spec.each.map(cloneDeep);
      if (spec.position === undefined) out.push(...items);
      else {
        let at = spec.position < 0
          ? Math.max(0, out.length + spec.position)
          : Math.min(spec.position, out.length);
        for (const it of items) out.splice(at++, 0, it);
      }
      if (spec.sort) out.sort(spec.sort);
      if (spec.slice !== undefined) {
        const kept = spec.slice >= 0
          ? out.slice(0, spec.slice)
          : out.slice(Math.max(0, out.length + spec.slice));
        out.length = 0;
        out.push(...kept);
      }
      writeAt(t, out);
    },
  };
}

export function makeAddToSet(path: string, arg: unknown, cx: Collated = {}): UpdateAction {
  let each: unknown[] = [arg];
  if (isDocument(arg) && "$each" in arg) {
    const keys = Object.keys(arg);
    if (keys.length > 1) {
      throw new CommandError(
        "BadValue",
        `Found unexpected fields after $each in $addToSet: ${describeValue(arg)}`,
      );
    }
    const e = arg["$each"];
    if (!Array.isArray(e)) {
      throw new CommandError(
        "TypeMismatch",
        `The argument to $each in $addToSet must be an array but it was of type ${bsonTypeAlias(e)}`,
      );
    }
    each = e;
  }
  const parts = splitPath(path);
  return {
    op: "$addToSet",
    path,
    parts,
    apply(doc, _ctx, at = parts) {
      const { t, arr } = arrayTarget(doc, at, "$addToSet", true)!;
      const out = arr ?? [];
      for (const x of each) if (!out.some((y) => valuesEqual(x, y, cx.strCmp))) out.push(cloneDeep(x));
      writeAt(t, out);
    },
  };
}

/** Query operators that make a `$pull` condition a query on the elements as documents. */
const LOGICAL = new Set(["$and", "$or", "$nor", "$expr", "$where", "$jsonSchema", "$comment"]);

function pullPredicate(cond: unknown, cx: Collated): (el: unknown) => boolean {
  const opts = cx.collation === undefined ? {} : { collation: cx.collation };
  if (isDocument(cond) && Object.keys(cond).some((k) => LOGICAL.has(k))) {
    const m = compileFilter(cond, opts);
    return (el) => isDocument(el) && m.matches(el);
  }
  if (isOperatorDocument(cond) || isRegexValue(cond)) {
    const m = compileFilter({ v: cond }, opts);
    return (el) => m.matches({ v: el });
  }
  if (isDocument(cond)) {
    const m = compileFilter(cond, opts);
    return (el) => isDocument(el) && m.matches(el);
  }
  return (el) => valuesEqual(el, cond, cx.strCmp);
}

export function makePull(
  op: "$pull" | "$pullAll",
  path: string,
  arg: unknown,
  cx: Collated = {},
): UpdateAction {
  let pred: (el: unknown) => boolean;
  if (op === "$pullAll") {
    if (!Array.isArray(arg)) {
      throw new CommandError(
        "BadValue",
        `$pullAll requires an array argument but was given a ${bsonTypeAlias(arg)}`,
      );
    }
    pred = (el) => arg.some((x) => valuesEqual(el, x, cx.strCmp));
  } else pred = pullPredicate(arg, cx);
  const parts = splitPath(path);
  return {
    op,
    path,
    parts,
    apply(doc, _ctx, at = parts) {
      const r = arrayTarget(doc, at, op, false);
      if (!r?.arr) return;
      const kept = r.arr.filter((el) => !pred(el));
      if (kept.length !== r.arr.length) writeAt(r.t, kept);
    },
  };
}

export function makePop(path: string, arg: unknown): UpdateAction {
  const n = isNumeric(arg) ? Number(arg) : NaN;
  if (n !== 1 && n !== -1) {
    throw new CommandError("FailedToParse", `$pop expects 1 or -1, found: ${describeValue(arg)}`);
  }
  const parts = splitPath(path);
  return {
    op: "$pop",
    path,
    parts,
    apply(doc, _ctx, at = parts) {
      refuseBlockedPath(doc, at);
      const r = arrayTarget(doc, at, "$pop", false);
      if (!r?.arr || r.arr.length === 0) return;
      writeAt(r.t, n === 1 ? r.arr.slice(0, -1) : r.arr.slice(1));
    },
  };
}

/**
 * mongod's ModifierNode for operators that do not allow a non-viable path ($pop): a missing path is a
 * no-op, but one a scalar blocks is 28 PathNotViable.
 */
function refuseBlockedPath(doc: Document, parts: readonly string[]): void {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    if (cur === undefined) return;
    if (!isDocument(cur) && !Array.isArray(cur)) {
      throw new CommandError(
        "PathNotViable",
        `Cannot use the part (${parts[i]}) of (${parts.join(".")}) to traverse the element ({${
          parts[i - 1]
        }: ${describeValue(cur)}})`,
      );
    }
    cur = Array.isArray(cur) ? cur[Number(parts[i])] : (cur as Document)[parts[i]!];
  }
}
