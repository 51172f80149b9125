/**
 * Views, kept as mongod keeps them: one document per view in `<db>.system.views`
 * (`{_id: "<db>.<view>", viewOn, pipeline, collation?}`), written through the storage API like any
 * record (so write hooks, and the oplog, see an insert / update / remove on `system.views`).
 *
 * Resolution turns a view name into its base collection and the concatenated pipelines of every
 * view on the way (views on views), at most 20 deep (165 ViewDepthLimitExceeded); a definition
 * that would make a cycle is refused (5 GraphContainsCycle). Commands that read (find, aggregate,
 * count, distinct) run the resolved pipeline on the base collection; writes and index builds on a
 * view are 166 CommandNotSupportedOnView.
 */
import { BSON } from "bson";
import type { CollectionEntry, StorageEngine } from "../../storage/api.ts";
import { CommandError } from "../../errors/command_error.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { idIndexKey, indexKeysOf } from "../../executor/index_keys.ts";
import { compilePartialFilter } from "../../engine/mod.ts";
import type { Doc } from "../reply.ts";

export const SYSTEM_VIEWS = "system.views";
/** mongod's ViewGraph::kMaxViewDepth. */
export const MAX_VIEW_DEPTH = 20;

export interface ViewDef {
  readonly db: string;
  readonly name: string;
  readonly viewOn: string;
  readonly pipeline: readonly Doc[];
  readonly collation?: Doc;
}

export interface ResolvedView {
  /** The view asked for. */
  readonly view: ViewDef;
  /** The collection at the bottom of the chain (it may not exist: the view is then empty). */
  readonly base: string;
  /** Every pipeline from the bottom view up to the view asked for, concatenated. */
  readonly pipeline: readonly Doc[];
  /** The view's default collation (views on views share one). */
  readonly collation?: Doc;
}

function toDef(db: string, d: Doc): ViewDef | undefined {
  const id = d["_id"];
  if (typeof id !== "string" || !id.startsWith(db + ".") || typeof d["viewOn"] !== "string") return undefined;
  const collation = d["collation"];
  return {
    db,
    name: id.slice(db.length + 1),
    viewOn: d["viewOn"],
    pipeline: Array.isArray(d["pipeline"]) ? d["pipeline"] as Doc[] : [],
    ...(collation && typeof collation === "object" ? { collation: collation as Doc } : {}),
  };
}

/** Every view of `db` (none when `system.views` does not exist). */
export function listViews(storage: StorageEngine, db: string): ViewDef[] {
  const sv = storage.catalog.getCollection(db, SYSTEM_VIEWS);
  if (!sv) return [];
  return storage.read((txn) => {
    const out: ViewDef[] = [];
    for (const r of txn.scan(sv)) {
      const def = toDef(db, decodeDocument(r.bytes));
      if (def) out.push(def);
    }
    return out;
  });
}

/** The view `db.name`, if one is defined. */
export function findView(storage: StorageEngine, db: string, name: string): ViewDef | undefined {
  const sv = storage.catalog.getCollection(db, SYSTEM_VIEWS);
  if (!sv) return undefined;
  return storage.read((txn) => {
    const rid = txn.seekUnique(sv, "_id_", idIndexKey(`${db}.${name}`));
    if (rid === null) return undefined;
    const bytes = txn.get(sv, rid);
    return bytes ? toDef(db, decodeDocument(bytes)) : undefined;
  });
}

/** Base collection and full pipeline of view `name`, or undefined when `name` is not a view. */
export function resolveView(storage: StorageEngine, db: string, name: string): ResolvedView | undefined {
  const view = findView(storage, db, name);
  if (!view) return undefined;
  const chain: ViewDef[] = [view];
  let cur = view;
  for (;;) {
    const next = findView(storage, db, cur.viewOn);
    if (!next) break;
    if (chain.length >= MAX_VIEW_DEPTH) {
      throw new CommandError(
        "ViewDepthLimitExceeded",
        `View depth too deep or view cycle detected. Maximum depth is ${MAX_VIEW_DEPTH}`,
      );
    }
    chain.push(next);
    cur = next;
  }
  const pipeline = chain.reverse().flatMap((v) => v.pipeline);
  return {
    view,
    base: cur.viewOn,
    pipeline,
    ...(view.collation ? { collation: view.collation } : {}),
  };
}

/** 166 when `name` is a view (for writes, index builds and other commands views do not support). */
export function refuseOnView(storage: StorageEngine, db: string, name: string): void {
  if (storage.catalog.getCollection(db, name)) return;
  if (findView(storage, db, name)) {
    throw new CommandError(
      "CommandNotSupportedOnView",
      `Namespace ${db}.${name} is a view, not a collection`,
    );
  }
}

/**
 * Refuses a definition of `name` on `viewOn` that would close a cycle or exceed the depth limit
 * (`pipelineRefs` are the other namespaces its pipeline reads: $lookup / $unionWith / $graphLookup).
 */
