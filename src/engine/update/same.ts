/**
 * same.ts — strict BSON identity (same types, same field order, same values) used to decide whether
 * an update modified a document. `1` and `1.0`-as-Double differ here, as they do for mongod.
 */
import { compareValues } from "../../bson/compare.ts";
import { isDocument, kindOf } from "../../bson/values.ts";

export function sameBson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  if (ka !== kindOf(b)) return false;
  if (ka === "array") {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((v, i) => sameBson(v, y[i]));
  }
  if (ka === "object" && isDocument(a) && isDocument(b)) {
    const ka2 = Object.keys(a);
    const kb2 = Object.keys(b);
    return ka2.length === kb2.length && ka2.every((k, i) => k === kb2[i] && sameBson(a[k], b[k]));
  }
  return compareValues(a, b) === 0;
}
