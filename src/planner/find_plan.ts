/**
 * Chooses how a query reaches its documents. PURE. Today the choice is between a point lookup on the
 * `_id_` index (mongod's IDHACK: a filter that pins `_id` to one scalar value) and a collection scan;
 * the index issue extends this with index scans. `explain` must print the Plan returned here.
 */

export type AccessPath =
  | { readonly kind: "idLookup"; readonly id: unknown }
  | { readonly kind: "collScan"; readonly reverse: boolean };

export interface FindPlanInput {
  readonly filter: Record<string, unknown>;
  readonly sort?: Record<string, unknown> | undefined;
  readonly hint?: unknown;
}

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

/** The access path for a find-like operation. */
export function chooseAccessPath(input: FindPlanInput): AccessPath {
  const keys = Object.keys(input.filter);
  const natural = naturalHint(input.hint);
  if (natural !== undefined) return { kind: "collScan", reverse: natural < 0 };
  if (keys.length === 1 && keys[0] === "_id") {
    const v = input.filter["_id"];
    if (isPointValue(v) && v !== null) return { kind: "idLookup", id: v };
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const ops = Object.keys(v);
      if (ops.length === 1 && ops[0] === "$eq") {
        const eq = (v as Record<string, unknown>)["$eq"];
        if (isPointValue(eq) && eq !== null) return { kind: "idLookup", id: eq };
      }
    }
  }
  const sortNatural = input.sort ? naturalHint(input.sort) : undefined;
  return { kind: "collScan", reverse: sortNatural !== undefined && sortNatural < 0 };
}

function naturalHint(h: unknown): number | undefined {
  if (!h || typeof h !== "object" || Array.isArray(h)) return undefined;
  const n = (h as Record<string, unknown>)["$natural"];
  if (n === undefined) return undefined;
  return Number(n) < 0 ? -1 : 1;
}

/** The explain-style name of an access path (mongod stage names). */
export function accessStageName(p: AccessPath): string {
  return p.kind === "idLookup" ? "IDHACK" : "COLLSCAN";
}
