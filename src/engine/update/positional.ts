/**
 * positional.ts — the positional update path components and `arrayFilters`.
 *
 * - `$` stands for the array index the query matched (`UpdateContext.matchedIndex`, mongod's
 *   elemMatchKey); without one → 2 BadValue "The positional operator did not find the match needed
 *   from the query.". At most one `$` per path, never first.
 * - `$[]` stands for every element of the array at that point.
 * - `$[id]` stands for every element the array filter named `id` matches.
 *
 * `parseArrayFilters` validates the filters as mongod (identifier rules, duplicates, empty filters);
 * `checkPositionalPath` validates a path at compile time and records which identifiers it uses;
 * `expandPositional` resolves a path to concrete paths for one document. A path through `$[]`/`$[id]`
 * needs an existing array at that point (2 BadValue otherwise).
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import { describeValue } from "../path/describe.ts";
import { isIndexComponent } from "../path/field_path.ts";
import { compileFilter, type Matcher } from "../query/filter.ts";
import type { Document, UpdateContext } from "./types.ts";

export type ArrayFilters = ReadonlyMap<string, Matcher>;

const IDENTIFIER = /^[a-z][a-zA-Z0-9]*$/;

/** True if a path component is `$`, `$[]` or `$[id]`. */
export function isPositional(part: string): boolean {
  return part === "$" || (part.startsWith("$[") && part.endsWith("]"));
}

function topLevelFields(filter: Document, out: string[]): void {
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$and" || k === "$or" || k === "$nor") {
      if (Array.isArray(v)) { for (const sub of v) if (isDocument(sub)) topLevelFields(sub, out); }
      continue;
    }
    if (k.startsWith("$")) continue;
    out.push(k.split(".")[0] as string);
  }
}

/** Parses `arrayFilters` into identifier → matcher (the element is matched as `{id: element}`). */
export function parseArrayFilters(filters: readonly unknown[] | undefined, collation: unknown): ArrayFilters {
  const out = new Map<string, Matcher>();
  for (const f of filters ?? []) {
    if (!isDocument(f)) {
      throw new CommandError("TypeMismatch", "arrayFilters must be an array of objects");
    }
    const fields: string[] = [];
    topLevelFields(f, fields);
    const id = fields[0];
    if (id === undefined) {
      throw new CommandError(
        "FailedToParse",
        "Cannot use an expression without a top-level field name in arrayFilters",
      );
    }
    for (const other of fields) {
      if (other !== id) {
        throw new CommandError(
          "FailedToParse",
          `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${id}' and '${other}'`,
        );
      }
    }
    if (!IDENTIFIER.test(id)) {
      throw new CommandError(
        "BadValue",
        `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${id}'`,
      );
    }
    if (out.has(id)) {
      throw new CommandError(
        "FailedToParse",
        `Found multiple array filters with the same top-level field name ${id}`,
      );
    }
    out.set(id, compileFilter(f, collation === undefined ? {} : { collation }));
  }
  return out;
}

/** Validates the positional components of an update path; adds the `$[id]` identifiers to `used`. */
export function checkPositionalPath(
  path: string,
  parts: readonly string[],
  filters: ArrayFilters,
  used: Set<string>,
): boolean {
  let dollars = 0;
  let any = false;
  parts.forEach((p, i) => {
    if (!isPositional(p)) return;
    any = true;
    if (p === "$") {
      if (i === 0) {
        throw new CommandError(
          "BadValue",
          `Cannot have positional (i.e. '$') element in the first component in path '${path}'`,
        );
      }
      if (++dollars > 1) {
        throw new CommandError("BadValue", `Too many positional (i.e. '$') elements found in path '${path}'`);
      }
      return;
    }
    if (i === 0) {
      throw new CommandError(
        "BadValue",
        `Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in path '${path}'`,
      );
    }
    const id = p.slice(2, -1);
    if (id === "") return;
    if (!filters.has(id)) {
      throw new CommandError("BadValue", `No array filter found for identifier '${id}' in path '${path}'`);
    }
    used.add(id);
  });
  return any;
}

/** Concrete paths for one document: every positional component replaced by array indexes. */
export function expandPositional(
  doc: Document,
  parts: readonly string[],
  ctx: UpdateContext,
  filters: ArrayFilters,
): string[][] {
  const out: string[][] = [];
  const walk = (cur: unknown, i: number, prefix: string[]): void => {
    if (i === parts.length) {
      out.push(prefix);
      return;
    }
    let part = parts[i] as string;
    if (part === "$") {
      if (ctx.matchedIndex === undefined) {
        throw new CommandError(
          "BadValue",
          "The positional operator did not find the match needed from the query.",
        );
      }
      part = ctx.matchedIndex;
    }
    if (part.startsWith("$[") && part.endsWith("]")) {
      const here = prefix.join(".");
      if (cur === undefined) {
        throw new CommandError(
          "BadValue",
          `The path '${here}' must exist in the document in order to apply array updates.`,
        );
      }
      if (!Array.isArray(cur)) {
        throw new CommandError(
          "BadValue",
          `Cannot apply array updates to non-array element ${prefix[prefix.length - 1]}: ${
            describeValue(cur)
          }`,
        );
      }
      const id = part.slice(2, -1);
      const m = id === "" ? undefined : filters.get(id);
      cur.forEach((el, j) => {
        if (m && !m.matches({ [id]: el })) return;
        walk(el, i + 1, [...prefix, String(j)]);
      });
      return;
    }
    let next: unknown;
    if (Array.isArray(cur)) next = isIndexComponent(part) ? cur[Number(part)] : undefined;
    else if (isDocument(cur)) next = Object.hasOwn(cur, part) ? cur[part] : undefined;
    walk(next, i + 1, [...prefix, part]);
  };
  walk(doc, 0, []);
  return out;
}
