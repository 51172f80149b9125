/**
 * projection.ts — `compileProjection(spec)`: find-style projections.
 *
 * Supported: inclusion (`{a: 1, "b.c": true}`) and exclusion (`{a: 0}`) with dotted paths through
 * embedded documents and arrays of documents; `_id` is included unless `_id: 0`; `$slice` (n or
 * [skip, limit]), `$elemMatch` (top-level fields), positional `a.$` (the array element the filter
 * matched: needs `opts.filter`), and computed fields (`{x: "$a.b"}`, `{y: {$add: […]}}`, literals
 * through `$literal`) evaluated by the expression engine, `{$meta: "textScore"}`. The embedded form
 * `{b: {c: 1}}` means `{"b.c": 1}`; a projection of only `$elemMatch` fields is an inclusion
 * projection (mongod).
 *
 * Errors as mongod: exclusion inside an inclusion projection → 31254, inclusion inside an exclusion
 * projection → 31253, overlapping paths → 31250 "Path collision at …".
 */
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isDocument, isNumeric } from "../../bson/values.ts";
import { splitPath } from "../path/field_path.ts";
import { compileFilter, type FilterOptions } from "../query/filter.ts";
import { compileMatchPosition } from "../query/match_position.ts";
import { ExpressionEnv } from "../expression/env.ts";
import type { Evaluator, JsHost } from "../expression/types.ts";
import type { Document } from "../../bson/document.ts";
import type { TopLevelProjection } from "../../bson/raw_project.ts";

/** What a projection may need beyond its spec: the query filter (positional `$`), `let`, `$$NOW`. */
export interface ProjectionOptions {
  readonly filter?: Document | undefined;
  readonly filterOptions?: FilterOptions;
  readonly variables?: Record<string, unknown> | undefined;
  readonly now?: Date | undefined;
  /** Server-side JavaScript for `$function` in computed fields (absent: refused with 31264). */
  readonly js?: JsHost | undefined;
}

type Tree = Map<string, Tree | true>;

export interface Projection {
  readonly kind: "inclusion" | "exclusion";
  apply(doc: Document): Document;
  /**
   * Set when the projection is plain and top-level (names without dots, no operators, no computed
   * fields): the stored bytes can be projected as they are (bson/raw_project.ts).
   */
  readonly topLevel?: TopLevelProjection;
}

type Special = (v: unknown) => { keep: boolean; value?: unknown };

/** `{b: {c: 1, d: 0}}` → `{"b.c": 1, "b.d": 0}`; documents of operators (`$slice`, …) stay as they are. */
function flattenEmbedded(spec: Document, prefix = "", out: Document = {}): Document {
  for (const [k, v] of Object.entries(spec)) {
    const path = prefix === "" ? k : `${prefix}.${k}`;
    if (isDocument(v) && Object.keys(v).length > 0 && !Object.keys(v).some((x) => x.startsWith("$"))) {
      flattenEmbedded(v, path, out);
    } else out[path] = v;
  }
  return out;
}

function addPath(tree: Tree, path: string): void {
  const parts = splitPath(path);
  let cur = tree;
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i] as string;
    const last = i === parts.length - 1;
    const existing = cur.get(k);
    if (existing === true || (last && existing !== undefined)) {
      throw new CommandError(Location.ProjectionPathCollision, `Path collision at ${path}`);
    }
    if (last) cur.set(k, true);
    else {
      let next = existing;
      if (!next) {
        next = new Map();
        cur.set(k, next);
      }
      cur = next;
    }
  }
}

function parseSlice(path: string, arg: unknown): Special {
  let skip = 0;
  let limit: number;
  if (Array.isArray(arg)) {
    if (arg.length !== 2 || !isNumeric(arg[0]) || !isNumeric(arg[1])) {
      throw new CommandError(Location.SliceBadArgument, "First argument to $slice must be an array");
    }
    skip = Number(arg[0]);
    limit = Number(arg[1]);
    if (limit <= 0) {
      throw new CommandError(
        Location.SliceBadArgument,
        `Invalid $slice syntax for field ${path}: limit must be positive`,
      );
    }
  } else if (isNumeric(arg)) limit = Number(arg);
  else throw new CommandError(Location.ProjectionSliceBadSyntax, `Invalid $slice syntax for field ${path}`);
  return (v) => {
    if (!Array.isArray(v)) return { keep: true, value: v };
    if (!Array.isArray(arg)) {
      return { keep: true, value: limit >= 0 ? v.slice(0, limit) : v.slice(Math.max(0, v.length + limit)) };
    }
    const start = skip >= 0 ? Math.min(skip, v.length) : Math.max(0, v.length + skip);
    return { keep: true, value: v.slice(start, start + limit) };
  };
}

