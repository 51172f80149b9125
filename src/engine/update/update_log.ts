/**
 * update_log.ts — what an operator update modified, and the `$v: 2` diff mongod's update driver logs
 * for it (pure). mongod does not compare the document before and after an operator update: each
 * operator that changed something reports its path (updated, created from the first missing
 * component, or deleted) and the diff is built from those paths, the values read from the final
 * document. So `$set: {a: {x: 1}}` over `{a: {x: 1, y: 2}}` is `u: {a: {x: 1}}` (not a removal of
 * `a.y`), `$pull`/`$pop`/`$addToSet`/a sorted or sliced `$push` log the whole array, a plain `$push`
 * onto a non-empty array logs only the appended elements (`a.3`, `a.4`), `$unset` of an array element
 * (set to null) is an update, and an operator that changed nothing (`$set` of an equal value, `$inc` by
 * 0, `$pull` matching nothing) logs nothing.
 *
 * The diff tree: an existing document is a sub-diff (`d`, `u`, `i`, then `s<field>` sections, each in
 * the order paths were logged); a path created under a missing field is one insertion (`i: {b: {c:
 * 1}}`); a path through an array is an array diff (`a: true`, `u<index>`/`s<index>` in index order).
 */
import type { Document } from "./types.ts";

export type LogKind = "update" | "create" | "delete";

/** One modified path: `created` is the index of the first path component that did not exist. */
export interface LogEntry {
  readonly kind: LogKind;
  readonly parts: readonly string[];
  readonly created?: number;
}

type Leaf = { readonly t: "leaf"; readonly kind: LogKind; readonly parts: readonly string[] };
type DocNode = { readonly t: "doc"; readonly children: Map<string, Node> };
type InsertNode = { readonly t: "ins"; readonly children: Map<string, Node> };
type ArrayNode = { readonly t: "arr"; readonly children: Map<number, Node> };
type Node = Leaf | DocNode | InsertNode | ArrayNode;
type Inner = DocNode | InsertNode | ArrayNode;

function childOf(node: Inner, key: string): Node | undefined {
  return node.t === "arr" ? node.children.get(Number(key)) : node.children.get(key);
}

function setChild(node: Inner, key: string, child: Node): void {
  if (node.t === "arr") node.children.set(Number(key), child);
  else node.children.set(key, child);
}

/** The container at `parts[0..n)` in `doc` (undefined when the path does not reach one). */
function containerAt(doc: Document, parts: readonly string[], n: number): unknown {
  let cur: unknown = doc;
  for (let i = 0; i < n; i++) {
    if (Array.isArray(cur)) cur = cur[Number(parts[i])];
    else if (cur !== null && typeof cur === "object") cur = (cur as Document)[parts[i] as string];
    else return undefined;
  }
  return cur;
}

function valueAt(doc: Document, parts: readonly string[]): unknown {
  return containerAt(doc, parts, parts.length);
}

function addPath(root: DocNode, after: Document, e: LogEntry): void {
  let node: Inner = root;
  const last = e.parts.length - 1;
  for (let i = 0; i < last; i++) {
    const part = e.parts[i] as string;
    const existing = childOf(node, part);
    if (existing && existing.t !== "leaf") {
      node = existing;
      continue;
    }
    const isNew = e.created !== undefined && i >= e.created;
    const next: Inner = Array.isArray(containerAt(after, e.parts, i + 1))
      ? { t: "arr", children: new Map() }
      : isNew
      ? { t: "ins", children: new Map() }
      : { t: "doc", children: new Map() };
    setChild(node, part, next);
    node = next;
  }
  setChild(node, e.parts[last] as string, { t: "leaf", kind: e.kind, parts: e.parts });
}

function insertion(node: InsertNode, after: Document): Document {
  const out: Document = {};
  for (const [k, c] of node.children) {
    out[k] = c.t === "ins" ? insertion(c, after) : valueAt(after, leafParts(c));
  }
  return out;
}

function leafParts(n: Node): readonly string[] {
  return (n as Leaf).parts;
}

function serializeDoc(node: DocNode, after: Document): Document {
  const d: Document = {};
  const u: Document = {};
  const i: Document = {};
  const s: Document = {};
  for (const [k, c] of node.children) {
    if (c.t === "leaf") {
      if (c.kind === "delete") d[k] = false;
      else if (c.kind === "update") u[k] = valueAt(after, c.parts);
      else i[k] = valueAt(after, c.parts);
    } else if (c.t === "ins") i[k] = insertion(c, after);
    else s["s" + k] = c.t === "arr" ? serializeArray(c, after) : serializeDoc(c, after);
  }
  const out: Document = {};
  if (Object.keys(d).length) out["d"] = d;
  if (Object.keys(u).length) out["u"] = u;
  if (Object.keys(i).length) out["i"] = i;
  return Object.assign(out, s);
}

function serializeArray(node: ArrayNode, after: Document): Document {
  const out: Document = { a: true };
  for (const idx of [...node.children.keys()].sort((x, y) => x - y)) {
    const c = node.children.get(idx) as Node;
    if (c.t === "leaf") out["u" + idx] = valueAt(after, c.parts);
    else if (c.t === "ins") out["u" + idx] = insertion(c, after);
    else out["s" + idx] = c.t === "arr" ? serializeArray(c, after) : serializeDoc(c, after);
  }
  return out;
}

/** The `$v: 2` diff of the logged paths, values read from `after`; null when nothing was logged. */
export function diffFromLog(after: Document, log: readonly LogEntry[]): Document | null {
  if (log.length === 0) return null;
  const root: DocNode = { t: "doc", children: new Map() };
  for (const e of log) addPath(root, after, e);
  return serializeDoc(root, after);
}

/** Index of the first component of `parts` missing in `doc` (parts.length when all exist). */
export function firstMissing(doc: Document, parts: readonly string[]): number {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    const k = parts[i] as string;
    if (Array.isArray(cur)) {
      const idx = Number(k);
      if (!/^[0-9]+$/.test(k) || idx >= cur.length) return i;
      cur = cur[idx];
    } else if (cur !== null && typeof cur === "object" && Object.hasOwn(cur, k)) {
      cur = (cur as Document)[k];
    } else return i;
  }
  return parts.length;
}

/** What was at a path before an operator ran (arrays copied: some operators change them in place). */
export interface Before {
  readonly parts: readonly string[];
  readonly missingAt: number;
  readonly value: unknown;
}

export function snapshot(doc: Document, parts: readonly string[]): Before {
  const missingAt = firstMissing(doc, parts);
  const v = missingAt === parts.length ? valueAt(doc, parts) : undefined;
  return { parts, missingAt, value: Array.isArray(v) ? v.slice() : v };
}
