/**
 * update.ts — `compileUpdate`: parses an update once into an `Updater`.
 *
 * Forms: a replacement document (first key not `$`), an operator document (`{$set: …, $inc: …}`),
 * or a pipeline (array of `$set/$addFields/$project/$unset/$replaceRoot/$replaceWith`, run by
 * engine/aggregate's `compileUpdatePipeline`). Validation at compile time: unknown
 * modifier / mixed forms → 9 FailedToParse; conflicting paths → 40 ConflictingUpdateOperators; empty
 * path components → 56 EmptyFieldName; `$`-prefixed fields → 52 DollarPrefixedFieldName; positional
 * `$`, `$[]`, `$[id]` resolve per document (positional.ts); unused arrayFilters → 9 FailedToParse.
 *
 * Application clones the document, applies operators in path order (mongod 5.0+ applies them in
 * lexicographic field order, numeric components numerically, which fixes where new fields land),
 * refuses to change `_id` (66 ImmutableField) and reports `modified` by strict BSON identity, and the
 * oplog diff mongod would log: from the paths the operators modified (update_log.ts), a value diff
 * for pipelines.
 */
import { CommandError } from "../../errors/command_error.ts";
import { bsonTypeAlias } from "../../bson/compare.ts";
import { isDocument } from "../../bson/values.ts";
import { cloneDeep } from "../path/mutate.ts";
import { describeValue } from "../path/describe.ts";
import { isIndexComponent, splitPath } from "../path/field_path.ts";
import { makeAddToSet, makePop, makePull, makePush } from "./array_ops.ts";
import { makeArith, makeCurrentDate, makeMinMax, makeRename, makeSet, makeUnset } from "./field_ops.ts";
import { sameBson } from "./same.ts";
import { makeBit } from "./bit.ts";
import {
  type ArrayFilters,
  checkPositionalPath,
  expandPositional,
  isPositional,
  parseArrayFilters,
} from "./positional.ts";
import { compileUpdatePipeline } from "../aggregate/update_pipeline.ts";
import { computeDiff } from "../../bson/doc_diff.ts";
import { type Before, diffFromLog, firstMissing, type LogEntry, snapshot } from "./update_log.ts";
import type { Collated, Document, UpdateAction, UpdateContext } from "./types.ts";
import { makeStringComparator } from "../collation/collation.ts";
import { patchableName, spliceTopLevel } from "./byte_patch.ts";
import { patchScalars, type ScalarUpdateSpec, scalarUpdateSpec } from "./scalar_patch.ts";
import { decodeFields } from "../../bson/partial_decode.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { encodeSmallDocument } from "../../bson/small_doc.ts";
import type { JsHost } from "../expression/types.ts";

export interface UpdateOptions {
  arrayFilters?: Document[] | undefined;
  isUpsert?: boolean | undefined;
  /** The command's `let` variables (pipeline updates). */
  variables?: Record<string, unknown> | undefined;
  /** The operation's collation (array filters compare strings with it). */
  collation?: unknown;
  /**
   * Server-side JavaScript for `$function` in pipeline updates (absent: refused with 31264). Its
   * calls are inline unless the caller runs the update inside a deferral round (engine/js/host.ts).
   */
  js?: JsHost | undefined;
}

export interface UpdateResult {
  doc: Document;
  modified: boolean;
  /**
   * How the oplog records a modification (operator and pipeline updates, when `modified` and not an
   * insert): the `$v: 2` diff mongod logs, or null for a replacement-style entry (a pipeline update
   * whose diff would not be smaller than the document). Absent for replacements.
   */
  diff?: Document | null;
}

/** What `Updater.applyBytes` gives: the new stored bytes (the input itself when not modified). */
export interface BytesUpdateResult {
  bytes: Uint8Array;
  modified: boolean;
  /** The top-level fields the update may have changed (the others keep their bytes). */
  fields: readonly string[];
  /** As `UpdateResult.diff`. */
  diff?: Document | null;
  /** `{$v: 2, diff}` encoded, when the patch wrote it along (scalar_patch.ts). */
  o?: Uint8Array;
}

export interface Updater {
  readonly kind: "replacement" | "operators" | "pipeline";
  /** True when a path uses the positional `$`: the caller must pass `UpdateContext.matchedIndex`. */
  readonly needsMatchedIndex?: boolean;
  apply(doc: Document, ctx: UpdateContext): UpdateResult;
  /**
   * `apply` on a stored document's bytes, patching only the top-level fields the update touches
   * (byte_patch.ts): the bytes `apply` + encoding would give. Present for operator updates without
   * the positional `$` whose top-level names allow it; it returns undefined when these bytes do not
   * (the caller then decodes and runs `apply`). Not for inserts (`ctx.isInsert` false).
   */
  applyBytes?(bytes: Uint8Array, ctx: UpdateContext): BytesUpdateResult | undefined;
}