function parseElemMatch(path: string, arg: unknown): Special {
  if (path.includes(".")) {
    throw new CommandError("BadValue", "Cannot use $elemMatch projection on a nested field.");
  }
  if (!isDocument(arg)) throw new CommandError("BadValue", "elemMatch: Invalid argument, object required.");
  // The query operator's semantics on a one-element array pick the element (document conditions and
  // operator-only conditions on scalars alike).
  const m = compileFilter({ x: { $elemMatch: arg } });
  return (v) => {
    if (!Array.isArray(v)) return { keep: false };
    const first = v.find((el) => m.matches({ x: [el] }));
    return first === undefined ? { keep: false } : { keep: true, value: [first] };
  };
}

/** Parses and validates a projection. `{}` / undefined keep whole documents. */
export function compileProjection(
  spec: Document | null | undefined,
  opts: ProjectionOptions = {},
): Projection {
  const tree: Tree = new Map();
  const specials = new Map<string, Special>();
  const computed = new Map<string, Evaluator>();
  let env: ExpressionEnv | undefined;
  let positional: { base: string; find: (doc: Document) => string | undefined } | undefined;
  let mode: "inclusion" | "exclusion" | undefined;
  let idMode: boolean | undefined;
  const setMode = (path: string, include: boolean) => {
    if (mode === undefined) mode = include ? "inclusion" : "exclusion";
    else if (mode === "inclusion" && !include) {
      throw new CommandError(
        Location.ProjectionExclusionInInclusion,
        `Cannot do exclusion on field ${path} in inclusion projection`,
      );
    } else if (mode === "exclusion" && include) {
      throw new CommandError(
        Location.ProjectionInclusionInExclusion,
        `Cannot do inclusion on field ${path} in exclusion projection`,
      );
    }
  };
  let elemMatchOnly = true;
  for (const [path, v] of Object.entries(flattenEmbedded(spec ?? {}))) {
    if (!(isDocument(v) && Object.keys(v)[0] === "$elemMatch")) elemMatchOnly = false;
    if (path.endsWith(".$") || path.includes(".$.")) {
      if (!path.endsWith(".$") || path.indexOf(".$") !== path.length - 2) {
        throw new CommandError(
          Location.ProjectionPositionalInMiddle,
          "As of 4.4, it's illegal to specify positional operator in the middle of a path.Positional projection may only be used at the end, for example: a.b.$. If the query previously used a form like a.b.$.d, remove the parts following the '$' and the results will be equivalent.",
        );
      }
      if (positional) {
        throw new CommandError(
          Location.ProjectionMultiplePositional,
          "Cannot specify more than one positional projection per query.",
        );
      }
      if (!(v === true || (isNumeric(v) && Number(v) !== 0))) {
        throw new CommandError(
          Location.ProjectionPositionalWithExclusion,
          `positional projection cannot be used with exclusion: ${path}`,
        );
      }
      const base = path.slice(0, -2);
      setMode(path, true);
      addPath(tree, base);
      positional = { base, find: compileMatchPosition(opts.filter, opts.filterOptions ?? {}) };
      continue;
    }
    if (
      isDocument(v) && Object.keys(v).length === 1 &&
      (Object.keys(v)[0] === "$slice" || Object.keys(v)[0] === "$elemMatch")
    ) {
      const op = Object.keys(v)[0];
      if (op === "$slice") specials.set(path, parseSlice(path, v["$slice"]));
      else specials.set(path, parseElemMatch(path, v["$elemMatch"]));
      continue;
    }
    if (isDocument(v) && Object.keys(v)[0] === "$meta") {
      // Metadata does not decide inclusion / exclusion (mongod).
      env ??= new ExpressionEnv({ variables: opts.variables, now: opts.now, js: opts.js });
      computed.set(path, env.compile(v));
      continue;
    }
    let include: boolean;
    if (typeof v === "boolean") include = v;
    else if (isNumeric(v)) include = Number(v) !== 0;
    else {
      // A computed field: any other value is an aggregation expression (strings "$a" are paths).
      if (path === "_id") idMode = true;
      env ??= new ExpressionEnv({ variables: opts.variables, now: opts.now, js: opts.js });
      computed.set(path, env.compile(v));
      if (path !== "_id") setMode(path, true);
      continue;
    }
    if (path === "_id") {
      idMode = include;
      continue;
    }
    setMode(path, include);
    addPath(tree, path);
  }
  if (mode === undefined) {
    mode = (idMode === true && specials.size === 0) || (elemMatchOnly && specials.size > 0)
      ? "inclusion"
      : "exclusion";
  }
  if (mode === "inclusion") {
    for (const p of specials.keys()) if (!tree.has(splitPath(p)[0] as string)) addPath(tree, p);
  }
  const includeId = idMode !== false;
  const kind = mode;
  const idNode = tree.get("_id");
  const idPart = idMode === undefined && idNode !== undefined && idNode !== true ? idNode : undefined;
  const computedPaths = [...computed].map(([p, ev]) => [splitPath(p), ev] as const);
  const plain = specials.size === 0 && computed.size === 0 && positional === undefined && !tree.has("_id") &&
    [...tree.values()].every((node) => node === true);
  return {
    kind,
    ...(plain
      ? { topLevel: { include: kind === "inclusion", names: [...tree.keys()], keepId: includeId } }
      : {}),
    apply(doc) {
      let out: Document;
      if (kind === "inclusion") {
        out = {};
        if (includeId && Object.hasOwn(doc, "_id")) {
          // `{"_id.a": 1}` keeps only that part of _id (nothing of a scalar _id), as mongod
          const id = doc["_id"];
          if (idPart === undefined) out["_id"] = id;
          else if (isDocument(id)) out["_id"] = includeTree(id, idPart, false);
        }
        Object.assign(out, includeTree(doc, tree, true));
      } else {
        out = excludeTree(doc, tree);
        if (!includeId) delete out["_id"];
      }
      for (const [path, fn] of specials) applySpecial(out, doc, splitPath(path), fn);
      if (positional) applyPositional(out, doc, positional.base, positional.find(doc));
      if (computedPaths.length > 0) {
        const vars = env!.newVars(doc);
        for (const [parts, ev] of computedPaths) {
          const value = ev(doc, vars);
          if (value !== undefined) setComputed(out, parts, value);
        }
      }
      return out;
    },
  };
}

