/**
 * filter.ts — `compileFilter`: parses a query filter once into a `Matcher`.
 *
 * Top-level keys are field paths or the pathless operators `$and $or $nor $comment` (and
 * `$alwaysTrue/$alwaysFalse`) and `$expr` (an aggregation expression, compiled by engine/expression);
 * `$jsonSchema` compiles in json_schema.ts; `$text` needs the collection's text index; `$where` runs
 * through the caller's `WhereSupport` (the command layer's JavaScript sandbox) and is BadValue where
 * none is given (aggregation's `$match`, validators), as on mongod. All validation happens here, so a
 * bad filter fails even against an empty collection.
 */
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";
import { Location } from "../../errors/locations.ts";
import { makeStringComparator } from "../collation/collation.ts";
import { compileField, DBREF_FIELDS } from "./field_ops.ts";
import { compileJsonSchema } from "./json_schema.ts";
import { ExpressionEnv } from "../expression/env.ts";
import { truthy } from "../expression/numeric.ts";
import type { JsHost } from "../expression/types.ts";
import { ALWAYS_FALSE, ALWAYS_TRUE, type CompileContext, type DocPred } from "./predicates.ts";
import type { Document } from "../../bson/document.ts";
import { compileTextSearch, type TextIndexInfo, textScores } from "../text/mod.ts";

export type { Document };

/** A compiled filter. */
export interface Matcher {
  matches(doc: Document): boolean;
  /** True when the filter has a `$text` (mongod then refuses a hint or a `$natural` sort with it). */
  readonly text?: boolean;
}

/** How a filter runs `$where` (commands that allow it give one: find, count, update, delete …). */
export interface WhereSupport {
  /**
   * Compiles one `$where` argument (validated here: a string or Code; a Code's scope becomes global
   * variables) into a document predicate; throws mongod's error when JavaScript is disabled.
   */
  compile(code: string, scope: Record<string, unknown> | undefined): DocPred;
  /**
   * Wraps the predicate of an `$expr` that calls `$function` (`spec` its argument): the caller may
   * evaluate it beforehand without blocking (awaited calls) and answer from what it remembers.
   */
  expr?(spec: unknown, pred: DocPred): DocPred;
}

export interface FilterOptions {
  /** Server-side JavaScript for `$function` inside `$expr`. */
  js?: JsHost | undefined;
  /** `$where` support; absent = `$where` is BadValue "not allowed in this context". */
  where?: WhereSupport | undefined;
  /** A collation document (`{locale, strength, …}`); omitted or `{locale: "simple"}` = binary. */
  collation?: unknown;
  /** `$$NOW` for `$expr` (injected clock). */
  now?: Date | undefined;
  /** The command's `let` variables, visible to `$expr`. */
  variables?: Record<string, unknown> | undefined;
  /** An expression environment to compile `$expr` in (a pipeline's, with its variables in scope). */
  expressionEnv?: ExpressionEnv | undefined;
  /** The collection's text index, for `$text` (absent: `$text` is 27 IndexNotFound). */
  textIndex?: TextIndexInfo | undefined;
}

/** Parses and validates `filter`; throws CommandError with mongod's code on bad input. */
export function compileFilter(filter: Document | null | undefined, opts: FilterOptions = {}): Matcher {
  if (filter === null || filter === undefined) return { matches: ALWAYS_TRUE };
  if (!isDocument(filter)) throw new CommandError("TypeMismatch", "filter must be an object");
  const strCmp = makeStringComparator(opts.collation);
  let env: ExpressionEnv | undefined;
  let textUsed = false;
  const ctx: CompileContext = {
    strCmp,
    subFilter: (f) => compileDoc(f, ctx, false),
    text: (arg) => {
      if (textUsed) throw new CommandError("BadValue", "Too many text expressions");
      textUsed = true;
      if (!opts.textIndex) throw new CommandError("IndexNotFound", "text index required for $text query");
      const score = compileTextSearch(arg, opts.textIndex);
      return (doc) => {
        const s = score(doc);
        if (s <= 0) return false;
        textScores.set(doc, s);
        return true;
      };
    },
    where: opts.where,
    expr: (e) => {
      env ??= opts.expressionEnv ??
        new ExpressionEnv({ strCmp, now: opts.now, variables: opts.variables, js: opts.js });
      const ev = env.compile(e);
      const vars = env.newVars();
      const pred: DocPred = (doc) => {
        vars.root = doc;
        return truthy(ev(doc, vars));
      };
      const where = opts.where;
      return where?.expr && (JSON.stringify(e) ?? "").includes('"$function"') ? where.expr(e, pred) : pred;
    },
  };
  const matches = compileDoc(filter, ctx, true);
  return textUsed ? { matches, text: true } : { matches };
}

