/**
 * bulkWrite (MongoDB 8.0): one admin command carrying insert/update/delete operations over several
 * namespaces: `{bulkWrite: 1, ops: [{insert: i, document} | {update: i, filter, updateMods, multi,
 * upsert, arrayFilters, hint, collation, sort} | {delete: i, filter, multi, hint, collation}],
 * nsInfo: [{ns}], ordered, errorsOnly, bypassDocumentValidation, let, writeConcern}`.
 *
 * Every op runs through the same code as insert/update/delete (prepareInsert, applyUpdate,
 * applyDelete) in its own transaction. The reply is a cursor (ns `admin.$cmd.bulkWrite`) of per-op
 * results `{ok, idx, n, nModified?, upserted?}` or errors `{ok: 0, idx, code, codeName, errmsg, …}`
 * (only errors with `errorsOnly`), plus the summary `nErrors nInserted nMatched nModified nUpserted
 * nDeleted`. Ordered stops at the first error. Results that fit one batch come back as a plain reply;
 * past that (or with `cursor.batchSize`) they are a real cursor: the first batch holds what fits in
 * 16 MiB (or `batchSize`) and the rest come by getMore, so a reply with 100,000 error items is never
 * built whole.
 */
import { CommandError } from "../../errors/command_error.ts";
import { errorToReply } from "../../errors/to_reply.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc, type ParseInput, type Reply } from "../spec.ts";
import { arrayCursorReply } from "../shared/array_cursor.ts";
import { BSON, Long } from "bson";
import { BATCH_BYTES } from "../../limits.ts";

import { cursorOptions } from "../ddl/cursor_options.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";
import {
  array,
  arrayOf,
  bool,
  doc,
  ignored,
  indexHint,
  optional,
  type Parsed,
  parseShape,
  type Reader,
  required,
  shape,
  str,
} from "../params/schema.ts";
import { wrongType } from "../params/errors.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { ensureCollection, findCollection } from "../shared/namespace.ts";
import type { JsParts } from "../shared/where.ts";
import { statementJsParts } from "../write/js_rounds.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { commitSync, nullAsMissing, statementList } from "../write/write_batch.ts";
import { emptyTimestampFill, prepareInsert } from "./insert.ts";
import { applyUpdate, updateModification } from "./update.ts";
import { applyDelete } from "./delete.ts";
import { retryOnConflict } from "../write/conflict_retry.ts";
import { refuseCappedInTransaction } from "../write/capped_in_transaction.ts";
import { refuseTimeseriesInTransaction } from "../shared/timeseries.ts";

type OpKind = "insert" | "update" | "delete";

/** Results counted before sizing them for a plain (one-batch) reply. */
const FIRST_BATCH_PLAIN_MAX = 10_000;

/** The op's first field: the index of its namespace in `nsInfo` (any number, truncated; >= 0). */
const nsIndex: Reader<number> = (v, path) => {
  if (!isNumeric(v)) throw wrongType(path, v, ["long", "int", "decimal", "double"]);
  const n = Math.trunc(toNumber(v));
  const field = path.slice(path.lastIndexOf(".") + 1);
  if (n < 0) {
    throw new CommandError("BadValue", `BSON field '${field}' value must be >= 0, actual value '${n}'`);
  }
  return n;
};

const INSERT_OP = {
  insert: required(nsIndex),
  document: required(doc),
} as const;

const UPDATE_OP = {
  update: required(nsIndex),
  filter: required(doc),
  updateMods: required(updateModification),
  multi: optional(bool),
  upsert: optional(bool),
  arrayFilters: optional(array),
  hint: optional(indexHint),
  collation: optional(doc),
  sort: optional(doc),
  constants: optional(doc),
} as const;

const DELETE_OP = {
  delete: required(nsIndex),
  filter: required(doc),
  multi: optional(bool),
  hint: optional(indexHint),
  collation: optional(doc),
} as const;

export type BulkWriteOp =
  | { readonly kind: "insert"; readonly ns: number; readonly op: Parsed<typeof INSERT_OP> }
  | {
    readonly kind: "update";
    readonly ns: number;
    readonly op: Parsed<typeof UPDATE_OP>;
    /** `sort` was sent (even as null): refused per op with multi. */
    readonly sortGiven: boolean;
  }
  | { readonly kind: "delete"; readonly ns: number; readonly op: Parsed<typeof DELETE_OP> };

