/**
 * field_ops.ts — the field update operators: `$set $unset $inc $mul $min $max $rename $currentDate
 * $setOnInsert`. Each `make*` validates its argument at compile time and returns an `UpdateAction`.
 */
import { Timestamp } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { bsonTypeAlias, compareValues } from "../../bson/compare.ts";
import { isDocument } from "../../bson/values.ts";
import { cloneDeep, readAt, removeAt, resolveForWrite, writeAt } from "../path/mutate.ts";
import { describeValue } from "../path/describe.ts";
import { splitPath } from "../path/field_path.ts";
import { arith, numKind, zeroLike } from "./arith.ts";
import { isPositional } from "./positional.ts";
import type { Collated, Document, UpdateAction } from "./types.ts";

function idOf(doc: Document): string {
  return `{_id: ${describeValue(doc["_id"])}}`;
}

export function makeSet(op: "$set" | "$setOnInsert", path: string, value: unknown): UpdateAction {
  const parts = splitPath(path);
  return {
    op,
    path,
    parts,
    apply(doc, ctx, at = parts) {
      if (op === "$setOnInsert" && !ctx.isInsert) return;
      writeAt(resolveForWrite(doc, at, true)!, cloneDeep(value));
    },
  };
}

export function makeUnset(path: string): UpdateAction {
  const parts = splitPath(path);
  return {
    op: "$unset",
    path,
    parts,
    apply(doc, _ctx, at = parts) {
      const t = resolveForWrite(doc, at, false);
      if (t && readAt(t) !== undefined) removeAt(t);
    },
  };
}

export function makeArith(op: "$inc" | "$mul", path: string, value: unknown): UpdateAction {
  if (numKind(value) === undefined) {
    const verb = op === "$inc" ? "increment" : "multiply";
    throw new CommandError(
      "TypeMismatch",
      `Cannot ${verb} with non-numeric argument: {${path}: ${describeValue(value)}}`,
    );
  }
  const parts = splitPath(path);
  return {
    op,
    path,
    parts,
    apply(doc, _ctx, at = parts) {
      const t = resolveForWrite(doc, at, true)!;
      const cur = readAt(t);
      if (cur === undefined) {
        writeAt(t, op === "$inc" ? value : zeroLike(value));
        return;
      }
      if (numKind(cur) === undefined) {
        throw new CommandError(
          "TypeMismatch",
          `Cannot apply ${op} to a value of non-numeric type. ${idOf(doc)} has the field '${t.key}' of ` +
            `non-numeric type ${bsonTypeAlias(cur)}`,
        );
      }
      writeAt(t, arith(op === "$inc" ? "add" : "mul", cur, value));
    },
  };
}

export function makeMinMax(
  op: "$min" | "$max",
  path: string,
  value: unknown,
  cx: Collated = {},
): UpdateAction {
  const parts = splitPath(path);
  return {
    op,
    path,
    parts,
    apply(doc, _ctx, at = parts) {
      const t = resolveForWrite(doc, at, true)!;
      const cur = readAt(t);
      const c = cur === undefined ? 0 : compareValues(value, cur, cx.strCmp);
      if (cur === undefined || (op === "$min" ? c < 0 : c > 0)) writeAt(t, cloneDeep(value));
    },
  };
}

export function makeCurrentDate(path: string, spec: unknown): UpdateAction {
  let asTimestamp = false;
  if (isDocument(spec)) {
    const keys = Object.keys(spec);
    const type = spec["$type"];
    if (keys.length !== 1 || keys[0] !== "$type" || (type !== "date" && type !== "timestamp")) {
      throw new CommandError(
        "BadValue",
        `The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}`,
      );
    }
    asTimestamp = type === "timestamp";
  } else if (typeof spec !== "boolean") {
    throw new CommandError(
      "BadValue",
      `${describeValue(spec)} is not valid type for $currentDate. Please use a boolean ('true') or a ` +
        `$type expression ({$type: 'timestamp/date'}).`,
    );
  }
  const parts = splitPath(path);
  return {
    op: "$currentDate",
    path,
    parts,
    apply(doc, ctx, at = parts) {
      const ms = ctx.now.getTime();
      const v = asTimestamp ? new Timestamp({ t: Math.floor(ms / 1000), i: 1 }) : new Date(ms);
      writeAt(resolveForWrite(doc, at, true)!, v);
    },
  };
}

/** `$rename` touches two paths; both take part in conflict detection. */
export function makeRename(from: string, to: unknown): UpdateAction & { readonly target: string } {
  if (typeof to !== "string") {
    throw new CommandError(
      "BadValue",
      `The 'to' field for $rename must be a string: ${from}: ${describeValue(to)}`,
    );
  }
  if (to === from) {
    throw new CommandError(
      "BadValue",
      `The source and target field for $rename must differ: ${from}: ${JSON.stringify(to)}`,
    );
  }
  if (to.startsWith(from + ".") || from.startsWith(to + ".")) {
    throw new CommandError(
      "BadValue",
      `The source and target field for $rename must not be on the same path: ${from}: ${JSON.stringify(to)}`,
    );
  }
  const parts = splitPath(from);
  const toParts = splitPath(to);
  if (parts.some(isPositional)) {
    throw new CommandError("BadValue", `The source field for $rename may not be dynamic: ${from}`);
  }
  if (toParts.some(isPositional)) {
    throw new CommandError("BadValue", `The destination field for $rename may not be dynamic: ${to}`);
  }
  return {
    op: "$rename",
    path: from,
    parts,
    target: to,
    apply(doc, _ctx, at = parts) {
      const src = resolveForWrite(doc, at, false);
      if (!src) return;
      if (Array.isArray(src.parent)) {
        throw new CommandError(
          "BadValue",
          `The source field cannot be an array element, '${from}' in doc with ${idOf(doc)}`,
        );
      }
      const v = readAt(src);
      if (v === undefined) return;
      const dst = resolveForWrite(doc, toParts, true)!;
      if (Array.isArray(dst.parent)) {
        throw new CommandError(
          "BadValue",
          `The destination field cannot be an array element, '${to}' in doc with ${idOf(doc)}`,
        );
      }
      removeAt(src);
      writeAt(dst, v);
    },
  };
}
