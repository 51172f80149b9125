/**
 * Oplog entry → change events (pure). One entry gives zero or more events: an `applyOps` one per
 * inner operation (with the transaction's lsid and txnNumber), a `dropDatabase` none for streams on
 * other databases, and a drop or rename of the watched collection (or a dropDatabase of the watched
 * database) is followed by an `invalidate`. Expanded events (create, createIndexes, dropIndexes,
 * modify) and `collectionUUID`/`operationDescription` appear only with showExpandedEvents; system
 * collections and the admin/config/local databases never appear in database or cluster streams.
 * Full documents that need storage (updateLookup, pre- and post-images) are filled in later by the
 * command layer from `lookup`.
 */
import type { Binary, Long, Timestamp } from "bson";
import type { Document as Doc } from "../bson/document.ts";
import { isPlainDoc } from "../bson/type_name.ts";
import { encodeToken, type ResumePoint } from "./token.ts";
import { describeUpdate, isDiff } from "./update_description.ts";

/** What a stream watches: one collection, one database, or the whole cluster. */
export type Scope =
  | { readonly kind: "collection"; readonly db: string; readonly coll: string }
  | { readonly kind: "database"; readonly db: string }
  | { readonly kind: "cluster" };

export interface EventOptions {
  readonly showExpandedEvents: boolean;
  readonly showSystemEvents?: boolean;
}

/** One event, with what the command layer needs to finish and order it. */
export interface StreamEvent {
  readonly point: ResumePoint;
  readonly event: Doc;
  /** The stream ends after this event (invalidate). */
  readonly invalidate: boolean;
  /** For insert/update/replace/delete: where the document lives and the raw op. */
  readonly lookup?: {
    readonly db: string;
    readonly coll: string;
    readonly id: unknown;
    /** The update's `$v: 2` diff (post-images are the pre-image with the diff applied). */
    readonly diff?: Doc;
    /** A replacement's new document. */
    readonly replacement?: Doc;
  };
}

const HIDDEN_DBS = new Set(["admin", "config", "local"]);