/** One `ops` entry: its kind is its first field (insert / update / delete). */
const bulkOp: Reader<BulkWriteOp> = (v, path) => {
  const raw = doc(v, path);
  const first = Object.keys(raw)[0];
  switch (first) {
    case "insert": {
      const op = parseShape(path, raw, INSERT_OP);
      return { kind: first, ns: op.insert, op };
    }
    case "update": {
      const op = parseShape(path, raw, UPDATE_OP);
      return { kind: first, ns: op.update, op, sortGiven: raw["sort"] !== undefined };
    }
    case "delete": {
      const op = parseShape(path, raw, DELETE_OP);
      return { kind: first, ns: op.delete, op };
    }
    default:
      throw new CommandError("FailedToParse", `Unrecognized bulkWrite operation: ${JSON.stringify(raw)}`);
  }
};

/** One `nsInfo` entry (mongod's NamespaceInfoEntry; the sharding/encryption fields are accepted, unused). */
const NS_ENTRY = {
  ns: required(nullAsMissing(str)),
  collectionUUID: ignored,
  encryptionInformation: ignored,
  isTimeseriesNamespace: ignored,
  shardVersion: ignored,
  databaseVersion: ignored,
} as const;

const FIELDS = {
  ops: required(statementList(bulkOp)),
  nsInfo: required(nullAsMissing(arrayOf(shape(NS_ENTRY)))),
  ordered: optional(bool),
  errorsOnly: optional(bool),
  bypassDocumentValidation: optional(bool),
  let: optional(doc),
  cursor: optional(cursorOptions),
  bypassEmptyTsReplacement: optional(bool),
  rawData: ignored,
} as const;

export interface Namespace {
  readonly db: string;
  readonly coll: string;
}

export type BulkWriteParams = Omit<Parsed<typeof FIELDS>, "nsInfo"> & {
  readonly namespaces: readonly Namespace[];
};