type Maker = (path: string, arg: unknown, cx: Collated) => UpdateAction;

const OPERATORS: Readonly<Record<string, Maker>> = {
  $set: (p, a) => makeSet("$set", p, a),
  $setOnInsert: (p, a) => makeSet("$setOnInsert", p, a),
  $unset: (p) => makeUnset(p),
  $inc: (p, a) => makeArith("$inc", p, a),
  $mul: (p, a) => makeArith("$mul", p, a),
  $min: (p, a, cx) => makeMinMax("$min", p, a, cx),
  $max: (p, a, cx) => makeMinMax("$max", p, a, cx),
  $rename: (p, a) => makeRename(p, a),
  $currentDate: (p, a) => makeCurrentDate(p, a),
  $push: (p, a, cx) => makePush(p, a, cx),
  $addToSet: (p, a, cx) => makeAddToSet(p, a, cx),
  $pull: (p, a, cx) => makePull("$pull", p, a, cx),
  $pullAll: (p, a, cx) => makePull("$pullAll", p, a, cx),
  $pop: (p, a) => makePop(p, a),
  $bit: (p, a) => makeBit(p, a),
};

/** Parses and validates an update specification. */
export function compileUpdate(update: Document | Document[], opts: UpdateOptions = {}): Updater {
  if (Array.isArray(update)) return compilePipelineUpdate(update, opts);
  if (!isDocument(update)) {
    throw new CommandError("FailedToParse", "Update argument must be either an object or an array");
  }
  const keys = Object.keys(update);
  const isOperators = keys.length > 0 && (keys[0] as string).startsWith("$");
  if (isOperators && (opts.arrayFilters === undefined || opts.arrayFilters.length === 0)) {
    const scalar = scalarUpdateSpec(update);
    if (scalar) return scalarUpdater(update, scalar, opts);
  }
  const filters = parseArrayFilters(opts.arrayFilters, opts.collation);
  const used = new Set<string>();
  const updater = isOperators
    ? compileOperators(update, filters, used, collated(opts))
    : compileReplacement(update);
  for (const id of filters.keys()) {
    if (!used.has(id)) {
      throw new CommandError(
        "FailedToParse",
        `The array filter for identifier '${id}' was not used in the update ${describeValue(update)}`,
      );
    }
  }
  return updater;
}

/**
 * A `$set`/`$inc` of top-level scalars (scalar_patch.ts): stored bytes are patched by `patchScalars`;
 * anything else (a document that path does not take, an upsert's seed) runs the general operator
 * update, compiled on first use — it accepts everything `scalarUpdateSpec` does, so compiling it later
 * reports no error the request would have got earlier.
 */
function scalarUpdater(update: Document, spec: ScalarUpdateSpec, opts: UpdateOptions): Updater {
  let general: Updater | undefined;
  const slow = () => (general ??= compileOperators(
    update,
    parseArrayFilters(opts.arrayFilters, opts.collation),
    new Set(),
    collated(opts),
  ));
  return {
    kind: "operators",
    needsMatchedIndex: false,
    // an upsert's new document: its seed's bytes patched as a stored document's are (no general
    // update compiled per statement); the general path when the patch does not apply
    apply: (doc, ctx) => (ctx.isInsert ? insertScalars(spec, doc) : undefined) ?? slow().apply(doc, ctx),
    applyBytes(bytes, ctx) {
      return (ctx.isInsert ? undefined : patchScalars(spec, bytes)) ?? slow().applyBytes?.(bytes, ctx);
    },
  };
}

/**
 * The scalar update applied to an upsert's seed `doc`, as the general path would (`patchScalars` gives
 * the bytes it would store), or undefined when the seed is not a small document of plain values or the
 * patch does not apply (the general path then runs, and reports any error).
 */
function insertScalars(spec: ScalarUpdateSpec, doc: Document): UpdateResult | undefined {
  const bytes = encodeSmallDocument(doc);
  const r = bytes && patchScalars(spec, bytes);
  return r ? { doc: decodeDocument(r.bytes), modified: r.modified } : undefined;
}

