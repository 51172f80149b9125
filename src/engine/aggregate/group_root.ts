/**
 * group_root.ts — a `$group` whose accumulators keep whole documents (`$first`/`$last` of `$$ROOT`,
 * `$top`/`$bottom` with `output: "$$ROOT"`: "the latest document per key") fed stored documents
 * (issue 18).
 *
 * Decoding every input document whole only for most of them to be dropped cost ~9 µs each (the
 * "latest order per customer" shape: 100,000 documents folded into 2,000 groups). When the key and the
 * other accumulators name the fields they read (expr_fields.ts), the stage takes stored documents
 * (`storedInput`: a collection or index scan then hands it each record's bytes, stored_doc.ts): it
 * decodes only those fields, and a root accumulator that keeps the document copies its bytes
 * (`KeptRoot`) instead; each group's kept bytes are decoded once, when the group is output. The same
 * bytes decode to the same document, so the output is what the decoded path gives.
 *
 * `CurrentRoot` is the stored document being folded (its bytes are a view valid until the next input
 * item): a root accumulator's argument evaluates to it, and the accumulator state copies what it keeps
 * (`ownRoot`). Decoded input (a spilled partition's documents read back) goes the ordinary way.
 */
import { decodeDocument } from "../../bson/decode.ts";
import { objectIdKeyAt } from "../../bson/object_id.ts";
import { valueByteLength } from "../../bson/value_length.ts";
import { isObj } from "../expression/compile.ts";
import { exprTopFields, topOf } from "../expression/expr_fields.ts";
import type { AccState } from "./accumulators.ts";
import type { Document } from "./types.ts";

/** The stored document being folded: its bytes, a view valid until the next input item is pulled. */
export class CurrentRoot {
  bytes: Uint8Array | undefined = undefined;
}

/** A kept document's bytes, owned by the state that keeps it (`len` bytes of `buf`). */
export class KeptRoot {
  constructor(public buf: Uint8Array, public len: number) {}
  /** The document, decoded. */
  doc(): Document {
    return decodeDocument(this.buf.subarray(0, this.len));
  }
}

/**
 * The value an accumulator keeps for `v`: a copy of the current stored document's bytes when `v` is the
 * `CurrentRoot` marker (into `reuse`'s buffer when it is a `KeptRoot` that fits), else `v`.
 */
export function ownRoot(v: unknown, reuse?: unknown): unknown {
  if (!(v instanceof CurrentRoot)) return v;
  const b = v.bytes!;
  if (reuse instanceof KeptRoot && reuse.buf.length >= b.length) {
    reuse.buf.set(b);
    reuse.len = b.length;
    return reuse;
  }
  // (with room to spare: a later, slightly larger document of the group is copied in place)
  const buf = new Uint8Array(b.length + (b.length >> 3) + 64);
  buf.set(b);
  return new KeptRoot(buf, b.length);
}

/** A kept value as the accumulator's result: a kept document decoded. */
export function resolveRoot(v: unknown): unknown {
  return v instanceof KeptRoot ? v.doc() : v;
}

/** `ownRoot`/`resolveRoot` as the hooks a `$top`/`$bottom` state takes (accumulators_n.ts). */
export const ROOT_KEEP = { own: ownRoot, resolve: resolveRoot };

/** `$first` of `$$ROOT` fed the `CurrentRoot` marker or decoded documents. */
export function firstRootState(): AccState {
  let seen = false;
  let first: unknown = null;
  return {
    add(v) {
      if (!seen) {
        seen = true;
        first = ownRoot(v);
      }
    },
    result: () => resolveRoot(first),
    save: () => [seen, resolveRoot(first)],
    load(saved) {
      [seen, first] = saved as [boolean, unknown];
    },
  };
}

/** `$last` of `$$ROOT` fed the `CurrentRoot` marker or decoded documents (one buffer reused per group). */
export function lastRootState(): AccState {
  let last: unknown = null;
  return {
    add(v) {
      last = ownRoot(v, last);
    },
    result: () => resolveRoot(last),
    save: () => [resolveRoot(last)],
    load(saved) {
      last = (saved as unknown[])[0];
    },
  };
}

