/**
 * topk_late.ts — per-document stages (`$addFields`/`$set`, `$unset`, an exclusion `$project`, `$match`)
 * followed by a `$sort` with a `$limit` right after: a top-k over stored documents that decodes whole
 * documents for its winners only (late materialisation).
 *
 * The computed fields and sort keys of most documents are needed only to reject them. When the
 * stages' expressions and filters name the fields they read (expr_fields.ts) and are deterministic (no
 * `$rand`, no server-side JavaScript, no `$meta`), the fused stage takes stored documents
 * (`storedInput`: a collection scan then hands it each record's bytes): it decodes only the fields the
 * expressions, filters, added paths and sort keys touch, applies the stages to that partial document,
 * and keeps the bytes of the rows that enter the top k. At the end each winner is decoded whole and the
 * stages applied again — the same fields give the same values, so the output is what the unfused stages
 * give, field order included. Decoded input documents go the ordinary way (stages applied, top k kept).
 * On 100,000 ~700-byte documents this cut `$addFields` + `$sort` + `$limit: 5` from ~1.5 s of server
 * CPU to ~0.2–0.4 s (docs/performance.md, forty-first session).
 */
import { compareValues } from "../../bson/compare.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { decodeFields } from "../../bson/partial_decode.ts";
import { isNumeric } from "../../bson/values.ts";
import { exprTopFields, topOf } from "../expression/expr_fields.ts";
import { isObj } from "../expression/compile.ts";
import { toDouble, truthy } from "../expression/numeric.ts";
import { parseSortSpec, sortKeyOf, type SortKeyPart, TEXT_SCORE_PARTS } from "../sort/sort.ts";
import { PAUSE } from "./pause.ts";
import { compileAddFieldsSpec, compileProjectSpec, compileUnsetSpec } from "./project.ts";
import { compileFilter } from "../query/filter.ts";
import { filterTopFields } from "../query/fields.ts";
import { stageEntry } from "./stage_entry.ts";
import { isStoredDoc } from "./stored_doc.ts";
import type { Document, Stage, StageContext } from "./types.ts";

/** Operators whose value may differ between two evaluations over the same fields, or that read metadata. */
const UNREPEATABLE = ['"$rand"', '"$function"', '"$accumulator"', '"$meta"', '"$where"'];

/**
 * The fused stage for `stages[at…]` when they are per-document stages (at least one of them not a
 * `$match`) then a `$sort` then a positive integer `$limit`, and the fusion applies; it replaces the
 * stages up to the `$sort` (`end`: the position of the `$limit`, which stays a stage of its own). Else
 * undefined.
 */
export function lateTopK(stages: readonly unknown[], at: number, ctx: StageContext): {
  stage: Stage;
  end: number;
} | undefined {
  if (ctx.options.sortKeyMeta || !CHAIN.has(stageEntry(stages[at])[0])) return undefined;
  let j = at;
  while (j < stages.length && CHAIN.has(stageEntry(stages[j])[0])) j++;
  if (
    j + 1 >= stages.length || stageEntry(stages[j])[0] !== "$sort" ||
    stageEntry(stages[j + 1])[0] !== "$limit"
  ) {
    return undefined;
  }
  try {
    return fuse(stages, at, ctx);
  } catch {
    return undefined; // a bad spec: the stages compiled one by one report it as they always do
  }
}

/** The stages a fused chain may hold before its `$sort`. */
const CHAIN = new Set(["$addFields", "$set", "$unset", "$project", "$match"]);