function compilePipelineUpdate(stages: Document[], opts: UpdateOptions): Updater {
  if (opts.arrayFilters && opts.arrayFilters.length > 0) {
    throw new CommandError("FailedToParse", "arrayFilters may not be specified for pipeline-style updates");
  }
  const pipeline = compileUpdatePipeline(stages, {
    variables: opts.variables,
    js: opts.js,
    collation: opts.collation,
  });
  return {
    kind: "pipeline",
    apply(doc, ctx) {
      const out = pipeline.apply(doc, ctx.now);
      if (Object.hasOwn(doc, "_id") && !sameBson(doc["_id"], out["_id"])) {
        throw new CommandError(
          "ImmutableField",
          "Performing an update on the path '_id' would modify the immutable field '_id'",
        );
      }
      const modified = !sameBson(doc, out);
      if (!modified || ctx.isInsert) return { doc: out, modified };
      return { doc: out, modified, diff: computeDiff(doc, out, { sizeLimit: true }) };
    },
  };
}

function compileReplacement(replacement: Document): Updater {
  for (const k of Object.keys(replacement)) {
    if (k.startsWith("$")) {
      throw new CommandError(
        "DollarPrefixedFieldName",
        `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
    }
  }
  return {
    kind: "replacement",
    apply(doc) {
      const next = cloneDeep(replacement);
      let out: Document = next;
      if (Object.hasOwn(doc, "_id")) {
        if (Object.hasOwn(next, "_id") && !sameBson(next["_id"], doc["_id"])) {
          throw new CommandError(
            "ImmutableField",
            `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${
              describeValue(next["_id"])
            }`,
          );
        }
        const { _id: _ignored, ...rest } = next;
        out = { _id: doc["_id"], ...rest };
      }
      // mongod's no-op test compares the stored document with the replacement as sent (before the
      // _id is carried over): replacing {_id: 0} by {} is a modification, validated and counted
      return { doc: out, modified: !sameBson(doc, replacement) };
    },
  };
}

function validatePath(path: string): void {
  if (path === "") throw new CommandError("EmptyFieldName", "An empty update path is not valid.");
  for (const part of splitPath(path)) {
    if (part === "") {
      throw new CommandError(
        "EmptyFieldName",
        `The update path '${path}' contains an empty field name, which is not allowed.`,
      );
    }
  }
}

/**
 * mongod 5.0+'s storage rules for dollar-prefixed names: an operator may write `$`-prefixed fields below
 * the top level (`address.$street`), and at the top level only when the update inserts (an upsert's new
 * document is validated as an insert); on an existing document a top-level one is 52.
 */
function refuseTopLevelDollar(path: string): never {
  const part = splitPath(path)[0] as string;
  throw new CommandError(
    "DollarPrefixedFieldName",
    `The dollar ($) prefixed field '${part}' in '${path}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
  );
}

function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    if (isIndexComponent(x) && isIndexComponent(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** An operator at one path; a positional path runs at every concrete path it stands for. */
interface Step {
  readonly action: UpdateAction;
  readonly positional: boolean;
}

function valueAt(doc: Document, parts: readonly string[]): unknown {
  let cur: unknown = doc;
  for (const k of parts) cur = Array.isArray(cur) ? cur[Number(k)] : (cur as Document)[k];
  return cur;
}

/** Logs what one operator did at one path (see update_log.ts for mongod's rules). */
function logChange(log: LogEntry[], action: UpdateAction, b: Before, doc: Document): void {
  const { parts } = b;
  const existed = b.missingAt === parts.length;
  const exists = firstMissing(doc, parts) === parts.length;
  if (!existed && !exists) return;
  if (!existed) {
    log.push({ kind: "create", parts, created: b.missingAt });
    return;
  }
  if (!exists) {
    log.push({ kind: "delete", parts });
    return;
  }
  const now = valueAt(doc, parts);
  if (sameBson(b.value, now)) return;
  if (Array.isArray(b.value) && Array.isArray(now) && action.appends?.(b.value.length, now.length)) {
    for (let i = b.value.length; i < now.length; i++) {
      log.push({ kind: "create", parts: [...parts, String(i)], created: parts.length });
    }
    return;
  }
  log.push({ kind: "update", parts });
}

/** Applies one operator at one concrete path, logging what it modified. */
function applyLogged(
  action: UpdateAction,
  doc: Document,
  ctx: UpdateContext,
  at: readonly string[],
  log: LogEntry[],
): void {
  const target = (action as { target?: string }).target;
  const watched = target === undefined ? [at] : [splitPath(target), at]; // $rename: destination, source
  const before = watched.map((p) => snapshot(doc, p));
  action.apply(doc, ctx, at);
  for (const b of before) logChange(log, action, b, doc);
}

/** The operators' string comparison under the update's collation. */
function collated(opts: UpdateOptions): Collated {
  if (opts.collation === undefined || opts.collation === null) return {};
  return { collation: opts.collation, strCmp: makeStringComparator(opts.collation) };
}

function compileOperators(update: Document, filters: ArrayFilters, used: Set<string>, cx: Collated): Updater {
  let needsMatchedIndex = false;
  const actions: Step[] = [];
  const seen = new Set<string>();
  const prefixes = new Set<string>();
  const claim = (path: string) => {
    const parts = splitPath(path);
    if (seen.has(path) || prefixes.has(path)) {
      throw new CommandError(
        "ConflictingUpdateOperators",
        `Updating the path '${path}' would create a conflict at '${path}'`,
      );
    }
    for (let i = 1; i < parts.length; i++) {
      const pre = parts.slice(0, i).join(".");
      if (seen.has(pre)) {
        throw new CommandError(
          "ConflictingUpdateOperators",
          `Updating the path '${path}' would create a conflict at '${pre}'`,
        );
      }
    }
    seen.add(path);
    for (let i = 1; i < parts.length; i++) prefixes.add(parts.slice(0, i).join("."));
  };
  for (const [op, args] of Object.entries(update)) {
    const make = OPERATORS[op];
    if (!make) {
      throw new CommandError(
        "FailedToParse",
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (!isDocument(args)) {
      throw new CommandError(
        "FailedToParse",
        `Modifiers operate on fields but we found type ${
          bsonTypeAlias(args)
        } instead. For example: {$mod: {<field>: ...}} not {${op}: ${describeValue(args)}}`,
      );
    }
    for (const [path, arg] of Object.entries(args)) {
      validatePath(path);
      const parts = splitPath(path);
      const positional = checkPositionalPath(path, parts, filters, used);
      if (positional && parts.includes("$")) needsMatchedIndex = true;
      const action = make(path, arg, cx);
      claim(path);
      if (op === "$rename") {
        validatePath(arg as string);
        claim(arg as string);
      }
      actions.push({ action, positional });
    }
  }
  actions.sort((a, b) => comparePaths(a.action.parts, b.action.parts));
  // a top-level `$`-prefixed field written (or renamed to): only an upsert's insert may
  const topDollar = actions.map(({ action: a }) => {
    const target = (a as { target?: string }).target;
    if (a.parts[0]?.startsWith("$") && !isPositional(a.parts[0])) return a.parts.join(".");
    if (a.op === "$rename" && target !== undefined && target.startsWith("$")) return target;
    return undefined;
  }).find((p) => p !== undefined);
  const touchesId = actions.some(({ action: a }) =>
    a.parts[0] === "_id" ||
    (a.op === "$rename" && String((a as { target?: string }).target).split(".")[0] === "_id")
  );
  // the top-level fields the operators read and write (byte_patch.ts), when bytes can be patched
  const top = new Set<string>();
  for (const { action: a } of actions) {
    top.add(a.parts[0] as string);
    const target = (a as { target?: string }).target;
    if (target !== undefined) top.add(splitPath(target)[0] as string);
  }
  const patched = [...top];
  top.add("_id"); // read by error messages and the immutable-_id check
  const byBytes = !needsMatchedIndex && patched.every(patchableName);
  const updater: Updater = {
    kind: "operators",
    needsMatchedIndex,
    apply(doc: Document, ctx: UpdateContext): UpdateResult {
      if (topDollar !== undefined && !ctx.isInsert) refuseTopLevelDollar(topDollar);
      const out = cloneDeep(doc);
      const log: LogEntry[] = [];
      for (const { action, positional } of actions) {
        if (!positional) applyLogged(action, out, ctx, action.parts, log);
        else {
          for (const at of expandPositional(out, action.parts, ctx, filters)) {
            applyLogged(action, out, ctx, at, log);
          }
        }
      }
      if (touchesId && Object.hasOwn(doc, "_id") && !sameBson(doc["_id"], out["_id"])) {
        throw new CommandError(
          "ImmutableField",
          "Performing an update on the path '_id' would modify the immutable field '_id'",
        );
      }
      const modified = !sameBson(doc, out);
      if (!modified || ctx.isInsert) return { doc: out, modified };
      // every change is logged by some operator; the value diff is only a safety net
      return { doc: out, modified, diff: diffFromLog(out, log) ?? computeDiff(doc, out) };
    },
  };
  if (byBytes) {
    updater.applyBytes = (bytes, ctx) => {
      const before = decodeFields(bytes, top);
      const r = updater.apply(before, ctx);
      if (!r.modified) return { bytes, modified: false, fields: patched };
      const out = spliceTopLevel(bytes, before, r.doc, patched);
      return out && { bytes: out, modified: true, fields: patched, diff: r.diff ?? null };
    };
  }
  return updater;
}