/** Is `v` the whole current document (`"$$ROOT"` / `"$$CURRENT"`)? */
export function isRootExpr(v: unknown): boolean {
  return v === "$$ROOT" || v === "$$CURRENT";
}

/** Which of a `$group`'s accumulators keep whole documents, and the fields the rest read. */
export interface RootGroupPlan {
  /** Output field → its root accumulator's operator (`$first`, `$last`, `$top`, `$bottom`). */
  readonly roots: ReadonlyMap<string, string>;
  /** The top-level fields the key, the other accumulators and the root ones' `sortBy` read. */
  readonly fields: ReadonlySet<string>;
  /**
   * The key is a top-level field and nothing else is read (`fields` is that field alone): its UTF-8
   * name, for `storedFieldKey` (a document of a group already held is then folded without decoding).
   */
  readonly keyName?: Uint8Array;
}

const encoder = new TextEncoder();

/**
 * The group key (`valueKey`, group_key.ts) of the top-level field named `name` (UTF-8) of stored
 * document `b`, read from its bytes where no decoded value is needed: an ObjectId (`objectIdKey`),
 * null or missing ("n"). Undefined for other types (the caller decodes the field). The first element
 * of a repeated name counts, as `decodeFields`.
 */
export function storedFieldKey(b: Uint8Array, name: Uint8Array): string | undefined {
  const end = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) - 1;
  let i = 4;
  while (i < end) {
    const t = b[i]!;
    let e = i + 1;
    while (b[e] !== 0) e++;
    if (e - i - 1 === name.length) {
      let same = true;
      for (let k = 0; k < name.length; k++) {
        if (b[i + 1 + k] !== name[k]) {
          same = false;
          break;
        }
      }
      if (same) return t === 0x07 ? "O" + objectIdKeyAt(b, e + 1) : t === 0x0a ? "n" : undefined;
    }
    const n = valueByteLength(t, b, e + 1);
    if (n < 0) return undefined;
    i = e + 1 + n;
  }
  return "n";
}

/**
 * The plan of a `$group` spec (already validated) for stored input, when at least one accumulator keeps
 * whole documents and everything else names the fields it reads; else undefined.
 */
export function rootGroupPlan(spec: Document): RootGroupPlan | undefined {
  const fields = new Set<string>();
  const roots = new Map<string, string>();
  for (const [field, value] of Object.entries(spec)) {
    if (field === "_id") {
      if (!exprTopFields(value, fields)) return undefined;
      continue;
    }
    if (!isObj(value)) return undefined;
    const [op, arg] = Object.entries(value)[0] ?? [];
    if (op === undefined || op === "$accumulator") return undefined;
    if ((op === "$first" || op === "$last") && isRootExpr(arg)) {
      roots.set(field, op);
      continue;
    }
    if (op === "$top" || op === "$bottom" || op === "$topN" || op === "$bottomN") {
      if (!isObj(arg) || !isObj(arg["sortBy"])) return undefined;
      for (const [path, dir] of Object.entries(arg["sortBy"])) {
        if (isObj(dir)) return undefined; // a $meta key reads what a decoded document carries
        fields.add(topOf(path));
      }
      if (!exprTopFields(arg["n"], fields)) return undefined;
      if ((op === "$top" || op === "$bottom") && isRootExpr(arg["output"])) {
        roots.set(field, op);
        continue;
      }
      if (!exprTopFields(arg["output"], fields)) return undefined;
      continue;
    }
    if (!exprTopFields(arg, fields)) return undefined;
  }
  if (roots.size === 0) return undefined;
  const id = spec["_id"];
  const key = typeof id === "string" && /^\$[^$.]+$/.test(id) ? id.slice(1) : undefined;
  return key !== undefined && fields.size === 1 && fields.has(key)
    ? { roots, fields, keyName: encoder.encode(key) }
    : { roots, fields };
}