function includeTree(doc: Document, tree: Tree, top: boolean): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(doc)) {
    if (top && k === "_id") continue;
    const node = tree.get(k);
    if (node === undefined) continue;
    if (node === true) out[k] = v;
    else if (isDocument(v)) out[k] = includeTree(v, node, false);
    else if (Array.isArray(v)) out[k] = includeArray(v, node);
  }
  return out;
}

function includeArray(arr: unknown[], node: Tree): unknown[] {
  const out: unknown[] = [];
  for (const el of arr) {
    if (isDocument(el)) out.push(includeTree(el, node, false));
    else if (Array.isArray(el)) out.push(includeArray(el, node));
  }
  return out;
}

function excludeTree(doc: Document, tree: Tree): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(doc)) {
    const node = tree.get(k);
    if (node === true) continue;
    if (node === undefined) out[k] = v;
    else if (isDocument(v)) out[k] = excludeTree(v, node);
    else if (Array.isArray(v)) out[k] = v.map((el) => isDocument(el) ? excludeTree(el, node) : el);
    else out[k] = v;
  }
  return out;
}

/** The output and source documents that hold the last path component, walking both in step. */
function parentsOf(
  out: Document,
  src: Document,
  parts: readonly string[],
): { o: Document; s: Document; last: string } | undefined {
  let o: Document = out;
  let s: unknown = src;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i] as string;
    if (!isDocument(s) || !isDocument(o[k])) return undefined;
    s = s[k];
    o = o[k] as Document;
  }
  if (!isDocument(s)) return undefined;
  return { o, s, last: parts[parts.length - 1] as string };
}

function applySpecial(out: Document, src: Document, parts: readonly string[], fn: Special): void {
  const at = parentsOf(out, src, parts);
  if (!at || !Object.hasOwn(at.s, at.last)) return;
  const r = fn(at.s[at.last]);
  if (r.keep) at.o[at.last] = r.value;
  else delete at.o[at.last];
}

/** Keeps only the matched element of the array at `base` (positional projection). */
function applyPositional(out: Document, src: Document, base: string, index: string | undefined): void {
  const at = parentsOf(out, src, splitPath(base));
  if (!at || !Array.isArray(at.s[at.last])) return;
  const arr = at.s[at.last] as unknown[];
  if (index === undefined || Number(index) >= arr.length) {
    throw new CommandError(
      Location.ProjectionPositionalNoMatch,
      "Executor error during find command :: caused by :: positional operator '.$' couldn't find a matching element in the array",
    );
  }
  at.o[at.last] = [arr[Number(index)]];
}

/** Sets a computed value at a dotted path, creating documents on the way. */
function setComputed(out: Document, parts: readonly string[], value: unknown): void {
  let o = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i] as string;
    if (!isDocument(o[k])) o[k] = {};
    o = o[k] as Document;
  }
  o[parts[parts.length - 1] as string] = value;
}