function splitNs(ns: string): { db: string; coll: string } {
  const dot = ns.indexOf(".");
  return dot < 0 ? { db: ns, coll: "" } : { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

function visible(scope: Scope, db: string, coll: string | undefined, opts: EventOptions): boolean {
  if (scope.kind === "collection") return db === scope.db && coll === scope.coll;
  if (scope.kind === "database" && db !== scope.db) return false;
  if (scope.kind === "cluster" && HIDDEN_DBS.has(db)) return false;
  if (coll !== undefined && coll.startsWith("system.") && !opts.showSystemEvents) return false;
  return true;
}

interface Stamp {
  readonly ts: Timestamp;
  readonly wall: Date | undefined;
  readonly txn?: { readonly lsid: unknown; readonly txnNumber: Long };
}

/**
 * The last entry of a transaction logged as a chain (`count` set, `prevOpTime` naming the previous
 * entry): true when the reader must gather the earlier entries' ops before `eventsOf`.
 */
export function endsTransactionChain(entry: Doc): boolean {
  const o = entry["o"];
  return entry["op"] === "c" && isPlainDoc(o) && Array.isArray(o["applyOps"]) && o["count"] !== undefined &&
    o["partialTxn"] === undefined;
}

/** The events of one decoded oplog entry, in order. */
export function eventsOf(entry: Doc, scope: Scope, opts: EventOptions): StreamEvent[] {
  const ts = entry["ts"] as Timestamp;
  const wall = entry["wall"] instanceof Date ? entry["wall"] : undefined;
  const out: StreamEvent[] = [];
  const o = isPlainDoc(entry["o"]) ? entry["o"] : {};
  if (entry["op"] === "c" && Array.isArray(o["applyOps"])) {
    // a large transaction's earlier entries: its events come with the last entry (see
    // `transactionOps`, which the reader uses to gather them)
    if (o["partialTxn"] === true) return [];
    const txn = entry["txnNumber"] !== undefined
      ? { lsid: entry["lsid"], txnNumber: entry["txnNumber"] as Long }
      : undefined;
    (o["applyOps"] as Doc[]).forEach((inner, i) => {
      out.push(...opEvents(inner, { ts, wall, ...(txn ? { txn } : {}) }, i, scope, opts));
    });
    return out;
  }
  return opEvents(entry, { ts, wall }, 0, scope, opts);
}

function opEvents(op: Doc, s: Stamp, opIndex: number, scope: Scope, opts: EventOptions): StreamEvent[] {
  const kind = op["op"];
  if (kind === "n" || typeof op["ns"] !== "string") return [];
  const { db, coll } = splitNs(op["ns"]);
  const o = isPlainDoc(op["o"]) ? op["o"] : {};
  const point: ResumePoint = { ts: s.ts, opIndex, invalidate: false, highWater: false };
  const head = (operationType: string): Doc => ({
    _id: encodeToken(point),
    operationType,
    clusterTime: s.ts,
    ...(s.wall ? { wallTime: s.wall } : {}),
    ...(opts.showExpandedEvents && op["ui"] !== undefined ? { collectionUUID: op["ui"] as Binary } : {}),
  });
  const txnFields = s.txn ? { txnNumber: s.txn.txnNumber, lsid: s.txn.lsid } : {};
  const ns = { db, coll };
  switch (kind) {
    case "i": {
      if (coll === "system.views") return viewCreated(o, db, head, point, scope, opts);
      if (!visible(scope, db, coll, opts)) return [];
      const id = o["_id"];
      return [{
        point,
        invalidate: false,
        event: { ...head("insert"), fullDocument: o, ns, documentKey: { _id: id }, ...txnFields },
        lookup: { db, coll, id },
      }];
    }
    case "u": {
      if (!visible(scope, db, coll, opts)) return [];
      const id = isPlainDoc(op["o2"]) ? op["o2"]["_id"] : undefined;
      if (isDiff(o)) {
        const diff = o["diff"] as Doc;
        return [{
          point,
          invalidate: false,
          event: {
            ...head("update"),
            ns,
            documentKey: { _id: id },
            updateDescription: describeUpdate(diff, opts.showExpandedEvents),
            ...txnFields,
          },
          lookup: { db, coll, id, diff },
        }];
      }
      return [{
        point,
        invalidate: false,
        event: { ...head("replace"), fullDocument: o, ns, documentKey: { _id: id }, ...txnFields },
        lookup: { db, coll, id, replacement: o },
      }];
    }
    case "d": {
      if (!visible(scope, db, coll, opts)) return [];
      const id = o["_id"];
      return [{
        point,
        invalidate: false,
        event: { ...head("delete"), ns, documentKey: { _id: id }, ...txnFields },
        lookup: { db, coll, id },
      }];
    }
    case "c":
      return commandEvents(o, db, s, point, head, scope, opts);
    default:
      return [];
  }
}

/** A view is created by inserting its definition into `<db>.system.views` (an expanded `create`). */
function viewCreated(
  o: Doc,
  db: string,
  head: (t: string) => Doc,
  point: ResumePoint,
  scope: Scope,
  opts: EventOptions,
): StreamEvent[] {
  if (!opts.showExpandedEvents || typeof o["_id"] !== "string") return [];
  const coll = o["_id"].slice(db.length + 1);
  if (!visible(scope, db, coll, opts)) return [];
  const { _id: _, ...desc } = o;
  const { collectionUUID: _u, ...event } = head("create");
  return [{
    point,
    invalidate: false,
    event: { ...event, ns: { db, coll }, operationDescription: desc, nsType: "view" },
  }];
}

function commandEvents(
  o: Doc,
  db: string,
  s: Stamp,
  point: ResumePoint,
  head: (t: string) => Doc,
  scope: Scope,
  opts: EventOptions,
): StreamEvent[] {
  const invalidate = (): StreamEvent => {
    const p = { ...point, invalidate: true };
    return {
      point: p,
      invalidate: true,
      event: {
        _id: encodeToken(p),
        operationType: "invalidate",
        clusterTime: s.ts,
        ...(s.wall ? { wallTime: s.wall } : {}),
      },
    };
  };
  const one = (event: Doc, coll: string | undefined): StreamEvent[] =>
    visible(scope, db, coll, opts) ? [{ point, invalidate: false, event }] : [];
  const expanded = opts.showExpandedEvents;
  if (typeof o["drop"] === "string") {
    const coll = o["drop"];
    const events = one({ ...head("drop"), ns: { db, coll } }, coll);
    if (scope.kind === "collection" && events.length) events.push(invalidate());
    return events;
  }
  if (typeof o["renameCollection"] === "string" && typeof o["to"] === "string") {
    const from = splitNs(o["renameCollection"]);
    const to = splitNs(o["to"]);
    const event: Doc = {
      ...head("rename"),
      ns: from,
      to,
      ...(expanded
        ? {
          operationDescription: {
            to,
            ...(o["dropTarget"] !== undefined ? { dropTarget: o["dropTarget"] } : { dropTarget: false }),
          },
        }
        : {}),
    };
    const events: StreamEvent[] = visible(scope, from.db, from.coll, opts) ||
        (scope.kind !== "collection" && visible(scope, to.db, to.coll, opts))
      ? [{ point, invalidate: false, event }]
      : [];
    if (scope.kind === "collection" && visible(scope, from.db, from.coll, opts)) events.push(invalidate());
    return events;
  }
  if (o["dropDatabase"] !== undefined) {
    if (scope.kind === "collection") return []; // the collection's own drop entry came first
    if (scope.kind === "database" && scope.db !== db) return [];
    if (scope.kind === "cluster" && HIDDEN_DBS.has(db)) return [];
    const events: StreamEvent[] = [{
      point,
      invalidate: false,
      event: { ...head("dropDatabase"), ns: { db } },
    }];
    if (scope.kind === "database") events.push(invalidate());
    return events;
  }
  if (!expanded) return [];
  if (typeof o["create"] === "string") {
    const coll = o["create"];
    const { create: _, ...desc } = o;
    const nsType = desc["viewOn"] !== undefined
      ? "view"
      : desc["timeseries"] !== undefined
      ? "timeseries"
      : "collection";
    return one({ ...head("create"), ns: { db, coll }, operationDescription: desc, nsType }, coll);
  }
  if (typeof o["createIndexes"] === "string") {
    const coll = o["createIndexes"];
    const { createIndexes: _, ...spec } = o;
    return one(
      { ...head("createIndexes"), ns: { db, coll }, operationDescription: { indexes: [spec] } },
      coll,
    );
  }
  if (typeof o["dropIndexes"] === "string") {
    const coll = o["dropIndexes"];
    return one({
      ...head("dropIndexes"),
      ns: { db, coll },
      operationDescription: { indexes: [{ name: o["index"] }] },
    }, coll);
  }
  if (typeof o["collMod"] === "string") {
    const coll = o["collMod"];
    const { collMod: _, ...desc } = o;
    return one({ ...head("modify"), ns: { db, coll }, operationDescription: desc }, coll);
  }
  return [];
}