/** Whether `filter` has a `$text` at its top level or in its `$and` / `$or` / `$nor` branches. */
function hasText(filter: unknown): boolean {
  if (!isDocument(filter)) return false;
  for (const [k, v] of Object.entries(filter)) {
    if (k === "$text") return true;
    if ((k === "$and" || k === "$or" || k === "$nor") && Array.isArray(v) && v.some(hasText)) return true;
  }
  return false;
}

function compileDoc(filter: Document, ctx: CompileContext, topLevel: boolean): DocPred {
  const preds: DocPred[] = [];
  for (const [key, value] of Object.entries(filter)) {
    // (a DBRef's `$ref` / `$id` / `$db` name fields, as mongod's pathless DBRef parsers: an equality)
    if (key[0] === "$" && !DBREF_FIELDS.has(key)) {
      const p = compileTopLevel(key, value, ctx, topLevel);
      if (p) preds.push(p);
      continue;
    }
    const f = compileField(key, value, ctx);
    preds.push((doc) => f.onPath(doc));
  }
  return allOf(preds);
}

function allOf(preds: DocPred[]): DocPred {
  switch (preds.length) {
    case 0:
      return ALWAYS_TRUE;
    case 1:
      return preds[0] as DocPred;
    case 2: {
      const [a, b] = preds as [DocPred, DocPred];
      return (d) => a(d) && b(d);
    }
    case 3: {
      const [a, b, c] = preds as [DocPred, DocPred, DocPred];
      return (d) => a(d) && b(d) && c(d);
    }
    default:
      return (d) => {
        for (const p of preds) if (!p(d)) return false;
        return true;
      };
  }
}

function compileTopLevel(
  key: string,
  value: unknown,
  ctx: CompileContext,
  topLevel: boolean,
): DocPred | null {
  switch (key) {
    case "$and":
    case "$or":
    case "$nor": {
      if (!Array.isArray(value) || value.length === 0) {
        throw new CommandError("BadValue", "$and/$or/$nor must be a nonempty array");
      }
      const subs = value.map((v) => {
        if (!isDocument(v)) {
          throw new CommandError("BadValue", "$or/$and/$nor entries need to be full objects");
        }
        return compileDoc(v, ctx, topLevel);
      });
      // (after compiling: without a text index the `$text` inside is 27 IndexNotFound first, as mongod)
      if (key === "$nor" && value.some(hasText)) {
        throw new CommandError("BadValue", "text expression not allowed in nor");
      }
      if (key === "$and") return allOf(subs);
      if (key === "$or") return subs.length === 1 ? subs[0] as DocPred : (d) => subs.some((p) => p(d));
      return (d) => !subs.some((p) => p(d));
    }
    case "$comment":
      return null;
    case "$alwaysTrue":
    case "$alwaysFalse":
      // mongod's parseAlwaysBoolean: the value is the number 1
      if (!isNumeric(value) || toNumber(value) !== 1) {
        throw new CommandError("FailedToParse", `${key} must be an integer value of 1`);
      }
      return key === "$alwaysTrue" ? ALWAYS_TRUE : ALWAYS_FALSE;
    case "$where": {
      if (!ctx.where) throw new CommandError("BadValue", "$where is not allowed in this context");
      if (!topLevel) throw new CommandError("BadValue", "$elemMatch cannot contain $where expression");
      const code = value as { _bsontype?: string; code?: unknown; scope?: unknown };
      let source: string;
      if (typeof value === "string") source = value;
      else if (code?._bsontype === "Code" && typeof code.code === "string") {
        // (BSON code with scope, type 15: mongod 4.4 removed it here)
        if (code.scope !== null && code.scope !== undefined) {
          throw new CommandError(
            Location.WhereCodeWithScope,
            "$where no longer supports deprecated BSON type CodeWScope",
          );
        }
        source = code.code;
      } else throw new CommandError("BadValue", "$where got bad type");
      if (source.length === 0) throw new CommandError("BadValue", "code for $where cannot be empty");
      return ctx.where.compile(source, undefined);
    }
    case "$expr":
      if (!topLevel) {
        throw new CommandError("BadValue", "$expr can only be applied to the top-level document");
      }
      return ctx.expr(value);
    case "$jsonSchema":
      return compileJsonSchema(value);
    case "$text":
      if (!topLevel) {
        throw new CommandError("BadValue", `${key} can only be applied to the top-level document`);
      }
      return ctx.text!(value);
    case "$sampleRate":
      throw new CommandError("NotImplemented", `${key} is not implemented yet in SecantusDB`);
    default:
      throw new CommandError("BadValue", `unknown top level operator: ${key}`);
  }
}