function splitNamespace(ns: string): Namespace {
  const dot = ns.indexOf(".");
  if (dot <= 0 || dot === ns.length - 1) {
    throw new CommandError("InvalidNamespace", `Invalid namespace specified '${ns}'`);
  }
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

/** Parses bulkWrite (admin database only); every op must name an existing nsInfo entry. */
export function parseBulkWrite(body: Doc, input: Pick<ParseInput, "db">): BulkWriteParams {
  const { nsInfo, ...rest } = parseShape("bulkWrite", body, FIELDS, {
    skip: "bulkWrite",
    alsoAccept: GENERIC_FIELDS,
  });
  if (input.db !== "admin") {
    throw new CommandError("Unauthorized", "bulkWrite may only be run against the admin database.");
  }
  const namespaces = nsInfo.map((e) => splitNamespace(e.ns));
  rest.ops.forEach((p, i) => {
    if (p.ns >= namespaces.length) {
      const raw = (body["ops"] as unknown[])[i];
      throw new CommandError(
        "BadValue",
        `BulkWrite ops entry ${JSON.stringify(raw)} has an invalid nsInfo index.`,
      );
    }
  });
  return { ...rest, namespaces };
}

/** A context for another database, sharing everything else with the caller's. */
function withDb<C extends RequestContext>(ctx: C, db: string): C {
  return Object.create(ctx, { db: { value: db } }) as C;
}

interface Totals {
  nErrors: number;
  nInserted: number;
  nMatched: number;
  nModified: number;
  nUpserted: number;
  nDeleted: number;
}

async function runOp(
  ctx: RequestContext,
  p: BulkWriteOp,
  coll: string,
  vars: Doc | undefined,
  sync: boolean,
  t: Totals,
  js: JsParts | undefined,
): Promise<Doc> {
  switch (p.kind) {
    case "insert": {
      const entry = ensureCollection(ctx, coll);
      refuseCappedInTransaction(ctx, entry, "write");
      refuseTimeseriesInTransaction(ctx, entry, "insert");
      const params = ctx.params as { bypassDocumentValidation?: boolean; bypassEmptyTsReplacement?: boolean };
      const prepared = prepareInsert(
        entry,
        p.op.document,
        { bypass: params.bypassDocumentValidation, warn: (m) => ctx.log.warn(m) },
        undefined,
        emptyTimestampFill(ctx, params.bypassEmptyTsReplacement),
      );
      try {
        ctx.storage.write((txn) => {
          txn.insert(entry, prepared.bytes, prepared.keys);
          ctx.capped.enforce(txn, entry);
        }, { sync });
      } catch (e) {
        translateStorageError(e, entry, prepared.doc);
      }
      ctx.counters.opcounters.insert++;
      t.nInserted++;
      return { ok: 1, n: 1 };
    }
    case "update": {
      const { op } = p;
      const multi = op.multi ?? false;
      if (multi && p.sortGiven) {
        throw new CommandError("FailedToParse", "Cannot specify sort with multi=true");
      }
      ctx.counters.opcounters.update++;
      const constants = op.constants;
      const r = await applyUpdate(
        ctx,
        coll,
        {
          q: op.filter,
          u: op.updateMods,
          upsert: op.upsert ?? false,
          multi,
          arrayFilters: op.arrayFilters as Doc[] | undefined,
          sort: op.sort,
          hint: op.hint,
          collation: op.collation,
          variables: constants || vars ? { ...vars, ...constants } : undefined,
          bypassDocumentValidation:
            (ctx.params as { bypassDocumentValidation?: boolean }).bypassDocumentValidation,
        },
        sync,
        js,
      );
      if (r.upsertedId !== undefined) {
        t.nUpserted++;
        return { ok: 1, n: 1, nModified: 0, upserted: { _id: r.upsertedId } };
      }
      t.nMatched += r.matched;
      t.nModified += r.modified;
      return { ok: 1, n: r.matched, nModified: r.modified };
    }
    case "delete": {
      const { op } = p;
      ctx.counters.opcounters.delete++;
      const rows = await applyDelete(
        ctx,
        coll,
        {
          q: op.filter,
          multi: op.multi ?? false,
          hint: op.hint,
          collation: op.collation,
          variables: vars,
        },
        sync,
        js,
      );
      t.nDeleted += rows.n;
      return { ok: 1, n: rows.n };
    }
  }
}

function errorItem(ctx: RequestContext, e: unknown, kind: OpKind): Doc {
  // The per-operation error item is the error reply without its labels (they belong to the command).
  const { errorLabels: _labels, ...item }: Doc = errorToReply(e, (m) => ctx.log.error(m));
  item["n"] = 0;
  if (kind === "update") item["nModified"] = 0;
  return item;
}

async function run(ctx: RequestContext<BulkWriteParams>): Promise<Reply> {
  const { ops, namespaces, ordered = true, errorsOnly = false, let: vars, cursor } = ctx.params;
  const sync = commitSync(ctx);
  const totals: Totals = { nErrors: 0, nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0 };
  const items: Doc[] = [];
  for (let i = 0; i < ops.length; i++) {
    // a long batch gives the other clients their turns (docs/concurrency.md)
    if (i > 0 && ctx.control.due()) await ctx.control.yieldNow();
    const p = ops[i]!;
    const ns = namespaces[p.ns]!;
    try {
      const opCtx = withDb(ctx, ns.db);
      const js = p.kind === "insert" ? undefined : await statementJsParts(
        opCtx,
        findCollection(opCtx, ns.coll),
        {
          filter: p.op.filter,
          update: p.kind === "update" ? p.op.updateMods : undefined,
          collation: p.op.collation,
        },
        p.kind === "update" && (p.op.constants || vars) ? { ...vars, ...p.op.constants } : vars,
        p.op.multi || (p.kind === "update" && p.op.sort) ? undefined : 1,
      );
      const r = await retryOnConflict(opCtx, () => runOp(opCtx, p, ns.coll, vars, sync, totals, js));
      if (!errorsOnly) items.push({ ok: r["ok"], idx: i, ...r });
    } catch (e) {
      totals.nErrors++;
      items.push({ ...errorItem(ctx, e, p.kind), idx: i });
      if (ordered || ctx.transaction) break;
    }
  }
  const shaped = items.map(({ ok, idx, ...rest }) => ({ ok, idx, ...rest }));
  const batchSize = cursor?.batchSize;
  // The usual case (everything in one batch) stays a plain reply: fail points, transaction labels
  // and durable retryable-write records work on it; only results past the batch become a cursor.
  if (
    batchSize === undefined && shaped.length <= FIRST_BATCH_PLAIN_MAX &&
    BSON.calculateObjectSize({ shaped }) < BATCH_BYTES
  ) {
    return { cursor: { id: Long.ZERO, firstBatch: shaped, ns: "admin.$cmd.bulkWrite" }, ...totals, ok: 1 };
  }
  return await arrayCursorReply(ctx, "admin.$cmd.bulkWrite", shaped, batchSize, { ...totals });
}

export const bulkWrite = defineCommand<BulkWriteParams>({
  name: "bulkWrite",
  help: "multi-namespace batch of inserts, updates and deletes (8.0): {bulkWrite: 1, ops, nsInfo, ordered}",
  auth: "update",
  parse: parseBulkWrite,
  run,
});
