/**
 * OR plans. PURE. A top-level `$or` (the filter itself, or one conjunct of its top-level `$and` /
 * implicit AND) whose every branch has an index plan becomes an OR of those index scans, as mongod's
 * planner builds it (query_planner / planner_access "indexed OR"; a rooted `$or` is planned branch by
 * branch: SUBPLAN). A branch with no index plan means no OR plan at all (a collection scan would read
 * everything anyway).
 *
 * A sort: when every branch's best plan for it (ranked with the sort, as single-index plans are)
 * gives that order, forward or backward, the branches are merged in it (`sortMerge`: mongod's
 * SORT_MERGE, query_planner_analysis's merge sort of an OR whose children provide the sort), so a
 * sort with a limit reads about `limit` entries per branch; otherwise the OR is planned without the
 * sort and a blocking SORT orders its output.
 *
 * Contained `$or` (mongod's OR pushdown, plan_enumerator's "outside predicates"): the predicates
 * beside the `$or` hold for every document it returns, so each branch is planned as that branch AND
 * them (`{tenant: "t1", $or: [{owner: "u5"}, {public: true}]}` scans `{tenant: 1, owner: 1}` on
 * tenant and owner). As in mongod, a branch only takes an index that one of its OWN predicates uses
 * (an assignment made of outside predicates alone is no branch plan); the outside predicates then
 * bound whichever of that index's fields they can. When every branch's bounds answer its branch AND
 * the outside predicates exactly, the OR answers the whole filter (mongod trims the pushed predicates
 * and its FETCH has no filter).
 *
 * The executor matches every fetched document against the whole filter unless the plan is `exact`.
 * Not planned with a hint (it forces its index), with min/max, or beside `$text` / `$near` /
 * `$nearSphere` (their own access paths). Collation, sparse, partial and hidden indexes follow the
 * single-index rules (`planIndexScans` refuses what they refuse, per branch).
 *
 * A branch with no plan of its own that holds an `$or` (is one, or beside one in an `$and`: mongod's
 * NestedContainedOr) is distributed over it: `{$or: [{a}, {b, $or: [{c}, {d}]}]}` scans `a`, `{b, c}`
 * and `{b, d}` (leafPlans; the same documents, each fetched one matched against the whole filter).
 *
 * The plan scores as its weakest branch: it replaces the best single-index plan only when it scores
 * higher (so `{a: 5, $or: [{c: 1}, {c: 2}]}` with `a` and `c` indexed keeps its IXSCAN on `a`).
 */
import { isDocument } from "../bson/values.ts";
import { extractPredicates } from "./bounds.ts";
import { planIndexScans } from "./index_plan.ts";
import { boundsAnswerFilter } from "./exact_bounds.ts";
import type { FindPlanInput, IxScanPath, OrPath } from "./plan.ts";

type Doc = Record<string, unknown>;

/** Operators with an access path of their own: no OR plan beside them. */
const OWN_ACCESS = new Set(["$text", "$near", "$nearSphere", "$geoNear"]);

/** Does the filter use one of OWN_ACCESS anywhere (any depth)? */
function usesOwnAccess(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(usesOwnAccess);
  if (!isDocument(v)) return false;
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    if (OWN_ACCESS.has(k) || usesOwnAccess(v[k])) return true;
  }
  return false;
}

/** The filter's top-level conjuncts as `[key, value]` pairs (`$and` flattened). */
function conjuncts(filter: Doc, out: [string, unknown][] = []): [string, unknown][] {
  for (const k in filter) {
    if (!Object.hasOwn(filter, k)) continue;
    const v = filter[k];
    if (k === "$and" && Array.isArray(v) && v.every(isDocument)) {
      for (const sub of v) conjuncts(sub as Doc, out);
    } else out.push([k, v]);
  }
  return out;
}

/** One filter of the pairs: a flat document, a repeated key going into an `$and` beside it. */
function filterOf(pairs: readonly [string, unknown][]): Doc {
  const flat: Doc = {};
  const repeated: Doc[] = [];
  for (const [k, v] of pairs) {
    if (Object.hasOwn(flat, k) || k === "$and") repeated.push({ [k]: v });
    else flat[k] = v;
  }
  if (repeated.length > 0) flat["$and"] = repeated;
  return flat;
}

/** `outside` AND `branch`: one flat document when no key repeats, else an `$and` of the two. */
function conjoin(outside: Doc, branch: Doc): Doc {
  let any = false;
  for (const k in outside) {
    if (!Object.hasOwn(outside, k)) continue;
    if (Object.hasOwn(branch, k)) return { $and: [outside, branch] };
    any = true;
  }
  return any ? { ...outside, ...branch } : branch;
}

/**
 * A branch's best index scan, planned for `combined` (the branch AND the outside predicates) over the
 * indexes one of the branch's own predicates uses (mongod: an index assignment holds some predicate
 * of the branch itself); undefined when there is none.
 */
function branchPlan(
  input: FindPlanInput,
  branch: Doc,
  combined: Doc,
  sort: Doc | undefined,
): IxScanPath | undefined {
  const candidates = planIndexScans({ ...input, filter: combined, sort });
  // (every predicate of the branch counts, strings under a collation too: the plan decides its bounds)
  const own = extractPredicates(branch, false, undefined, input.variables);
  return candidates.find((p) => Object.keys(p.keyPattern).some((f) => own.has(f)));
}

