/**
 * stages_lookup.ts — stages that read other collections through the injected
 * `resolveCollection`: `$lookup` (equality form, pipeline form with `let`, and both combined),
 * `$unionWith`; and `$documents` (literal input documents).
 *
 * Equality `$lookup` matches like a query `{foreignField: {$in: localValues}}`: an array local value
 * matches by any element, a missing one as null, and a foreign array matches by any element. When the
 * injected `lookupByValues` finds an index on the foreign field (simple collation), each outer document
 * reads its matches through it (mongod's indexed nested-loop join); otherwise the foreign collection is
 * read once per run — lazily, with a pause every 1,000 documents — and hashed by `valueKey` (linear
 * with a collation). Through an index only the foreign fields that are read are decoded: the
 * sub-pipeline's (`pipelineDependencies`), or for the equality form those of the joined documents the
 * stages after it read (`joinedFieldDependencies`, told by `followedBy`). A `$lookup` that took the
 * `$unwind` of its `as` (and a `$match` under `as`: lookup_unwind.ts) filters the joined documents —
 * in the index read's query when it has one, but on `_id` — and yields what the `$unwind` makes.
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { valuesEqual } from "../../bson/compare.ts";
import { splitPath, visitPathValues } from "../path/field_path.ts";
import { isObj } from "../expression/compile.ts";
import { typeName } from "../expression/coerce.ts";
import { valueKey } from "./group_key.ts";
import type { Document, Stage, StageContext } from "./types.ts";
import { PAUSE, runStages } from "./pause.ts";
import { deferJs, evaluated, jsDeferralFor } from "./js_defer.ts";
import { isRegexValue } from "../query/regex.ts";
import { joinedFieldDependencies, pipelineDependencies } from "./dependencies.ts";
import { ABSORBED, type Absorbed } from "./lookup_unwind.ts";
import { approxValueSize } from "./value_size.ts";
import { MAX_LOOKUP_JOINED_BYTES } from "../../limits.ts";

/** While reading a whole foreign collection, a pause after this many documents. */
const LOAD_PAUSE_EVERY = 1000;

function resolver(ctx: StageContext, stage: string): (coll: string) => Iterable<Document> {
  const r = ctx.options.resolveCollection;
  if (!r) {
    throw new CommandError(
      "NotImplemented",
      `${stage} needs collection access, which this caller does not provide`,
    );
  }
  return r;
}

function collName(v: unknown, stage: string, field: string): string {
  if (typeof v === "string") return v;
  if (isObj(v) && typeof v["coll"] === "string") return v["coll"];
  throw new CommandError(
    "FailedToParse",
    `${stage} argument '${field}' must be a string, is type ${typeName(v)}`,
  );
}

/** Query-style values of a path (whole arrays and their elements; missing → null). */
function pathValues(doc: Document, parts: readonly string[]): unknown[] {
  const out: unknown[] = [];
  visitPathValues(doc, parts, (v) => {
    out.push(v === undefined ? null : v);
    return false;
  });
  return out;
}

function localValues(doc: Document, parts: readonly string[]): unknown[] {
  const out: unknown[] = [];
  for (const v of pathValues(doc, parts)) {
    if (!Array.isArray(v)) out.push(v);
  }
  if (out.length === 0) {
    const whole = pathValues(doc, parts);
    return whole.length === 1 && Array.isArray(whole[0]) && whole[0].length === 0 ? [] : [null];
  }
  return out;
}

