/** Formats a BSON value the way mongod prints it inside error messages (`{ _id: ObjectId('…') }`). */
import { Long } from "bson";

export function formatValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(v);
  if (typeof v === "boolean") return String(v);
  if (v instanceof Long) return v.toString();
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return `[ ${v.map(formatValue).join(", ")} ]`;
  const t = (v as { _bsontype?: string })._bsontype;
  if (t === "ObjectId") return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
  if (t === "Decimal128") return `${String(v)}`;
  if (t === "Int32" || t === "Double") return String((v as { value: number }).value);
  if (t) return String(v);
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, x]) => `${k}: ${formatValue(x)}`).join(", ")} }`;
}
