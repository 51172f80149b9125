/**
 * The oplog's description of a modification: mongod's `$v: 2` document diff, computed from the
 * document before and after an update (pure). Object diffs have `d` (removed fields → false), `u`
 * (changed values), `i` (new fields) and `s<field>` (a nested diff); array diffs have `a: true`, `l`
 * (the new length when the array shrank), `u<index>` and `s<index>`. `applyDiff` replays one (applyOps,
 * post-images). Values compare by BSON type and value, so 1 → 1.0 is a change, as the bytes differ.
 */
import type { Document as Doc } from "../bson/document.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import { kindOf } from "../bson/values.ts";
import { compareValues } from "../bson/compare.ts";

/** Strictly equal BSON values: same kind everywhere, same value, same field order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (kindOf(a) !== kindOf(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => sameValue(x, bb[i]));
  }
  if (isPlainDoc(a)) {
    const bb = b as Doc;
    const ka = Object.keys(a);
    const kb = Object.keys(bb);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue(a[k], bb[k]));
  }
  return compareValues(a, b) === 0;
}

function objectDiff(before: Doc, after: Doc): Doc | null {
  const d: Doc = {};
  const u: Doc = {};
  const i: Doc = {};
  const s: Doc = {};
  let changed = false;
  const beforeKeys = Object.keys(before);
  const afterKeys = Object.keys(after);
  for (const k of beforeKeys) {
    if (!Object.hasOwn(after, k)) {
      d[k] = false;
      changed = true;
    }
  }
  // A reordering of the fields both sides share is written as a re-insert of every field.
  const common = afterKeys.filter((k) => Object.hasOwn(before, k));
  const beforeOrder = beforeKeys.filter((k) => Object.hasOwn(after, k));
  const inOrder = common.every((k, n) => beforeOrder[n] === k);
  for (const k of afterKeys) {
    const a = after[k];
    if (!Object.hasOwn(before, k) || !inOrder) {
      i[k] = a; // new, or re-inserted in the new order (applyDiff appends inserted fields)
      changed = true;
      continue;
    }
    const b = before[k];
    if (sameValue(b, a)) continue;
    changed = true;
    if (isPlainDoc(a) && isPlainDoc(b)) {
      const sub = objectDiff(b, a);
      if (sub) s["s" + k] = sub;
    } else if (Array.isArray(a) && Array.isArray(b)) {
      s["s" + k] = arrayDiff(b, a);
    } else u[k] = a;
  }
  if (!changed) return null;
  const out: Doc = {};
  if (Object.keys(d).length) out["d"] = d;
  if (Object.keys(u).length) out["u"] = u;
  if (Object.keys(i).length) out["i"] = i;
  Object.assign(out, s);
  return out;
}

function arrayDiff(before: unknown[], after: unknown[]): Doc {
  const out: Doc = { a: true };
  if (after.length < before.length) out["l"] = after.length;
  for (let n = 0; n < after.length; n++) {
    const a = after[n];
    if (n >= before.length) {
      out["u" + n] = a;
      continue;
    }
    const b = before[n];
    if (sameValue(b, a)) continue;
    if (isPlainDoc(a) && isPlainDoc(b)) {
      const sub = objectDiff(b, a);
      if (sub) out["s" + n] = sub;
    } else if (Array.isArray(a) && Array.isArray(b)) out["s" + n] = arrayDiff(b, a);
    else out["u" + n] = a;
  }
  return out;
}

/** The `$v: 2` diff turning `before` into `after`, or null when they are the same. */
export function computeDiff(before: Doc, after: Doc): Doc | null {
  return objectDiff(before, after);
}

function applyObject(doc: Doc, diff: Doc): Doc {
  const d = isPlainDoc(diff["d"]) ? diff["d"] : {};
  const u = isPlainDoc(diff["u"]) ? diff["u"] : {};
  const i = isPlainDoc(diff["i"]) ? diff["i"] : {};
  const out: Doc = {};
  for (const [k, v] of Object.entries(doc)) {
    if (Object.hasOwn(d, k) || Object.hasOwn(i, k)) continue;
    if (Object.hasOwn(u, k)) out[k] = u[k];
    else if (Object.hasOwn(diff, "s" + k)) out[k] = applySub(v, diff["s" + k] as Doc);
    else out[k] = v;
  }
  for (const [k, v] of Object.entries(u)) if (!Object.hasOwn(out, k)) out[k] = v;
  for (const [k, v] of Object.entries(i)) out[k] = v;
  return out;
}

function applySub(value: unknown, sub: Doc): unknown {
  if (sub["a"] === true) {
    const arr = Array.isArray(value) ? [...value] : [];
    if (typeof sub["l"] === "number") arr.length = Math.min(arr.length, sub["l"]);
    for (const [k, v] of Object.entries(sub)) {
      if (k === "a" || k === "l") continue;
      const n = Number(k.slice(1));
      if (k[0] === "u") {
        while (arr.length < n) arr.push(null);
        arr[n] = v;
      } else if (k[0] === "s") arr[n] = applySub(arr[n], v as Doc);
    }
    return arr;
  }
  return applyObject(isPlainDoc(value) ? value : {}, sub);
}

/** Replays a `$v: 2` diff on `doc` (a new document; `doc` is not changed). */
export function applyDiff(doc: Doc, diff: Doc): Doc {
  return applyObject(doc, diff);
}
