/**
 * unwind.ts — `$unwind`: `"$path"` or `{path, includeArrayIndex, preserveNullAndEmptyArrays}`.
 *
 * The path is read without array traversal (as mongod's `getNestedField`). A non-empty array yields
 * one document per element; a non-array, non-null value yields the document unchanged; null, missing
 * and `[]` yield nothing unless `preserveNullAndEmptyArrays` (an empty array is then removed from the
 * output). `includeArrayIndex` adds the index as a long (null when there was no array).
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { bsonTypeAlias } from "../../bson/compare.ts";
import { isObj, parseFieldPath as parseFieldPathText } from "../expression/compile.ts";
import type { Document, Stage, StageContext } from "./types.ts";
import { PAUSE } from "./pause.ts";

function getNested(doc: Document, parts: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const p of parts) {
    if (!isObj(cur) || !Object.hasOwn(cur, p)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** Copies the documents along `parts` and sets (or, with `undefined`, removes) the leaf. */
function setNested(doc: Document, parts: readonly string[], i: number, value: unknown): Document {
  const out: Document = { ...doc };
  const k = parts[i] as string;
  if (i === parts.length - 1) {
    if (value === undefined) delete out[k];
    else out[k] = value;
  } else {
    const child = out[k];
    out[k] = setNested(isObj(child) ? child : {}, parts, i + 1, value);
  }
  return out;
}

export function compileUnwind(spec: unknown, _ctx: StageContext, name: string): Stage {
  let pathSpec: unknown;
  let indexField: string | undefined;
  let preserve = false;
  if (typeof spec === "string") pathSpec = spec;
  else if (isObj(spec)) {
    for (const [k, v] of Object.entries(spec)) {
      if (k === "path") {
        if (typeof v !== "string") {
          throw new CommandError(
            Location.UnwindPathNotString,
            `expected a string as the path for $unwind stage, got ${bsonTypeAlias(v)}`,
          );
        }
        pathSpec = v;
      } else if (k === "preserveNullAndEmptyArrays") {
        if (typeof v !== "boolean") {
          throw new CommandError(
            Location.UnwindPreserveNullNotBool,
            `expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage, got ${
              bsonTypeAlias(v)
            }`,
          );
        }
        preserve = v;
      } else if (k === "includeArrayIndex") {
        if (typeof v !== "string" || v === "") {
          throw new CommandError(
            Location.UnwindIncludeArrayIndexNotString,
            `expected a non-empty string for the includeArrayIndex  option to $unwind stage, got ${
              bsonTypeAlias(v)
            }`,
          );
        }
        if (v.startsWith("$")) {
          throw new CommandError(
            Location.UnwindIncludeArrayIndexHasDollar,
            `includeArrayIndex option to $unwind stage should not be prefixed with a '$': ${v}`,
          );
        }
        indexField = v;
      } else {throw new CommandError(
          Location.UnwindUnknownOption,
          `unrecognized option to $unwind stage: ${k}`,
        );}
    }
    if (pathSpec === undefined) {
      throw new CommandError(Location.UnwindMissingPath, "no path specified to $unwind stage");
    }
  } else {
    throw new CommandError(
      Location.UnwindSpecBadType,
      `expected either a string or an object as specification for $unwind stage, got ${bsonTypeAlias(spec)}`,
    );
  }
  const text = pathSpec as string;
  if (!text.startsWith("$")) {
    throw new CommandError(
      Location.UnwindPathNoDollar,
      `path option to $unwind stage should be prefixed with a '$': ${text}`,
    );
  }
  const parts = parseFieldPathText(text.slice(1));
  const idxParts = indexField === undefined ? undefined : parseFieldPathText(indexField);
  return {
    name,
    pauses: true,
    *run(input) {
      for (const doc of input) {
        if (doc === PAUSE) {
          yield doc;
          continue;
        }
        const v = getNested(doc, parts);
        if (Array.isArray(v) && v.length > 0) {
          for (let i = 0; i < v.length; i++) {
            let out = setNested(doc, parts, 0, v[i]);
            if (idxParts) out = setNested(out, idxParts, 0, Long.fromNumber(i));
            yield out;
          }
        } else if (Array.isArray(v) || v === null || v === undefined) {
          if (!preserve) continue;
          let out = Array.isArray(v) ? setNested(doc, parts, 0, undefined) : doc;
          if (idxParts) out = setNested(out, idxParts, 0, null);
          yield out;
        } else {
          yield idxParts ? setNested(doc, idxParts, 0, null) : doc;
        }
      }
    },
  };
}