export function compileLookup(spec: unknown, ctx: StageContext, name: string): Stage {
  if (!isObj(spec)) {
    throw new CommandError(Location.LookupSpecNotObject, "the $lookup specification must be an Object");
  }
  let from: string | undefined;
  let as: string | undefined;
  let localField: string | undefined;
  let foreignField: string | undefined;
  let letSpec: Record<string, unknown> = {};
  let pipeline: unknown[] | undefined;
  // the $unwind of `as` (and a $match under `as`) lookup_unwind.ts coalesced into this stage
  const absorbed = (spec as { [ABSORBED]?: Absorbed })[ABSORBED];
  for (const [k, v] of Object.entries(spec)) {
    switch (k) {
      case "from":
        from = collName(v, "$lookup", k);
        break;
      case "as":
      case "localField":
      case "foreignField":
        if (typeof v !== "string") {
          throw new CommandError(
            "FailedToParse",
            `$lookup argument '${k}: ${String(v)}' must be a string, is type ${typeName(v)}`,
          );
        }
        if (k === "as") as = v;
        else if (k === "localField") localField = v;
        else foreignField = v;
        break;
      case "let":
        if (!isObj(v)) {
          throw new CommandError(
            "FailedToParse",
            `$lookup argument 'let' must be an object, is type ${typeName(v)}`,
          );
        }
        letSpec = v;
        break;
      case "pipeline":
        if (!Array.isArray(v)) {
          throw new CommandError(
            "FailedToParse",
            `$lookup argument 'pipeline' must be an array, is type ${typeName(v)}`,
          );
        }
        pipeline = v;
        break;
      case "unwinding":
      case "matching":
        if (absorbed !== undefined) break; // (shown by explain; the stages themselves are under ABSORBED)
        throw new CommandError("FailedToParse", `unknown argument to $lookup: ${k}`);
      default:
        throw new CommandError("FailedToParse", `unknown argument to $lookup: ${k}`);
    }
  }
  if (as === undefined) throw new CommandError("FailedToParse", "must specify 'as' field for a $lookup");
  if ((localField === undefined) !== (foreignField === undefined)) {
    throw new CommandError(
      "FailedToParse",
      "$lookup requires both or neither of 'localField' and 'foreignField' to be specified",
    );
  }
  if (localField === undefined && pipeline === undefined) {
    throw new CommandError(
      "FailedToParse",
      "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified",
    );
  }
  const firstIsDocuments = pipeline !== undefined && isObj(pipeline[0]) &&
    Object.hasOwn(pipeline[0], "$documents");
  if (from === undefined && !firstIsDocuments) {
    throw new CommandError("FailedToParse", "must specify 'from' field for a $lookup");
  }
  const resolve = firstIsDocuments ? () => [] : resolver(ctx, "$lookup");
  const names = Object.keys(letSpec);
  const letEvs = names.map((n) => ctx.env.compile(letSpec[n]));
  // the pipeline form's first $match equating a foreign field with a `let` variable: the foreign
  // documents of each outer one through an index on that field (its $match still runs on them)
  const letEq = pipeline !== undefined && foreignField === undefined
    ? letEquality(pipeline[0], names)
    : undefined;
  const child = ctx.child(names);
  const sub = pipeline === undefined ? undefined : child.ctx.subPipeline(pipeline);
  // what is read of the foreign documents an index finds (only that is decoded): by the sub-pipeline,
  // or, joined as they are, by the stages after this one (`followedBy`)
  let readFields = pipeline === undefined ? null : pipelineDependencies(pipeline);
  const letDefer = jsDeferralFor(ctx, letSpec);
  const asName: string = as;
  const asParts = splitPath(as);
  const localParts = localField === undefined ? undefined : splitPath(localField);
  const foreignParts = foreignField === undefined ? undefined : splitPath(foreignField);
  const strCmp = ctx.strCmp;
  // what the coalesced stages do: the $match on the joined documents, the $unwind on each output
  const matchFilter = absorbed?.match === undefined ? undefined : stripped(absorbed.match, asName);
  const matching = matchFilter === undefined ? undefined : ctx.subPipeline([{ $match: matchFilter }]);
  // the index read takes the filter into its query (the joined documents that fail it are not decoded),
  // but for `_id`: a value finds at most one, which an `_id` lookup (IDHACK) reads faster than a plan
  const queryFilter = foreignField === "_id" ? undefined : matchFilter;
  const unwinding = absorbed === undefined ? undefined : ctx.subPipeline([{ $unwind: absorbed.unwind }]);
  const maxJoined = ctx.options.lookupMaxBytes ?? MAX_LOOKUP_JOINED_BYTES;
  return {
    name,
    pauses: true,
    followedBy(after) {
      if (pipeline !== undefined) return;
      const taken = absorbed === undefined ? [] : [
        { $unwind: absorbed.unwind },
        ...(absorbed.match === undefined ? [] : [{ $match: absorbed.match }]),
      ];
      readFields = joinedFieldDependencies([...taken, ...after], asName);
    },
    *run(input) {
      // Read lazily: through an index per outer document while one serves the equality, else the
      // whole foreign collection once (pausing every LOAD_PAUSE_EVERY documents) and a hash join.
      let foreign: Document[] | undefined;
      let index: Map<string, number[]> | undefined;
      const byIndex = foreignField !== undefined && localParts && !strCmp && from !== undefined
        ? ctx.options.lookupByValues
        : undefined;
      let indexUsable = byIndex !== undefined;
      let letEqUsable = ctx.options.streamByValues !== undefined;
      const load = function* (): Generator<Document, Document[]> {
        const out: Document[] = [];
        for (const f of from === undefined ? [] : resolve(from)) {
          if (f === PAUSE) {
            yield f; // a view's pipeline waiting for server-side JavaScript
            continue;
          }
          out.push(f);
          if (out.length % LOAD_PAUSE_EVERY === 0) yield PAUSE;
        }
        if (foreignParts && !strCmp) {
          index = new Map();
          out.forEach((f, i) => {
            for (const v of pathValues(f, foreignParts)) {
              const k = valueKey(v);
              const list = index!.get(k);
              if (list) {
                if (list[list.length - 1] !== i) list.push(i);
              } else index!.set(k, [i]);
            }
          });
        }
        return out;
      };
      const vars = ctx.env.newVars();
      for (const doc of input) {
        if (doc === PAUSE) {
          yield doc; // deadline checks between outer documents (each may run a sub-pipeline)
          continue;
        }
        let matched: Document[] | undefined;
        /** Whether the index read applied the taken `$match` already. */
        let filtered = false;
        let streamed: Iterable<Document> | undefined;
        const locals = localParts ? localValues(doc, localParts) : undefined;
        if (indexUsable && locals && !locals.some(isRegexValue)) {
          matched = byIndex!(from as string, foreignField as string, locals, readFields, queryFilter);
          if (matched === undefined) indexUsable = false;
          else filtered = queryFilter !== undefined;
        }
        let values: unknown[] | undefined;
        if (sub) {
          const evaluate = () => {
            vars.root = doc;
            return letEvs.map((e) => e(doc, vars));
          };
          values = letDefer ? yield* deferJs(letDefer, evaluate) : evaluate();
        }
        if (matched === undefined && letEq && letEqUsable && !strCmp && from !== undefined && values) {
          const v = values[letEq.slot];
          if (indexableScalar(v)) {
            streamed = ctx.options.streamByValues?.(from, letEq.field, [v], readFields);
            if (streamed === undefined) letEqUsable = false;
          }
        }
        if (matched === undefined && streamed === undefined) {
          foreign ??= yield* load();
          matched = foreign;
          if (locals && foreignParts) {
            if (index) {
              const hits = new Set<number>();
              for (const l of locals) for (const i of index.get(valueKey(l)) ?? []) hits.add(i);
              matched = [...hits].sort((a, b) => a - b).map((i) => foreign![i] as Document);
            } else {
              const all = foreign;
              matched = all.filter((f) =>
                pathValues(f, foreignParts).some((fv) => locals.some((l) => valuesEqual(fv, l, strCmp)))
              );
            }
          }
        }
        let results: Document[] = matched ?? []; // (streamed only with a sub-pipeline, which sets results)
        if (sub && values) {
          values.forEach((v, i) => child.ctx.env.setSlot(child.slots[i] as number, v));
          // the sub-pipeline's markers pass out: its server-side JavaScript is awaited (js_defer.ts)
          results = [];
          for (const r of runStages(sub, streamed ?? matched!)) {
            if (r === PAUSE) yield r;
            else results.push(r);
          }
        }
        if (matching && !filtered) {
          const kept: Document[] = [];
          for (const r of runStages(matching, results)) {
            if (r === PAUSE) yield r;
            else kept.push(r);
          }
          results = kept;
        }
        if (unwinding) yield* runStages(unwinding, [setPath(doc, asParts, 0, results)]);
        else {
          checkJoinedSize(results, from ?? "", maxJoined);
          yield setPath(doc, asParts, 0, results);
        }
      }
    },
  };
}

