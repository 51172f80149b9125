/**
 * Chooses how a query reaches its documents. PURE. Access paths: a point lookup on `_id_` (mongod's
 * IDHACK), a collection scan, an index scan (byte intervals over one index, forward or reverse,
 * possibly providing the sort), or an OR of index scans for a top-level `$or` (or_plan.ts).
 * `planQuery` returns the winner and the rejected candidates; `explain` prints exactly this object,
 * and the executor runs it.
 */
import type { AccessPath, FindPlanInput, PlanChoice } from "./plan.ts";
import { planIndexScans } from "./index_plan.ts";
import { type GeoPlans, planGeo } from "./geo_plan.ts";
import { planOr } from "./or_plan.ts";
import { collationIdentity } from "../keys/collation_key.ts";
import { CommandError } from "../errors/command_error.ts";

// Re-exported for the layers above, which have always imported the plan types from here.
export type { AccessPath, FindPlanInput, IndexInfo, IxScanPath, OrPath, PlanChoice } from "./plan.ts";

/** A value usable for IDHACK: not a document, array, regex, or MinKey/MaxKey-like object. */
function isPointValue(v: unknown): boolean {
  if (v === undefined) return false;
  if (v === null) return true;
  if (Array.isArray(v)) return false;
  if (typeof v !== "object") return true;
  const t = (v as { _bsontype?: string })._bsontype;
  if (t === undefined) return v instanceof Date;
  return t !== "BSONRegExp" && t !== "MinKey" && t !== "MaxKey" && t !== "Code";
}

/**
 * The value of an `_id` point filter (`{_id: v}`, `{_id: {$eq: v}}`, v a point value, not null), or
 * undefined: the filters IDHACK may serve.
 */
export function idPoint(filter: Record<string, unknown>): unknown {
  if (soleKey(filter) !== "_id") return undefined;
  const v = filter["_id"];
  if (isPointValue(v) && v !== null) return v;
  if (v && typeof v === "object" && !Array.isArray(v)) {
    if (soleKey(v) === "$eq") {
      const eq = (v as Record<string, unknown>)["$eq"];
      if (isPointValue(eq) && eq !== null) return eq;
    }
  }
  return undefined;
}

/** The one own enumerable key of `o`, or undefined when it has none or several (no key array made). */
function soleKey(o: object): string | undefined {
  let only: string | undefined;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (only !== undefined) return undefined;
    only = k;
  }
  return only;
}

/** The plan for a find-like operation (throws BadValue for a hint naming no usable index). */
export function planQuery(input: FindPlanInput): PlanChoice {
  // an `_id` point filter (`{_id: v}`, `{_id: {$eq: v}}`, v not a document) holds no geo predicate
  const id = idPoint(input.filter);
  const geo: GeoPlans = id !== undefined ? { scans: [] } : planGeo(input);
  if (geo.near) return { access: geo.near, rejected: [] };
  const natural = naturalHint(input.hint);
  if (natural !== undefined) return { access: { kind: "collScan", reverse: natural < 0 }, rejected: [] };
  const sortNatural = input.sort ? naturalSort(input.sort) : undefined;
  if (sortNatural !== undefined && input.hint !== undefined && input.hint !== null) {
    // (a $natural hint returned above; any other hint cannot give storage order)
    throw new CommandError("BadValue", "a $natural sort cannot be combined with a hint of an index");
  }
  const collScan: AccessPath = { kind: "collScan", reverse: sortNatural !== undefined && sortNatural < 0 };
  const hinted = input.hint !== undefined && input.hint !== null;
  if (!hinted && input.min === undefined && input.max === undefined) {
    // IDHACK needs a unique _id index (a time-series collection's is not) with the query's collation
    // (mongod: the collection default's, which its _id index has; simple for collections created
    // before the _id index carried it).
    const idIx = input.indexes?.find((i) => i.name === "_id_");
    const idUnique = idIx?.unique !== false;
    const queryCollation = input.collated ? collationIdentity(input.collation) ?? "unknown" : undefined;
    const sameCollation = collationIdentity(idIx?.collation) === queryCollation;
    if (id !== undefined && sameCollation && idUnique) {
      return { access: { kind: "idLookup", id }, rejected: [] };
    }
  }
  // A hint naming a geo index leaves only that index's geo scan (regionScans filtered by the hint).
  if (hinted && geo.scans.length > 0) return { access: geo.scans[0]!, rejected: [] };
  const scans: AccessPath[] = [...planIndexScans(input), ...(hinted ? [] : geo.scans)]
    .filter((p) => hinted || !complementOnly(p, input.filter))
    .sort((a, b) => scoreOf(b) - scoreOf(a));
  // a top-level $or whose every branch has an index plan (or_plan.ts; never with a hint or min/max)
  const or = planOr(input);
  if (or !== undefined) {
    // (one branch is that branch's scan, as mongod simplifies a one-branch $or)
    const cand = or.branches.length === 1 ? or.branches[0]! : or;
    if (scans.length === 0 || cand.score > scoreOf(scans[0]!)) return { access: cand, rejected: scans };
    scans.push(cand);
  }
  if (scans.length === 0) return { access: collScan, rejected: [] };
  if (hinted || input.min !== undefined || input.max !== undefined) {
    return { access: scans[0]!, rejected: [] };
  }
  const best = scans[0]!;
  return { access: best, rejected: scans.slice(1) };
}

