/**
 * describe.ts — a short mongod-style rendering of a BSON value for error messages
 * (`{b: 1}`, `"x"`, `[ 1, 2 ]`, `ObjectId('…')`). Not a serialisation format.
 */
import { bsonTypeAlias } from "../../bson/compare.ts";
import { isDocument, kindOf } from "../../bson/values.ts";

export function describeValue(v: unknown, depth = 0): string {
  if (depth > 4) return "...";
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[ ${v.map((x) => describeValue(x, depth + 1)).join(", ")} ]`;
  if (isDocument(v)) {
    const inner = Object.entries(v).map(([k, x]) => `${k}: ${describeValue(x, depth + 1)}`).join(", ");
    return `{ ${inner} }`.replace("{  }", "{}");
  }
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  switch (kindOf(v)) {
    case "objectId":
      return `ObjectId('${String((v as { toHexString(): string }).toHexString())}')`;
    case "long":
      return String(v);
    case "decimal":
      return `NumberDecimal("${String(v)}")`;
    default:
      return `<${bsonTypeAlias(v)}>`;
  }
}
