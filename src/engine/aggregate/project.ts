/**
 * project.ts — `$project`, `$addFields`/`$set` and `$unset`: a projection tree over dotted paths.
 *
 * `$project` is either an inclusion (fields kept in input order, then computed fields in spec
 * order; `_id` kept unless `_id: 0`) or an exclusion. Nested objects without a `$` key are
 * sub-projections; other values (strings, arrays, `{$op}`) are expressions, evaluated against the
 * whole document even when nested. Through arrays, sub-projections apply to each element (scalars
 * are dropped by inclusions and kept by exclusions). `$addFields` evaluates every leaf as an
 * expression on the input document and merges into embedded documents (replacing scalars, mapping
 * over arrays); a missing result (`$$REMOVE`) removes the field.
 *
 * Errors as mongod: collisions 31250, exclusion in an inclusion 31254, inclusion in an exclusion
 * 31253, expression in an exclusion 31252, empty `$project` 51272.
 */
import { deferJs, jsDeferralFor } from "./js_defer.ts";
import type { JsDeferral } from "../expression/types.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { isNumeric } from "../../bson/values.ts";
import { checkFieldName, isObj } from "../expression/compile.ts";
import { truthy } from "../expression/numeric.ts";
import type { Evaluator, Vars } from "../expression/types.ts";
import type { Document, Stage, StageContext } from "./types.ts";
import { PAUSE } from "./pause.ts";

type Node =
  | { readonly kind: "include" }
  | { readonly kind: "exclude" }
  | { readonly kind: "expr"; readonly ev: Evaluator }
  | { readonly kind: "sub"; readonly children: Map<string, Node>; computed: boolean };

interface Tree {
  readonly children: Map<string, Node>;
  computed: boolean;
}

function insert(tree: Tree, path: string, leaf: Node, prefix: string): void {
  const parts = path.split(".");
  for (const p of parts) checkFieldName(p);
  let cur: Tree = tree;
  const trail: Tree[] = [tree];
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i] as string;
    const full = prefix + parts.slice(0, i + 1).join(".");
    const existing = cur.children.get(k);
    if (i === parts.length - 1) {
      if (existing) throw new CommandError(Location.ProjectionPathCollision, `Path collision at ${full}`);
      cur.children.set(k, leaf);
    } else {
      if (existing && existing.kind !== "sub") {
        throw new CommandError(
          Location.ProjectionPathCollision,
          `Path collision at ${prefix + path} remaining portion ${parts.slice(i + 1).join(".")}`,
        );
      }
      let next = existing;
      if (!next) {
        next = { kind: "sub", children: new Map(), computed: false };
        cur.children.set(k, next);
      }
      cur = next;
      trail.push(cur);
    }
  }
  if (leaf.kind === "expr" || (leaf.kind === "sub" && leaf.computed)) {
    for (const t of trail) t.computed = true;
  }
}

type Mode = "inclusion" | "exclusion" | undefined;

interface ParseState {
  mode: Mode;
  idMode: "include" | "exclude" | undefined;
  readonly stage: string;
  readonly ctx: StageContext;
  readonly computedOnly: boolean;
}

function fail(st: ParseState, code: number, msg: string): never {
  throw new CommandError(code, st.stage === "$project" ? `Invalid $project :: caused by :: ${msg}` : msg);
}