/**
 * mongod's bound on the array a `$lookup` builds (the documents joined to one outer document, by
 * approximate size): past `maxBytes`, 4568. Not applied when the `$lookup` took its `$unwind`
 * (mongod builds no array then).
 */
function checkJoinedSize(joined: readonly Document[], from: string, maxBytes: number): void {
  // (as mongod: the documents before each one are checked, so the last may pass the bound)
  let total = 0;
  for (const d of joined) {
    if (total > maxBytes) {
      throw new CommandError(
        Location.LookupJoinedTooLarge,
        `Total size of documents in ${from} matching pipeline's $lookup stage exceeds ${maxBytes} bytes`,
      );
    }
    total += approxValueSize(d);
  }
}

/** A filter on paths under `as` as the same filter on the joined document (`{"j.team": 1}` → `{team: 1}`). */
function stripped(filter: Document, as: string): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(filter)) out[k.slice(as.length + 1)] = v;
  return out;
}

/**
 * `{$match: {$expr: {$eq: ["$field", "$$name"]}}}` (either order, or one of an `$expr`'s `$and`) with
 * `name` one of the `let` variables: the field and the variable's position, else undefined.
 */
function letEquality(stage: unknown, names: readonly string[]): { field: string; slot: number } | undefined {
  if (!isObj(stage) || Object.keys(stage).length !== 1 || !isObj(stage["$match"])) return undefined;
  const match = stage["$match"] as Document;
  const find = (e: unknown): { field: string; slot: number } | undefined => {
    if (!isObj(e) || Object.keys(e).length !== 1) return undefined;
    if (Array.isArray(e["$and"])) {
      for (const x of e["$and"]) {
        const hit = find(x);
        if (hit) return hit;
      }
      return undefined;
    }
    const args = e["$eq"];
    if (!Array.isArray(args) || args.length !== 2) return undefined;
    const field = (x: unknown) =>
      typeof x === "string" && /^\$[^$]/.test(x) && !x.slice(1).includes("$") ? x.slice(1) : undefined;
    const slot = (
      x: unknown,
    ) => (typeof x === "string" && x.startsWith("$$") ? names.indexOf(x.slice(2)) : -1);
    const [a, b] = args;
    if (field(a) !== undefined && slot(b) >= 0) return { field: field(a)!, slot: slot(b) };
    if (field(b) !== undefined && slot(a) >= 0) return { field: field(b)!, slot: slot(a) };
    return undefined;
  };
  return Object.hasOwn(match, "$expr") ? find(match["$expr"]) : undefined;
}

