/**
 * stages_graph_lookup.ts — `$graphLookup`: a breadth-first search over another collection (read
 * through the injected `resolveCollection`, once per run, filtered by `restrictSearchWithMatch`).
 * `startWith` (an array is several start values) is matched against `connectToField` like a query
 * equality (arrays match by element, null matches missing); each document found contributes its
 * `connectFromField` values to the next round. A document is visited once (by `_id`), so cycles end;
 * `maxDepth` bounds the rounds (0 = direct matches only); `depthField` records the round as a long.
 * Results go to `as` in discovery order. Codes as mongod: 40103 (a string argument that is not a
 * string), 40104 (unknown argument), 40105 (required argument missing), 40100–40102 (maxDepth),
 * 40185 (restrictSearchWithMatch not an object), FailedToParse (spec not an object).
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { splitPath, visitPathValues } from "../path/field_path.ts";
import { compileFilter } from "../query/filter.ts";
import { isObj, parseFieldPath } from "../expression/compile.ts";
import { typeName } from "../expression/coerce.ts";
import { numKind, toDouble } from "../expression/numeric.ts";
import { valueKey } from "./group_key.ts";
import { PAUSE } from "./pause.ts";
import { evaluated, jsDeferralFor } from "./js_defer.ts";
import { setPath } from "./set_path.ts";
import type { Document, Stage, StageContext } from "./types.ts";

/** Query-style values at a path: array elements and whole arrays, missing as null. */
function valuesAt(doc: unknown, parts: readonly string[]): unknown[] {
  const out: unknown[] = [];
  visitPathValues(doc, parts, (v) => {
    out.push(v === undefined ? null : v);
    return false;
  });
  return out.length === 0 ? [null] : out;
}

/** Start values: an array is several starts. */
function searchValues(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

export function compileGraphLookup(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(
      "FailedToParse",
      `the $graphLookup stage specification must be an object, but found ${typeName(spec)}`,
    );
  }
  let from: string | undefined;
  let as: string | undefined;
  let connectFrom: string | undefined;
  let connectTo: string | undefined;
  let depthField: string | undefined;
  let startWith: unknown;
  let hasStart = false;
  let maxDepth: number | undefined;
  let restrict: Document | undefined;
  for (const [k, v] of Object.entries(spec)) {
    switch (k) {
      case "startWith":
        startWith = v;
        hasStart = true;
        continue;
      case "maxDepth": {
        if (numKind(v) === undefined) {
          throw new CommandError(
            Location.GraphMaxDepthNotNumeric,
            `maxDepth must be numeric, found type: ${typeName(v)}`,
          );
        }
        const d = toDouble(v);
        if (d < 0) {
          throw new CommandError(
            Location.GraphMaxDepthNegative,
            `maxDepth requires a nonnegative argument, found: ${d}`,
          );
        }
        if (!Number.isInteger(d)) {
          throw new CommandError(
            Location.GraphMaxDepthNotLong,
            `maxDepth could not be represented as a long long: ${d}`,
          );
        }
        maxDepth = d;
        continue;
      }
      case "restrictSearchWithMatch":
        if (!isObj(v)) {
          throw new CommandError(
            Location.GraphRestrictNotObject,
            `restrictSearchWithMatch must be an object, found ${typeName(v)}`,
          );
        }
        restrict = v;
        continue;
      case "from":
      case "as":
      case "connectFromField":
      case "connectToField":
      case "depthField":
        if (typeof v !== "string") {
          throw new CommandError(
            Location.GraphArgNotString,
            `expected string as argument for ${k}, found: ${typeName(v)}`,
          );
        }
        if (k === "from") from = v;
        else if (k === "as") as = v;
        else if (k === "connectFromField") connectFrom = v;
        else if (k === "connectToField") connectTo = v;
        else depthField = v;
        continue;
      default:
        throw new CommandError(Location.GraphUnknownArgument, `Unknown argument to $graphLookup: ${k}`);
    }
  }
  if (!from || !as || !hasStart || !connectFrom || !connectTo) {
    throw new CommandError(
      Location.GraphMissingArgument,
      "$graphLookup requires 'from', 'as', 'startWith', 'connectFromField', and 'connectToField' to be specified.",
    );
  }
  const resolve = ctx.options.resolveCollection;
  if (!resolve) {
    throw new CommandError(
      "NotImplemented",
      "$graphLookup needs collection access, which this caller does not provide",
    );
  }
  const asParts = parseFieldPath(as);
  const fromParts = splitPath(connectFrom);
  const toParts = splitPath(connectTo);
  const depthParts = depthField === undefined ? undefined : parseFieldPath(depthField);
  const startEv = ctx.env.compile(startWith);
  const defer = jsDeferralFor(ctx, startWith);
  const filter = compileFilter(restrict ?? {}, { collation: ctx.collation, expressionEnv: ctx.env });
  // an `$expr` calling `$function` in restrictSearchWithMatch: each foreign document in rounds too
  const restrictDefer = jsDeferralFor(ctx, restrict);
  const strCmp = ctx.strCmp;
  const coll = from;
  return {
    name,
    pauses: true,
    *run(input) {
      // The foreign documents, hashed by each connectToField value (linear search with a collation).
      const foreign: Document[] = [];
      const byKey = new Map<string, number[]>();
      let read = 0;
      for (const d of resolve(coll)) {
        if (d === PAUSE) {
          yield d; // a view's pipeline waiting for server-side JavaScript
          continue;
        }
        // the foreign collection is read lazily: pause now and then so other clients run
        if (++read % 1000 === 0) yield PAUSE;
        if (!(yield* evaluated(restrictDefer, () => filter.matches(d)))) continue;
        const i = foreign.push(d) - 1;
        if (strCmp) continue;
        for (const v of valuesAt(d, toParts)) {
          const k = valueKey(v);
          const list = byKey.get(k);
          if (list) {
            if (list[list.length - 1] !== i) list.push(i);
          } else byKey.set(k, [i]);
        }
      }
      const matching = (v: unknown): number[] => {
        if (!strCmp) return byKey.get(valueKey(v)) ?? [];
        const out: number[] = [];
        foreign.forEach((d, i) => {
          if (valuesAt(d, toParts).some((x) => valuesEqual(x, v, strCmp))) out.push(i);
        });
        return out;
      };
      const vars = ctx.env.newVars();
      for (const doc of input) {
        if (doc === PAUSE) {
          yield doc;
          continue;
        }
        const start = yield* evaluated(defer, () => {
          vars.root = doc;
          return startEv(doc, vars);
        });
        let frontier = start === undefined ? [] : searchValues(start);
        const seenIds = new Set<string>();
        const found: Document[] = [];
        for (let depth = 0; frontier.length > 0 && (maxDepth === undefined || depth <= maxDepth); depth++) {
          const next: unknown[] = [];
          const asked = new Set<string>();
          for (const v of frontier) {
            const vk = valueKey(v);
            if (asked.has(vk)) continue;
            asked.add(vk);
            for (const i of matching(v)) {
              const d = foreign[i] as Document;
              const idKey = valueKey(d["_id"]);
              if (seenIds.has(idKey)) continue;
              seenIds.add(idKey);
              let out = d;
              if (depthParts) {
                out = { ...d };
                setPath(out, depthParts, Long.fromNumber(depth));
              }
              found.push(out);
              visitPathValues(d, fromParts, (x, isElem) => {
                if (x !== undefined && (isElem || !Array.isArray(x))) next.push(x);
                return false;
              });
            }
          }
          frontier = next;
        }
        const out = { ...doc };
        setPath(out, asParts, found);
        yield out;
      }
    },
  };
}