function fuse(stages: readonly unknown[], at: number, ctx: StageContext): {
  stage: Stage;
  end: number;
} | undefined {
  // the fields a partial document needs: what the expressions and filters read, what the added paths
  // merge into, the sort keys (an $unset or exclusion $project only removes: it needs none)
  const need = new Set<string>();
  const steps: Step[] = [];
  const specs: unknown[] = [];
  let transforms = 0;
  let i = at;
  for (; i < stages.length; i++) {
    const [name, spec] = stageEntry(stages[i]);
    if (name === "$addFields" || name === "$set") {
      if (!isObj(spec)) return undefined;
      for (const [path, v] of Object.entries(spec)) {
        need.add(topOf(path));
        if (!exprTopFields(v, need)) return undefined;
      }
      steps.push(compileAddFieldsSpec(spec, ctx, name));
    } else if (name === "$unset") steps.push(compileUnsetSpec(spec));
    else if (name === "$project" && isExclusion(spec)) steps.push(compileProjectSpec(spec, ctx));
    else if (name === "$match") {
      const fields = isObj(spec) ? filterTopFields(spec) : null;
      if (fields === null) return undefined;
      for (const f of fields) need.add(f);
      const m = compileFilter(spec as Document, {
        collation: ctx.collation,
        expressionEnv: ctx.env,
        textIndex: ctx.options.textIndex,
      });
      steps.push((d) => (m.matches(d) ? d : undefined));
      transforms--;
    } else break;
    transforms++;
    specs.push(spec);
  }
  if (transforms === 0 || i + 1 >= stages.length) return undefined;
  const [sortName, sortSpec] = stageEntry(stages[i]);
  const [limitName, limitSpec] = stageEntry(stages[i + 1]);
  if (sortName !== "$sort" || limitName !== "$limit" || !isNumeric(limitSpec)) return undefined;
  const limit = toDouble(limitSpec);
  if (!Number.isInteger(limit) || limit <= 0) return undefined;
  const text = JSON.stringify([specs, sortSpec]) ?? "";
  if (UNREPEATABLE.some((op) => text.includes(op))) return undefined;
  const keys = parseSortSpec(sortSpec);
  if (keys.length === 0 || keys.some((k) => k.parts === TEXT_SCORE_PARTS)) return undefined;
  for (const k of keys) need.add(topOf(k.path));
  return { stage: topKStage(steps, keys, limit, need, ctx, "$sort"), end: i + 1 };
}

/**
 * A `$sort` followed by a `$limit` (or a `$skip` and a `$limit`, mongod's `$limit` of both moved before
 * the `$skip`): the top `limit` documents kept while reading. With keys by paths only, stored input
 * documents decode only their keys' fields and the winners' bytes are decoded at the end; a `$meta`
 * key reads what the decoded document carries besides its fields, so decoded input only.
 */
export function topKSort(
  keys: readonly SortKeyPart[],
  limit: number,
  ctx: StageContext,
  name: string,
): Stage {
  const byPaths = keys.every((k) => k.parts !== TEXT_SCORE_PARTS);
  const stage = topKStage([], keys, limit, new Set(keys.map((k) => topOf(k.path))), ctx, name);
  return byPaths ? stage : { name, pauses: true, run: stage.run };
}

/** One per-document stage of the chain: its output document, or undefined when a `$match` drops it. */
type Step = (d: Document) => Document | undefined;

/** A `$project` of exclusions only (`0`/`false` of any numeric type). */
function isExclusion(spec: unknown): boolean {
  return isObj(spec) && Object.keys(spec).length > 0 &&
    Object.values(spec).every((v) => v === false || (isNumeric(v) && !truthy(v)));
}

interface Row {
  readonly k: unknown[];
  readonly i: number;
  /** The transformed document (decoded input), or undefined when `b` holds the stored one. */
  readonly d: Document | undefined;
  readonly b: Uint8Array | undefined;
}

function topKStage(
  steps: readonly Step[],
  keys: readonly SortKeyPart[],
  limit: number,
  need: ReadonlySet<string>,
  ctx: StageContext,
  name: string,
): Stage {
  const strCmp = ctx.strCmp;
  const apply = (d: Document | undefined): Document | undefined => {
    for (let j = 0; j < steps.length && d !== undefined; j++) d = steps[j]!(d);
    return d;
  };
  const cmp = (x: Row, y: Row) => {
    for (let j = 0; j < keys.length; j++) {
      const c = compareValues(x.k[j], y.k[j], strCmp);
      if (c !== 0) return c * (keys[j] as SortKeyPart).direction;
    }
    return x.i - y.i;
  };
  return {
    name,
    pauses: true,
    storedInput: true,
    *run(input) {
      const top: Row[] = [];
      let i = 0;
      for (const item of input) {
        if (item === PAUSE) {
          yield item;
          continue;
        }
        const stored = isStoredDoc(item) ? item : undefined;
        const d = apply(stored ? decodeFields(stored, need, true) : item);
        if (d === undefined) continue;
        const k = keys.map((p) => sortKeyOf(d, p.parts, p.direction, strCmp));
        const probe: Row = { k, i: i++, d: undefined, b: undefined };
        if (top.length === limit && cmp(probe, top[limit - 1]!) >= 0) continue;
        const row: Row = stored ? { ...probe, b: stored.slice() } : { ...probe, d };
        let lo = 0;
        let hi = top.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cmp(top[mid]!, row) <= 0) lo = mid + 1;
          else hi = mid;
        }
        top.splice(lo, 0, row);
        if (top.length > limit) top.pop();
      }
      for (const r of top) yield r.b ? apply(decodeDocument(r.b))! : r.d!;
    },
  };
}
