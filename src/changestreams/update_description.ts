/**
 * `updateDescription` of an update event, read from the oplog's `$v: 2` diff (pure): updatedFields
 * (changed and new fields by dotted path), removedFields, truncatedArrays, and with
 * showExpandedEvents `disambiguatedPaths` — for each path with a numeric object field name or a
 * field name holding a dot, its components with array indices as integers.
 */
import { Int32 } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import { isPlainDoc } from "../bson/type_name.ts";

type Part = string | number;

export function describeUpdate(diff: Doc, expanded: boolean): Doc {
  const updatedFields: Doc = {};
  const removedFields: string[] = [];
  const truncatedArrays: Doc[] = [];
  const disambiguated: Doc = {};
  const note = (parts: Part[]) => {
    const ambiguous = parts.some((p) => typeof p === "string" && (/^[0-9]+$/.test(p) || p.includes(".")));
    if (ambiguous) {
      disambiguated[parts.join(".")] = parts.map((p) => typeof p === "number" ? new Int32(p) : p);
    }
  };
  const walkObject = (d: Doc, prefix: Part[]) => {
    for (const [k, v] of Object.entries(d)) {
      if ((k === "u" || k === "i") && isPlainDoc(v)) {
        for (const [f, val] of Object.entries(v)) {
          const parts = [...prefix, f];
          updatedFields[parts.join(".")] = val;
          note(parts);
        }
      } else if (k === "d" && isPlainDoc(v)) {
        for (const f of Object.keys(v)) {
          const parts = [...prefix, f];
          removedFields.push(parts.join("."));
          note(parts);
        }
      } else if (k.startsWith("s") && isPlainDoc(v)) {
        walkSub(v, [...prefix, k.slice(1)]);
      }
    }
  };
  const walkSub = (sub: Doc, parts: Part[]) => {
    if (sub["a"] !== true) return walkObject(sub, parts);
    if (typeof sub["l"] === "number") {
      truncatedArrays.push({ field: parts.join("."), newSize: new Int32(sub["l"]) });
      note(parts);
    }
    for (const [k, v] of Object.entries(sub)) {
      if (k === "a" || k === "l") continue;
      const index = Number(k.slice(1));
      if (k[0] === "u") {
        const p = [...parts, index];
        updatedFields[p.join(".")] = v;
        note(p);
      } else if (k[0] === "s" && isPlainDoc(v)) walkSub(v, [...parts, index]);
    }
  };
  walkObject(diff, []);
  return {
    updatedFields,
    removedFields,
    truncatedArrays,
    ...(expanded ? { disambiguatedPaths: disambiguated } : {}),
  };
}

/** The description of a replacement written as a whole new document (none: a replace event). */
export function isDiff(o: Doc): boolean {
  return o["$v"] === 2 && isPlainDoc(o["diff"]);
}
