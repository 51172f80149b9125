/**
 * stages_basic.ts — the streaming and blocking stages that need no state beyond their spec:
 * `$match $skip $limit $sort $count $replaceRoot $replaceWith $sortByCount`.
 */
import { deferJs, jsDeferralFor } from "./js_defer.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { containsNear } from "../geo/query.ts";
import { bsonTypeAlias } from "../../bson/compare.ts";
import { isNumeric } from "../../bson/values.ts";
import { describeValue } from "../path/describe.ts";
import { compileFilter } from "../query/filter.ts";
import { parseSortSpec, sortKeyOf, type SortKeyPart, TEXT_SCORE_PARTS } from "../sort/sort.ts";
import { isObj } from "../expression/compile.ts";
import { toDouble } from "../expression/numeric.ts";
import { compileGroup } from "./group.ts";
import type { Document, Stage, StageContext } from "./types.ts";
import { PAUSE } from "./pause.ts";
import { docMetaOf, setDocMeta } from "../expression/doc_meta.ts";
import { budgetOf, externalSort } from "./memory.ts";
import { topKSort } from "./topk_late.ts";
import { Long } from "bson";

export function compileMatch(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.MatchSpecNotObject,
      "the match filter must be an expression in an object",
    );
  }
  if (containsNear(spec)) {
    throw new CommandError(
      Location.NearNotAllowedInMatch,
      "$geoNear, $near, and $nearSphere are not allowed in this context, as these operators require sorting geospatial data. If you do not need sort, consider using $geoWithin instead.",
    );
  }
  const m = compileFilter(spec, {
    collation: ctx.collation,
    expressionEnv: ctx.env,
    textIndex: ctx.options.textIndex,
  });
  const defer = jsDeferralFor(ctx, spec);
  return {
    name,
    pauses: true,
    *run(input) {
      if (!defer) {
        for (const d of input) if (d === PAUSE || m.matches(d)) yield d;
        return;
      }
      for (const d of input) if (d === PAUSE || (yield* deferJs(defer, () => m.matches(d)))) yield d;
    },
  };
}

/** Parses a non-negative integral count for $skip / $limit (mongod's parseIntegerElementToNonNegativeLong). */
function nonNegativeInteger(stage: string, code: number, spec: unknown): number {
  if (!isNumeric(spec)) {
    throw new CommandError(
      code,
      `invalid argument to ${stage} stage: Expected a number in: ${stage}: ${describeValue(spec)}`,
    );
  }
  const n = toDouble(spec);
  if (!Number.isInteger(n)) {
    throw new CommandError(
      code,
      `invalid argument to ${stage} stage: Expected an integer: ${stage}: ${describeValue(spec)}`,
    );
  }
  if (n < 0) {
    throw new CommandError(
      code,
      `invalid argument to ${stage} stage: Expected a non-negative number in: ${stage}: ${n}`,
    );
  }
  return n;
}

export function compileSkip(spec: unknown, _ctx: StageContext, name: string): Stage {
  const n = nonNegativeInteger("$skip", Location.SkipNotNonNegativeInteger, spec);
  return {
    name,
    pauses: true,
    passesStored: true,
    *run(input) {
      let i = 0;
      for (const d of input) if (d === PAUSE || i++ >= n) yield d;
    },
  };
}

export function compileLimit(spec: unknown, _ctx: StageContext, name: string): Stage {
  const n = nonNegativeInteger("$limit", Location.LimitNotNonNegativeInteger, spec);
  if (n === 0) throw new CommandError(Location.LimitNotPositive, "the limit must be positive");
  return {
    name,
    pauses: true,
    passesStored: true,
    *run(input) {
      if (n <= 0) return;
      let i = 0;
      for (const d of input) {
        yield d;
        if (d !== PAUSE && ++i >= n) return;
      }
    },
  };
}

/** `$sort`; with `limit` (a `$limit` right after), keeps only the top `limit` documents while reading. */
export function compileSortStage(spec: unknown, ctx: StageContext, name: string, limit?: number): Stage {
  const stage = sortStage(spec, ctx, name, limit);
  return ctx.options.sortKeyMeta ? withSortKeys(stage, parseSortSpec(spec as Document)) : stage;
}

/**
 * The sort's documents with their sort key values attached (`{$meta: "sortKey"}` of a later stage, in
 * find's form: one value per sort field, null for a missing one). Decoded documents only.
 */
function withSortKeys(stage: Stage, keys: readonly SortKeyPart[]): Stage {
  return {
    name: stage.name,
    pauses: true,
    *run(input) {
      for (const d of stage.run(input)) {
        if (d !== PAUSE) {
          setDocMeta(d, {
            ...docMetaOf(d),
            sortKey: () => keys.map((k) => sortKeyOf(d, k.parts, k.direction) ?? null),
          });
        }
        yield d;
      }
    },
  };
}