/**
 * A plan bounded only by a negation's complement, whose filter also reads fields the index does not
 * hold, that gives no sort: nearly every record fetched through the index to be matched there, where
 * the collection scan reads only the filter's fields of each record (its field projection) — `{status:
 * {$ne: "deleted"}, owner: "u5"}` without an owner index cost 1.4–1.8x the collection scan's CPU.
 * mongod takes it (its only indexed plan); here it is left to the collection scan. So is one on a
 * multikey index: a document is reached through any of its other keys, so nearly every record with the
 * field is fetched in key order (one search each) and matched again, where the collection scan reads
 * records in order and its prefilter decides the negation on stored bytes (`{tags: {$ne: "t3"}}` over
 * 100k two-tag documents: 810 → 425 ms server CPU for the find of 83k documents, 475 → 160 for the count). A negation alone on
 * an index that is not multikey (or with other predicates on the index's fields) keeps its plan: what
 * it fetches mostly matches, and a count the bounds answer reads no record.
 */
function complementOnly(p: AccessPath, filter: Record<string, unknown>): boolean {
  if (p.kind !== "ixScan" || p.complement !== true || p.providesSort) return false;
  if (p.dedup) return true;
  const held = new Set(Object.keys(p.keyPattern).map((f) => f.split(".")[0]!));
  for (const k in filter) if (Object.hasOwn(filter, k) && !held.has(k.split(".")[0]!)) return true;
  return false;
}

/** A candidate's rank (index_plan.ts `scanPath`, or_plan.ts; a geo scan has the same score). */
function scoreOf(p: AccessPath): number {
  return p.kind === "ixScan" || p.kind === "or" ? p.score : 0;
}

/** The access path alone (kept for callers that ignore rejected plans). */
export function chooseAccessPath(input: FindPlanInput): AccessPath {
  return planQuery(input).access;
}

/** A `$natural` sort's direction: 1 or -1, alone in the sort (else 2, mongod's words); undefined without one. */
function naturalSort(sort: unknown): number | undefined {
  if (!sort || typeof sort !== "object" || Array.isArray(sort)) return undefined;
  const s = sort as Record<string, unknown>;
  if (!Object.hasOwn(s, "$natural")) return undefined;
  const n = Number(s["$natural"]);
  if ((n !== 1 && n !== -1) || Object.keys(s).length > 1) {
    throw new CommandError("BadValue", "$natural sort cannot be set to a value other than -1 or 1.");
  }
  return n;
}

export function naturalHint(h: unknown): number | undefined {
  if (!h || typeof h !== "object" || Array.isArray(h)) return undefined;
  const n = (h as Record<string, unknown>)["$natural"];
  if (n === undefined) return undefined;
  return Number(n) < 0 ? -1 : 1;
}

/** The explain-style name of an access path (mongod stage names). */
export function accessStageName(p: AccessPath): string {
  if (p.kind === "geoNear") return p.indexKind === "2d" ? "GEO_NEAR_2D" : "GEO_NEAR_2DSPHERE";
  if (p.kind === "or") return "OR";
  return p.kind === "idLookup" ? "IDHACK" : p.kind === "ixScan" ? "IXSCAN" : "COLLSCAN";
}