function parseInto(tree: Tree, spec: Document, st: ParseState, prefix: string): void {
  for (const [path, value] of Object.entries(spec)) {
    const full = prefix + path;
    if (isObj(value) && !st.computedOnly) {
      const keys = Object.keys(value);
      if (keys.length === 0) {
        fail(
          st,
          Location.ProjectionEmptySubProjection,
          `An empty sub-projection is not a valid value. Found empty object at path ${full}`,
        );
      }
      if (!(keys[0] as string).startsWith("$")) {
        const sub: Node = { kind: "sub", children: new Map(), computed: false };
        parseInto(sub, value, st, full + ".");
        insert(tree, path, sub, prefix);
        continue;
      }
    } else if (
      isObj(value) && Object.keys(value).length > 0 && !(Object.keys(value)[0] as string).startsWith("$")
    ) {
      const sub: Node = { kind: "sub", children: new Map(), computed: false };
      parseInto(sub, value, st, full + ".");
      insert(tree, path, sub, prefix);
      continue;
    }
    if (!st.computedOnly && (typeof value === "boolean" || isNumeric(value))) {
      const include = truthy(value);
      if (full === "_id") {
        st.idMode = include ? "include" : "exclude";
        insert(tree, path, { kind: include ? "include" : "exclude" }, prefix);
        continue;
      }
      if (include) {
        if (st.mode === "exclusion") {
          fail(
            st,
            Location.ProjectionInclusionInExclusion,
            `Cannot do inclusion on field ${full} in exclusion projection`,
          );
        }
        st.mode = "inclusion";
      } else {
        if (st.mode === "inclusion") {
          fail(
            st,
            Location.ProjectionExclusionInInclusion,
            `Cannot do exclusion on field ${full} in inclusion projection`,
          );
        }
        st.mode = "exclusion";
      }
      insert(tree, path, { kind: include ? "include" : "exclude" }, prefix);
      continue;
    }
    if (!st.computedOnly) {
      if (st.mode === "exclusion") {
        fail(
          st,
          Location.ProjectionExpressionInExclusion,
          "Cannot use expression other than $meta in exclusion projection",
        );
      }
      st.mode = "inclusion";
    }
    insert(tree, path, { kind: "expr", ev: st.ctx.env.compile(value) }, prefix);
  }
}

// ---- application ---------------------------------------------------------------------------

function includeDoc(t: Tree, doc: Document, cur: unknown, vars: Vars): Document {
  const out: Document = {};
  for (const k in doc) {
    const c = t.children.get(k);
    if (!c || !Object.hasOwn(doc, k)) continue;
    if (c.kind === "include") out[k] = doc[k];
    else if (c.kind === "sub") {
      const r = includeValue(c, doc[k], cur, vars);
      if (r !== undefined) out[k] = r;
    }
  }
  if (t.computed) {
    for (const [k, c] of t.children) {
      if (c.kind === "expr") {
        const v = c.ev(cur, vars);
        if (v !== undefined) out[k] = v;
      } else if (c.kind === "sub" && c.computed && !Object.hasOwn(out, k)) {
        out[k] = includeDoc(c, {}, cur, vars);
      }
    }
  }
  return out;
}

function includeValue(t: Tree, v: unknown, cur: unknown, vars: Vars): unknown {
  if (isObj(v)) return includeDoc(t, v, cur, vars);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const el of v) {
      if (isObj(el) || Array.isArray(el)) out.push(includeValue(t, el, cur, vars));
      else if (t.computed) out.push(includeDoc(t, {}, cur, vars));
    }
    return out;
  }
  return t.computed ? includeDoc(t, {}, cur, vars) : undefined;
}

function excludeDoc(t: Tree, doc: Document): Document {
  const out: Document = {};
  for (const k in doc) {
    if (!Object.hasOwn(doc, k)) continue;
    const c = t.children.get(k);
    if (!c || c.kind === "include") out[k] = doc[k];
    else if (c.kind === "sub") out[k] = excludeValue(c, doc[k]);
  }
  return out;
}

function excludeValue(t: Tree, v: unknown): unknown {
  if (isObj(v)) return excludeDoc(t, v);
  if (Array.isArray(v)) return v.map((el) => excludeValue(t, el));
  return v;
}

function addDoc(t: Tree, doc: Document, cur: unknown, vars: Vars): Document {
  const out: Document = { ...doc };
  for (const [k, c] of t.children) {
    if (c.kind === "expr") {
      const v = c.ev(cur, vars);
      if (v === undefined) delete out[k];
      else out[k] = v;
    } else if (c.kind === "sub") out[k] = addValue(c, Object.hasOwn(doc, k) ? doc[k] : undefined, cur, vars);
  }
  return out;
}

function addValue(t: Tree, v: unknown, cur: unknown, vars: Vars): unknown {
  if (isObj(v)) return addDoc(t, v, cur, vars);
  if (Array.isArray(v)) {
    return v.map((
      el,
    ) => (Array.isArray(el) ? addValue(t, el, cur, vars) : addValue(t, isObj(el) ? el : {}, cur, vars)));
  }
  return addDoc(t, {}, cur, vars);
}

