/**
 * OR plans. PURE. A top-level `$or` (the filter itself, or one conjunct of its top-level `$and` /
 * implicit AND) whose every branch has an index plan of its own becomes an OR of those index scans,
 * as mongod's planner builds it (query_planner / planner_access "indexed OR"; a rooted `$or` is
 * planned branch by branch: SUBPLAN). Each branch is planned alone by `planIndexScans` (its best
 * candidate; no sort: an OR gives no order); a branch with no index plan means no OR plan at all (a
 * collection scan would read everything anyway).
 *
 * The other top-level predicates are not pushed into the branches: the executor matches every
 * fetched document against the whole filter, exactly as a collection scan would. Not planned with a
 * hint (it forces its index), with min/max, or beside `$text` / `$near` / `$nearSphere` (their own
 * access paths). Collation, sparse, partial and hidden indexes follow the single-index rules
 * (`planIndexScans` refuses what they refuse, per branch).
 *
 * The plan scores as its weakest branch: it replaces the best single-index plan only when it scores
 * higher (so `{a: 5, $or: [...]}` with `a` indexed keeps its IXSCAN on `a`).
 */
import { isDocument } from "../bson/values.ts";
import { planIndexScans } from "./index_plan.ts";
import { boundsAnswerFilter } from "./exact_bounds.ts";
import type { FindPlanInput, IxScanPath, OrPath } from "./plan.ts";

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

/** The branch lists of the filter's top-level `$or`s (`$and` flattened). */
function topLevelOrs(filter: Record<string, unknown>, out: unknown[][] = []): unknown[][] {
  for (const k in filter) {
    if (!Object.hasOwn(filter, k)) continue;
    const v = filter[k];
    if (k === "$or" && Array.isArray(v)) out.push(v);
    else if (k === "$and" && Array.isArray(v)) {
      for (const sub of v) if (isDocument(sub)) topLevelOrs(sub, out);
    }
  }
  return out;
}

/** The filter is one `$or` and nothing else (mongod's rooted `$or`). */
function isRooted(filter: Record<string, unknown>): boolean {
  let n = 0;
  for (const k in filter) if (Object.hasOwn(filter, k) && (k !== "$or" || ++n > 1)) return false;
  return n === 1;
}

/** The OR of one index scan per branch of one of the filter's top-level `$or`s (the best), or undefined. */
export function planOr(input: FindPlanInput): OrPath | undefined {
  const hinted = input.hint !== undefined && input.hint !== null;
  if (hinted || input.min !== undefined || input.max !== undefined) return undefined;
  if (!(input.indexes ?? []).some((i) => !i.hidden)) return undefined;
  const ors = topLevelOrs(input.filter);
  if (ors.length === 0 || usesOwnAccess(input.filter)) return undefined;
  let best: OrPath | undefined;
  for (const list of ors) {
    if (list.length === 0) continue; // (refused by the filter's compiler)
    const branches: IxScanPath[] = [];
    const filters: Record<string, unknown>[] = [];
    for (const b of list) {
      if (!isDocument(b)) break;
      const top = planIndexScans({ ...input, filter: b, sort: undefined })[0];
      if (top === undefined) break;
      branches.push(top);
      filters.push(b);
    }
    if (branches.length !== list.length) continue;
    const score = Math.min(...branches.map((p) => p.score));
    if (best === undefined || score > best.score) {
      const exact = branches.every((p, i) =>
        boundsAnswerFilter(
          filters[i]!,
          p,
          input.indexes?.find((x) => x.name === p.indexName),
          input.collated === true,
        )
      );
      best = { kind: "or", branches, branchFilters: filters, rooted: isRooted(input.filter), exact, score };
    }
  }
  return best;
}
