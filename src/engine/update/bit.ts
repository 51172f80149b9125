/**
 * bit.ts — `$bit: {field: {and|or|xor: <int32|int64>, …}}`: bitwise update of an integer field, with
 * mongod's argument validation (2 BadValue) and result typing (int32 unless a long takes part). A
 * missing field starts from int32 0; a non-integer field is 2 BadValue.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { bsonTypeAlias } from "../../bson/compare.ts";
import { isDocument, kindOf } from "../../bson/values.ts";
import { describeValue } from "../path/describe.ts";
import { splitPath } from "../path/field_path.ts";
import { readAt, resolveForWrite, writeAt } from "../path/mutate.ts";
import type { UpdateAction } from "./types.ts";

type BitOp = "and" | "or" | "xor";

function asBig(v: unknown): bigint {
  return typeof v === "number" ? BigInt(v) : (v as Long).toBigInt();
}

export function makeBit(path: string, arg: unknown): UpdateAction {
  if (!isDocument(arg)) {
    throw new CommandError(
      "BadValue",
      `The $bit modifier is not compatible with a ${bsonTypeAlias(arg)}. You must pass in an embedded ` +
        "document: {$bit: {field: {and/or/xor: #}}",
    );
  }
  const ops: { op: BitOp; value: unknown; long: boolean }[] = [];
  for (const [k, v] of Object.entries(arg)) {
    if (k !== "and" && k !== "or" && k !== "xor") {
      throw new CommandError(
        "BadValue",
        `The $bit modifier only supports 'and', 'or', and 'xor', not '${k}' which is an unknown operator: ` +
          `{${k}: ${describeValue(v)}}`,
      );
    }
    const kind = kindOf(v);
    if (kind !== "int" && kind !== "long") {
      throw new CommandError(
        "BadValue",
        `The $bit modifier field must be an Integer(32/64 bit); a '${bsonTypeAlias(v)}' is not supported ` +
          `here: {${k}: ${describeValue(v)}}`,
      );
    }
    ops.push({ op: k, value: v, long: kind === "long" });
  }
  if (ops.length === 0) {
    throw new CommandError(
      "BadValue",
      "You must pass in at least one bitwise operation. The format is: {$bit: {field: {and/or/xor: #}}",
    );
  }
  const parts = splitPath(path);
  return {
    op: "$bit",
    path,
    parts,
    apply(doc, _ctx, at = parts) {
      const t = resolveForWrite(doc, at, true)!;
      const cur = readAt(t);
      let acc: bigint;
      let long: boolean;
      if (cur === undefined) {
        acc = 0n;
        long = false;
      } else {
        const kind = kindOf(cur);
        if (kind !== "int" && kind !== "long") {
          throw new CommandError(
            "BadValue",
            `Cannot apply $bit to a value of non-integral type.{_id: ${describeValue(doc["_id"])}} has ` +
              `the field '${t.key}' of non-integer type ${bsonTypeAlias(cur)}`,
          );
        }
        acc = asBig(cur);
        long = kind === "long";
      }
      for (const o of ops) {
        const x = asBig(o.value);
        long ||= o.long;
        acc = o.op === "and" ? acc & x : o.op === "or" ? acc | x : acc ^ x;
      }
      writeAt(t, long ? Long.fromBigInt(BigInt.asIntN(64, acc)) : Number(BigInt.asIntN(32, acc)));
    },
  };
}