/** A compiled document transformation (also used by pipeline-style updates). */
export type DocTransform = (doc: Document) => Document;

function emptyTree(): Tree {
  return { children: new Map(), computed: false };
}

/** Compiles a `$project` specification into a transform. */
export function compileProjectSpec(spec: unknown, ctx: StageContext): DocTransform {
  if (!isObj(spec)) {
    throw new CommandError(Location.ProjectSpecNotObject, "$project specification must be an object");
  }
  if (Object.keys(spec).length === 0) {
    throw new CommandError(
      Location.ProjectionEmpty,
      "Invalid $project :: caused by :: projection specification must have at least one field",
    );
  }
  const st: ParseState = { mode: undefined, idMode: undefined, stage: "$project", ctx, computedOnly: false };
  const tree = emptyTree();
  parseInto(tree, spec, st, "");
  const mode = st.mode ?? (st.idMode === "exclude" ? "exclusion" : "inclusion");
  const vars = ctx.env.newVars();
  if (mode === "exclusion") return (doc) => excludeDoc(tree, doc);
  if (st.idMode === undefined && !tree.children.has("_id")) tree.children.set("_id", { kind: "include" });
  const idNode = tree.children.get("_id");
  if (idNode && idNode.kind !== "exclude") {
    // `_id` comes first even when the spec names it later or computes it, as mongod does.
    tree.children.delete("_id");
    const rest = [...tree.children];
    tree.children.clear();
    tree.children.set("_id", idNode);
    for (const [k, v] of rest) tree.children.set(k, v);
  }
  const computedId = idNode !== undefined && idNode.kind !== "include" && idNode.kind !== "exclude";
  return (doc) => {
    vars.root = doc;
    const out = includeDoc(tree, doc, doc, vars);
    if (!computedId || !Object.hasOwn(out, "_id")) return out;
    const { _id, ...rest } = out;
    return { _id, ...rest };
  };
}

/** Compiles an `$addFields` / `$set` specification into a transform. */
export function compileAddFieldsSpec(spec: unknown, ctx: StageContext, name: string): DocTransform {
  if (!isObj(spec)) {
    throw new CommandError(
      Location.AddFieldsSpecNotObject,
      `${name} specification stage must be an object, got ${typeof spec}`,
    );
  }
  const st: ParseState = { mode: undefined, idMode: undefined, stage: name, ctx, computedOnly: true };
  const tree = emptyTree();
  parseInto(tree, spec, st, "");
  const vars = ctx.env.newVars();
  return (doc) => {
    vars.root = doc;
    return addDoc(tree, doc, doc, vars);
  };
}

/** Compiles an `$unset` specification (a path or an array of paths) into a transform. */
export function compileUnsetSpec(spec: unknown): DocTransform {
  const paths = typeof spec === "string" ? [spec] : spec;
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new CommandError(
      Location.UnsetSpecEmpty,
      "$unset specification must be a string or an array with at least one field",
    );
  }
  const tree = emptyTree();
  for (const p of paths) {
    if (typeof p !== "string") {
      throw new CommandError(
        Location.UnsetSpecNotString,
        "$unset specification must be a string or an array containing only string values",
      );
    }
    insert(tree, p, { kind: "exclude" }, "");
  }
  return (doc) => excludeDoc(tree, doc);
}

function mapStage(name: string, f: DocTransform, defer?: JsDeferral): Stage {
  return {
    name,
    pauses: true,
    *run(input) {
      if (!defer) {
        for (const d of input) yield d === PAUSE ? d : f(d);
        return;
      }
      for (const d of input) yield d === PAUSE ? d : yield* deferJs(defer, () => f(d));
    },
  };
}

export const compileProject = (spec: unknown, ctx: StageContext, name: string): Stage =>
  mapStage(name, compileProjectSpec(spec, ctx), jsDeferralFor(ctx, spec));
export const compileAddFields = (spec: unknown, ctx: StageContext, name: string): Stage =>
  mapStage(name, compileAddFieldsSpec(spec, ctx, name), jsDeferralFor(ctx, spec));
export const compileUnset = (spec: unknown, _ctx: StageContext, name: string): Stage =>
  mapStage(name, compileUnsetSpec(spec));