export function checkViewGraph(
  storage: StorageEngine,
  db: string,
  name: string,
  viewOn: string,
  pipelineRefs: readonly string[] = [],
): void {
  const defs = new Map(listViews(storage, db).map((v) => [v.name, v]));
  const edges = (n: string): string[] => {
    if (n === name) return [viewOn, ...pipelineRefs];
    const v = defs.get(n);
    return v ? [v.viewOn, ...referencedCollections(v.pipeline)] : [];
  };
  // Depth-first from the new view: a path back to it is a cycle.
  const path: string[] = [name];
  const walk = (n: string, depth: number): void => {
    for (const next of edges(n)) {
      if (next === name) {
        throw new CommandError(
          "GraphContainsCycle",
          `View cycle detected: ${[...path, next].map((p) => `${db}.${p}`).join(" => ")}`,
        );
      }
      if (!defs.has(next)) continue;
      if (depth + 1 >= MAX_VIEW_DEPTH) {
        throw new CommandError(
          "ViewDepthLimitExceeded",
          `View depth too deep or view cycle detected. Maximum depth is ${MAX_VIEW_DEPTH}`,
        );
      }
      path.push(next);
      walk(next, depth + 1);
      path.pop();
    }
  };
  walk(name, 0);
}

/** Namespaces a pipeline reads besides its input ($lookup, $graphLookup, $unionWith, nested too). */
export function referencedCollections(pipeline: readonly unknown[]): string[] {
  const out: string[] = [];
  const visit = (stages: readonly unknown[]): void => {
    for (const s of stages) {
      if (!s || typeof s !== "object") continue;
      for (const [k, v] of Object.entries(s as Doc)) {
        if (k === "$lookup" || k === "$graphLookup") {
          const spec = v as Doc;
          if (typeof spec?.["from"] === "string") out.push(spec["from"]);
          if (Array.isArray(spec?.["pipeline"])) visit(spec["pipeline"]);
        } else if (k === "$unionWith") {
          if (typeof v === "string") out.push(v);
          else if (v && typeof v === "object") {
            const spec = v as Doc;
            if (typeof spec["coll"] === "string") out.push(spec["coll"]);
            if (Array.isArray(spec["pipeline"])) visit(spec["pipeline"]);
          }
        } else if (k === "$facet" && v && typeof v === "object") {
          for (const sub of Object.values(v as Doc)) if (Array.isArray(sub)) visit(sub);
        }
      }
    }
  };
  visit(pipeline);
  return out;
}

function systemViews(storage: StorageEngine, db: string): CollectionEntry {
  const found = storage.catalog.getCollection(db, SYSTEM_VIEWS);
  if (found) return found;
  return storage.catalog.createCollection(db, SYSTEM_VIEWS, {});
}

function viewDoc(def: ViewDef): Doc {
  return {
    _id: `${def.db}.${def.name}`,
    viewOn: def.viewOn,
    pipeline: [...def.pipeline],
    ...(def.collation ? { collation: def.collation } : {}),
  };
}

const keyOpts = { compilePartialFilter };

/** Stores a new view definition (the caller checked the name is free and the graph is sound). */
export function insertView(storage: StorageEngine, def: ViewDef, sync: boolean): void {
  const sv = systemViews(storage, def.db);
  const doc = viewDoc(def);
  storage.write((txn) => {
    txn.insert(sv, BSON.serialize(doc), indexKeysOf(sv, doc, keyOpts));
  }, { sync });
}

/** Replaces a view's definition (collMod viewOn/pipeline). */
export function replaceView(storage: StorageEngine, def: ViewDef, sync: boolean): void {
  const sv = systemViews(storage, def.db);
  const doc = viewDoc(def);
  storage.write((txn) => {
    const rid = txn.seekUnique(sv, "_id_", idIndexKey(doc["_id"]));
    if (rid === null) throw new CommandError("NamespaceNotFound", `ns does not exist: ${doc["_id"]}`);
    const old = decodeDocument(txn.get(sv, rid)!);
    txn.update(sv, rid, BSON.serialize(doc), indexKeysOf(sv, old, keyOpts), indexKeysOf(sv, doc, keyOpts));
  }, { sync });
}

/** Removes a view's definition; false when there was none. */
export function removeView(storage: StorageEngine, db: string, name: string, sync: boolean): boolean {
  const sv = storage.catalog.getCollection(db, SYSTEM_VIEWS);
  if (!sv) return false;
  return storage.write((txn) => {
    const rid = txn.seekUnique(sv, "_id_", idIndexKey(`${db}.${name}`));
    if (rid === null) return false;
    const old = decodeDocument(txn.get(sv, rid)!);
    txn.remove(sv, rid, indexKeysOf(sv, old, keyOpts));
    return true;
  }, { sync });
}
