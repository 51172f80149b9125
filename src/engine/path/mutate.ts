/**
 * mutate.ts — write access along a dotted path, for updates. Operates in place on a document the
 * caller owns (updates clone first).
 *
 * `resolveForWrite` walks to the parent of the last component. With `create`, missing intermediate
 * fields become empty documents and array indexes past the end are padded with null, as mongod does
 * (at most 1,500,000 nulls: 34 CannotBackfillArray beyond);
 * walking into a scalar or naming a non-numeric field of an array fails with mongod's 28
 * PathNotViable ("Cannot create field 'c' in element {b: 1}"). Without `create`, an unresolvable path
 * returns undefined (the operation is a no-op).
 */
import type { DBRef } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { isDocument } from "../../bson/values.ts";
import { isIndexComponent } from "./field_path.ts";
import { describeValue } from "./describe.ts";

export type Container = Record<string, unknown> | unknown[];

export interface WriteTarget {
  readonly parent: Container;
  readonly key: string;
}

function notViable(field: string, name: string, value: unknown): CommandError {
  return new CommandError(
    "PathNotViable",
    `Cannot create field '${field}' in element {${name}: ${describeValue(value)}}`,
  );
}

/** Finds (and with `create`, builds) the container holding the path's last component. */
export function resolveForWrite(
  doc: Record<string, unknown>,
  parts: readonly string[],
  create: boolean,
): WriteTarget | undefined {
  let cur: Container = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i] as string;
    let next: unknown;
    if (Array.isArray(cur)) {
      if (!isIndexComponent(k)) {
        if (!create) return undefined;
        throw notViable(k, parts[i - 1] ?? "", cur);
      }
      const idx = Number(k);
      next = cur[idx];
      if (next === undefined) {
        if (!create) return undefined;
        padTo(cur, idx);
        next = {};
        cur[idx] = next;
      }
    } else {
      if (!Object.hasOwn(cur, k)) {
        if (!create) return undefined;
        cur[k] = {};
      }
      next = cur[k];
    }
    if (isDbRef(next)) {
      // a DBRef is a document {$ref, $id, $db, ...} to an update (mongod): written back as one
      next = dbRefDocument(next);
      if (Array.isArray(cur)) cur[Number(k)] = next;
      else cur[k] = next;
    }
    if (!isDocument(next) && !Array.isArray(next)) {
      if (!create) return undefined;
      throw notViable(parts[i + 1] as string, k, next);
    }
    cur = next;
  }
  const last = parts[parts.length - 1] as string;
  if (Array.isArray(cur) && !isIndexComponent(last)) {
    if (!create) return undefined;
    throw notViable(last, parts[parts.length - 2] ?? "", cur);
  }
  return { parent: cur, key: last };
}

/** mongod's kMaxPaddingAllowed: the most nulls an update adds to reach an array index. */
const MAX_PADDING = 1_500_000;

/** Pads `arr` with null up to (not including) index `idx`: 34 CannotBackfillArray past MAX_PADDING. */
function padTo(arr: unknown[], idx: number): void {
  if (idx - arr.length > MAX_PADDING) {
    throw new CommandError("CannotBackfillArray", `can't backfill more than ${MAX_PADDING} elements`);
  }
  while (arr.length < idx) arr.push(null);
}

function isDbRef(v: unknown): v is DBRef {
  return (v as { _bsontype?: string } | null)?._bsontype === "DBRef";
}

/** The fields of a DBRef in their stored order. */
function dbRefDocument(r: DBRef): Record<string, unknown> {
  return { $ref: r.collection, $id: r.oid, ...(r.db ? { $db: r.db } : {}), ...r.fields };
}

/** Reads the value at a write target (undefined when absent). */
export function readAt(t: WriteTarget): unknown {
  if (Array.isArray(t.parent)) return t.parent[Number(t.key)];
  return Object.hasOwn(t.parent, t.key) ? t.parent[t.key] : undefined;
}

/** Writes a value at a write target (arrays are padded with null). */
export function writeAt(t: WriteTarget, value: unknown): void {
  if (Array.isArray(t.parent)) {
    const idx = Number(t.key);
    padTo(t.parent, idx);
    t.parent[idx] = value;
  } else t.parent[t.key] = value;
}

/** Removes the value at a write target (array elements become null, as `$unset` does). */
export function removeAt(t: WriteTarget): void {
  if (Array.isArray(t.parent)) {
    const idx = Number(t.key);
    if (idx < t.parent.length) t.parent[idx] = null;
  } else delete t.parent[t.key];
}

/** Deep copy of documents and arrays; other values (immutable BSON objects) are shared. */
export function cloneDeep<T>(v: T): T {
  if (Array.isArray(v)) return v.map(cloneDeep) as T;
  // A DBRef counts as a document for comparisons but must stay a DBRef to be stored as one.
  if ((v as { _bsontype?: unknown } | null)?._bsontype === "DBRef") return v;
  if (isDocument(v)) {
    const out: Record<string, unknown> = {};
    for (const k in v) if (Object.hasOwn(v, k)) out[k] = cloneDeep(v[k]);
    return out as T;
  }
  return v;
}