function sortStage(spec: unknown, ctx: StageContext, name: string, limit?: number): Stage {
  if (!isObj(spec)) {
    throw new CommandError(Location.SortStageSpecNotObject, "the $sort key specification must be an object");
  }
  if (Object.keys(spec).length === 0) {
    throw new CommandError(Location.SortStageEmpty, "$sort stage must have at least one sort key");
  }
  const keys = parseSortSpec(spec);
  const strCmp = ctx.strCmp;
  if (limit === undefined) {
    // (a `$meta` key reads what the document object carries besides its fields)
    const byPaths = keys.every((k) => k.parts !== TEXT_SCORE_PARTS);
    return {
      name,
      pauses: true,
      run: (input) => externalSort(input, keys, strCmp, budgetOf(ctx.options)),
      storedInput: byPaths,
      ...(byPaths
        ? {
          runStored: (input: Iterable<Document>) =>
            externalSort(input, keys, strCmp, budgetOf(ctx.options), true),
        }
        : {}),
    };
  }
  return topKSort(keys, limit, ctx, name);
}

export function compileCount(spec: unknown, _ctx: StageContext, name: string): Stage[] {
  if (typeof spec !== "string" || spec === "") {
    throw new CommandError(Location.CountFieldEmpty, "the count field must be a non-empty string");
  }
  if (spec.startsWith("$")) {
    throw new CommandError(Location.CountFieldDollarPrefix, "the count field cannot be a $-prefixed path");
  }
  if (spec.includes(".")) {
    throw new CommandError(Location.CountFieldHasDot, "the count field cannot contain '.'");
  }
  // (`$group` of `_id: null` and `{$sum: 1}`, then the count alone: no document for no input, an int
  // while it fits, else a long; it reads no field, so stored documents count as they come)
  return [{
    name,
    pauses: true,
    storedInput: true,
    *run(input) {
      let n = 0;
      for (const d of input) {
        if (d === PAUSE) yield d;
        else n++;
      }
      if (n > 0) yield { [spec]: n <= 0x7fffffff ? n : Long.fromNumber(n) };
    },
  }];
}

function replaceRoot(name: string, newRoot: unknown, ctx: StageContext): Stage {
  const ev = ctx.env.compile(newRoot);
  const defer = jsDeferralFor(ctx, newRoot);
  return {
    name,
    pauses: true,
    *run(input) {
      const vars = ctx.env.newVars();
      for (const d of input) {
        if (d === PAUSE) {
          yield d;
          continue;
        }
        const evaluate = () => {
          vars.root = d;
          return ev(d, vars);
        };
        const r = defer ? yield* deferJs(defer, evaluate) : evaluate();
        if (!isObj(r)) {
          throw new CommandError(
            Location.ReplaceRootResultNotObject,
            `'newRoot' expression must evaluate to an object, but resulting value was: ${
              r === undefined ? "MISSING" : describeValue(r)
            }. Type of resulting value: '${
              r === undefined ? "missing" : bsonTypeAlias(r)
            }'. Input document: ${describeValue(d)}`,
          );
        }
        yield r;
      }
    },
  };
}

export function compileReplaceRoot(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.ReplaceRootSpecNotObject,
      `expected an object as specification for $replaceRoot stage, got ${bsonTypeAlias(spec)}`,
    );
  }
  for (const k of Object.keys(spec)) {
    if (k !== "newRoot") {
      throw new CommandError("IDLUnknownField", `BSON field '$replaceRoot.${k}' is an unknown field.`);
    }
  }
  if (!Object.hasOwn(spec, "newRoot")) {
    throw new CommandError(
      "IDLFailedToParse",
      "BSON field '$replaceRoot.newRoot' is missing but a required field",
    );
  }
  return replaceRoot(name, spec["newRoot"], ctx);
}

export function compileReplaceWith(spec: unknown, ctx: StageContext, name: string): Stage {
  return replaceRoot(name, spec, ctx);
}

export function compileSortByCount(spec: unknown, ctx: StageContext, name: string): Stage[] {
  const ok = (typeof spec === "string" && spec.startsWith("$") && !spec.startsWith("$$")) ||
    (isObj(spec) && Object.keys(spec).length === 1 && (Object.keys(spec)[0] as string).startsWith("$"));
  if (!ok) {
    throw new CommandError(
      Location.SortByCountBadExpression,
      "the sortByCount field must be defined as a $-prefixed path or an expression",
    );
  }
  return [
    compileGroup({ _id: spec, count: { $sum: 1 } }, ctx, name),
    compileSortStage({ count: -1 }, ctx, name),
  ];
}

export type { Document };