/** A value an index lookup of `$in` semantics finds a superset of `$expr` equality's matches for. */
function indexableScalar(v: unknown): boolean {
  return v !== undefined && !Array.isArray(v) && !isRegexValue(v) && !(isObj(v) && !("_bsontype" in v));
}

function setPath(doc: Document, parts: readonly string[], i: number, value: unknown): Document {
  const out: Document = { ...doc };
  const k = parts[i] as string;
  if (i === parts.length - 1) out[k] = value;
  else out[k] = setPath(isObj(out[k]) ? out[k] as Document : {}, parts, i + 1, value);
  return out;
}

export function compileUnionWith(spec: unknown, ctx: StageContext, name: string): Stage {
  let coll: string | undefined;
  let pipeline: unknown[] = [];
  if (typeof spec === "string") coll = spec;
  else if (isObj(spec)) {
    for (const [k, v] of Object.entries(spec)) {
      if (k === "coll") coll = collName(v, "$unionWith", k);
      else if (k === "pipeline") {
        if (!Array.isArray(v)) {
          throw new CommandError(
            "TypeMismatch",
            `BSON field '$unionWith.pipeline' is the wrong type '${typeName(v)}', expected type 'array'`,
          );
        }
        pipeline = v;
      } else throw new CommandError("IDLUnknownField", `BSON field '$unionWith.${k}' is an unknown field.`);
    }
  } else {
    throw new CommandError(
      "FailedToParse",
      `the $unionWith stage specification must be an object or string, but found ${typeName(spec)}`,
    );
  }
  const firstIsDocuments = isObj(pipeline[0]) && Object.hasOwn(pipeline[0], "$documents");
  if (coll === undefined && !firstIsDocuments) {
    throw new CommandError(
      "IDLFailedToParse",
      "BSON field '$unionWith.coll' is missing but a required field",
    );
  }
  const resolve = firstIsDocuments ? () => [] : resolver(ctx, "$unionWith");
  const sub = ctx.subPipeline(pipeline);
  return {
    name,
    pauses: true,
    *run(input) {
      yield* input;
      yield* runStages(sub, coll === undefined ? [] : resolve(coll));
    },
  };
}

export function compileDocuments(spec: unknown, ctx: StageContext, name: string): Stage {
  const ev = ctx.env.compile(spec);
  const defer = jsDeferralFor(ctx, spec);
  return {
    name,
    *run() {
      const docs = yield* evaluated(defer, () => ev(undefined, ctx.env.newVars()));
      if (!Array.isArray(docs)) {
        throw new CommandError(Location.DocumentsNotArray, "an array is expected");
      }
      for (const d of docs) {
        if (!isObj(d)) {
          throw new CommandError(
            Location.ReplaceRootResultNotObject,
            `'newRoot' expression must evaluate to an object, but resulting value was: ${
              String(d)
            }. Type of resulting value: '${typeName(d)}'.`,
          );
        }
        yield d;
      }
    },
  };
}