/**
 * Most scans one `$or` is planned as once its branches' nested `$or`s are distributed (leafPlans: an
 * `$and` of several `$or`s multiplies).
 */
const MAX_LEAVES = 512;

/** How deep nested `$or`s are distributed. */
const MAX_NESTING = 4;

/** One scan of an OR plan: the filter it was planned for (a branch, or a leaf of one) and its plan. */
interface Leaf {
  readonly filter: Doc;
  readonly plan: IxScanPath;
}

/**
 * The scans of one branch into `out`: its own best plan; else, when the branch holds an `$or` (is one,
 * or an `$and` beside one: mongod's NestedContainedOr), one per element of that `$or` conjoined with
 * the rest of the branch (`{b, $or: [{c}, {d}]}` → `{b, c}`, `{b, d}`: the same documents), each
 * planned the same way. false when a leaf has no plan, or past MAX_LEAVES scans.
 */
function leafPlans(
  input: FindPlanInput,
  branch: Doc,
  outside: Doc,
  sort: Doc | undefined,
  out: Leaf[],
  depth: number,
): boolean {
  const plan = branchPlan(input, branch, conjoin(outside, branch), sort);
  if (plan !== undefined) {
    out.push({ filter: branch, plan });
    return out.length <= MAX_LEAVES;
  }
  if (depth >= MAX_NESTING) return false;
  const parts = conjuncts(branch);
  const at = parts.findIndex(([k, v]) =>
    k === "$or" && Array.isArray(v) && v.length > 0 && v.every(isDocument)
  );
  if (at < 0) return false;
  const inner = parts[at]![1] as Doc[];
  const rest = parts.filter((_, i) => i !== at);
  for (const sub of inner) {
    if (!leafPlans(input, filterOf([...rest, ...conjuncts(sub)]), outside, sort, out, depth + 1)) {
      return false;
    }
  }
  return true;
}

/**
 * Each branch's scans (with `sort`: ranked with it, as single-index plans are), nested `$or`s
 * distributed (leafPlans), or undefined if one has none.
 */
function branchPlans(
  input: FindPlanInput,
  list: readonly Doc[],
  outside: Doc,
  sort: Doc | undefined,
): Leaf[] | undefined {
  const out: Leaf[] = [];
  for (const branch of list) if (!leafPlans(input, branch, outside, sort, out, 0)) return undefined;
  return out;
}

/** A sort the branches' index order may give (fields only: no `$natural`, no `$meta`). */
function mergeableSort(sort: Doc | undefined): Doc | undefined {
  if (sort === undefined || Object.keys(sort).length === 0) return undefined;
  return Object.keys(sort).some((k) => k.startsWith("$")) ? undefined : sort;
}

/** The filter is one `$or` and nothing else (mongod's rooted `$or`). */
function isRooted(filter: Doc): boolean {
  let n = 0;
  for (const k in filter) if (Object.hasOwn(filter, k) && (k !== "$or" || ++n > 1)) return false;
  return n === 1;
}

/** The OR of one index scan per branch of one of the filter's top-level `$or`s (the best), or undefined. */
export function planOr(input: FindPlanInput): OrPath | undefined {
  const hinted = input.hint !== undefined && input.hint !== null;
  if (hinted || input.min !== undefined || input.max !== undefined) return undefined;
  if (!(input.indexes ?? []).some((i) => !i.hidden)) return undefined;
  const all = conjuncts(input.filter);
  if (!all.some(([k, v]) => k === "$or" && Array.isArray(v)) || usesOwnAccess(input.filter)) return undefined;
  const collated = input.collated === true;
  const indexOf = (p: IxScanPath) => input.indexes?.find((x) => x.name === p.indexName);
  let best: OrPath | undefined;
  for (const [key, list] of all) {
    if (key !== "$or" || !Array.isArray(list) || list.length === 0) continue; // ([] is refused by the compiler)
    if (!list.every(isDocument)) continue;
    const outside = filterOf(all.filter(([k, v]) => k !== "$or" || v !== list));
    // SORT_MERGE when every branch's best plan for the sort gives it; else an OR planned without it
    const sort = mergeableSort(input.sort);
    const sorted = sort ? branchPlans(input, list as Doc[], outside, sort) : undefined;
    const merge = sorted !== undefined && sorted.every((l) => l.plan.providesSort);
    const leaves = merge ? sorted : branchPlans(input, list as Doc[], outside, undefined);
    if (leaves === undefined) continue;
    const branches = leaves.map((l) => l.plan);
    const filters = leaves.map((l) => l.filter);
    const combined = filters.map((b) => conjoin(outside, b));
    const score = Math.min(...branches.map((p) => p.score));
    if (best === undefined || score > best.score) {
      const exact = branches.every((p, i) => boundsAnswerFilter(combined[i]!, p, indexOf(p), collated));
      const branchesExact = exact ||
        branches.every((p, i) => boundsAnswerFilter(filters[i]!, p, indexOf(p), collated));
      best = {
        kind: "or",
        branches,
        branchFilters: filters,
        rooted: isRooted(input.filter),
        exact,
        branchesExact,
        ...(merge && sort ? { sortMerge: sort } : {}),
        score,
      };
    }
  }
  return best;
}
