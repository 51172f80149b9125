/**
 * doc_diff.ts — mongod's `$v: 2` document diff (pure): `computeDiff` compares two documents the way
 * mongod's document diff calculator does for pipeline-style updates, `applyDiff` replays a diff
 * (applyOps, post-images). Operator updates do not come here: the update engine builds their diff
 * from the paths its operators modified (engine/update/update_log.ts), as mongod's update driver does.
 *
 * Shape: object diffs have `d` (removed fields → false), `u` (changed values), `i` (new fields, and
 * fields whose position changed: applying appends them) and `s<field>` (a nested diff); array diffs
 * have `a: true`, `l` (the new length when the array shrank), `u<index>` and `s<index>`.
 *
 * The calculator walks the two documents side by side: equal fields are skipped; a field present on
 * both sides with the same name and both objects or both arrays gets a nested diff, any other change is
 * an update; a field of the old document met where the new one has another name is deleted unless it
 * comes back later (then it is inserted at its new place). Values compare by bytes (type, value and
 * field order), so 1 → 1.0 is a change. With `sizeLimit` (what mongod does for pipeline updates) a
 * nested diff at least as large as the new value becomes an update of the whole value, and the result
 * is null when the whole diff plus the 15 bytes of `{$v: 2, diff: …}` is not smaller than the new
 * document: the update is then logged as a replacement.
 */
import { BSON } from "bson";
import type { Document as Doc } from "./document.ts";
import { isPlainDoc } from "./type_name.ts";
import { kindOf } from "./values.ts";
import { compareValues } from "./compare.ts";

/** The bytes `{$v: 2, diff: …}` add around a diff (mongod's kSizeOfDeltaOplogEntryMetadata). */
export const DELTA_ENTRY_PADDING = 15;

/** Strictly equal BSON values: same kind everywhere, same value, same field order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
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

/** BSON size of a document or array (an array is sized as the document of its indexes). */
function sizeOf(v: Doc | unknown[]): number {
  return BSON.calculateObjectSize(v as Doc);
}

interface Limit {
  readonly on: boolean;
}

/** A nested diff of `b` → `a` (both objects or both arrays), or the whole new value when too big. */
function subDiff(b: unknown, a: unknown, limit: Limit): { sub: Doc } | { whole: unknown } {
  const sub = Array.isArray(a) ? arrayDiff(b as unknown[], a, limit) : objectDiff(b as Doc, a as Doc, limit);
  if (limit.on && sizeOf(sub) >= sizeOf(a as Doc)) return { whole: a };
  return { sub };
}

function sameContainerKind(a: unknown, b: unknown): boolean {
  return (Array.isArray(a) && Array.isArray(b)) || (isPlainDoc(a) && isPlainDoc(b));
}

function objectDiff(before: Doc, after: Doc, limit: Limit): Doc {
  const d: string[] = [];
  const queuedDeletes = new Set<string>();
  const u: Doc = {};
  const i: Doc = {};
  const s: Doc = {};
  const bk = Object.keys(before);
  const ak = Object.keys(after);
  let p = 0;
  let q = 0;
  while (p < bk.length && q < ak.length) {
    const kb = bk[p] as string;
    const ka = ak[q] as string;
    if (kb !== ka) {
      // the old field is gone from here: deleted, unless it is met again further on (then inserted)
      queuedDeletes.add(kb);
      p++;
      continue;
    }
    const b = before[kb];
    const a = after[ka];
    p++;
    q++;
    if (sameValue(b, a)) continue;
    if (sameContainerKind(a, b)) {
      const r = subDiff(b, a, limit);
      if ("sub" in r) s["s" + ka] = r.sub;
      else u[ka] = r.whole;
    } else u[ka] = a;
  }
  for (; p < bk.length; p++) d.push(bk[p] as string);
  for (; q < ak.length; q++) {
    const k = ak[q] as string;
    i[k] = after[k];
    queuedDeletes.delete(k);
  }
  // mongod keeps the queued deletes in a sorted set
  d.push(...[...queuedDeletes].sort(byBytes));
  const out: Doc = {};
  if (d.length) out["d"] = Object.fromEntries(d.map((k) => [k, false]));
  if (Object.keys(u).length) out["u"] = u;
  if (Object.keys(i).length) out["i"] = i;
  Object.assign(out, s);
  return out;
}

function byBytes(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  const n = Math.min(x.length, y.length);
  for (let j = 0; j < n; j++) if (x[j] !== y[j]) return (x[j] as number) - (y[j] as number);
  return x.length - y.length;
}

function arrayDiff(before: unknown[], after: unknown[], limit: Limit): Doc {
  const out: Doc = { a: true };
  const n = Math.min(before.length, after.length);
  const entries: [string, unknown][] = [];
  for (let j = 0; j < n; j++) {
    const b = before[j];
    const a = after[j];
    if (sameValue(b, a)) continue;
    if (sameContainerKind(a, b)) {
      const r = subDiff(b, a, limit);
      if ("sub" in r) entries.push(["s" + j, r.sub]);
      else entries.push(["u" + j, r.whole]);
    } else entries.push(["u" + j, a]);
  }
  for (let j = n; j < after.length; j++) entries.push(["u" + j, after[j]]);
  if (before.length > after.length) out["l"] = after.length;
  for (const [k, v] of entries) out[k] = v;
  return out;
}

function isEmptyDiff(diff: Doc): boolean {
  return Object.keys(diff).length === 0;
}

export interface DiffOptions {
  /** mongod's size rule for pipeline updates (null when a replacement is smaller). Default false. */
  readonly sizeLimit?: boolean;
}

/** The `$v: 2` diff turning `before` into `after`, or null when they are the same (or see sizeLimit). */
export function computeDiff(before: Doc, after: Doc, opts: DiffOptions = {}): Doc | null {
  const limit = { on: opts.sizeLimit === true };
  const diff = objectDiff(before, after, limit);
  if (isEmptyDiff(diff)) return null;
  if (limit.on && sizeOf(diff) + DELTA_ENTRY_PADDING >= sizeOf(after)) return null;
  return diff;
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
