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
 * nDeleted`. Ordered stops at the first error. All results go into the first batch.
 */
import { Long } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { errorToReply } from "../../errors/to_reply.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { isNumeric, optArray, optBool, optDoc, toNumber, typeName } from "../params/readers.ts";
import { parseWriteConcern } from "../params/write_concern.ts";
import { ensureCollection } from "../shared/namespace.ts";
import { translateStorageError } from "../write/storage_errors.ts";
import { LIMITS } from "../../limits.ts";
import { prepareInsert } from "./insert.ts";
import { applyUpdate } from "./update.ts";
import { applyDelete } from "./delete.ts";

type OpKind = "insert" | "update" | "delete";

const OP_FIELDS: Record<OpKind, readonly string[]> = {
  insert: ["document"],
  update: [
    "filter",
    "updateMods",
    "multi",
    "upsert",
    "arrayFilters",
    "hint",
    "collation",
    "sort",
    "constants",
  ],
  delete: ["filter", "multi", "hint", "collation"],
};

interface ParsedOp {
  kind: OpKind;
  ns: number;
  op: Doc;
}

function describeOp(op: Doc): string {
  return JSON.stringify(op);
}

function parseOp(raw: unknown, nsCount: number): ParsedOp {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'bulkWrite.ops' is the wrong type '${typeName(raw)}', expected type 'object'`,
    );
  }
  const op = raw as Doc;
  const first = Object.keys(op)[0];
  if (first !== "insert" && first !== "update" && first !== "delete") {
    throw new CommandError("FailedToParse", `Unrecognized bulkWrite operation: ${describeOp(op)}`);
  }
  const idx = op[first];
  if (!isNumeric(idx)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'bulkWrite.ops.${first}' is the wrong type '${
        typeName(idx)
      }', expected types '[long, int, decimal, double]'`,
    );
  }
  const n = Math.trunc(toNumber(idx));
  if (n < 0) {
    throw new CommandError("BadValue", `BSON field '${first}' value must be >= 0, actual value '${n}'`);
  }
  for (const k of Object.keys(op)) {
    if (k !== first && !OP_FIELDS[first].includes(k)) {
      throw new CommandError(40415, `BSON field 'bulkWrite.ops.${k}' is an unknown field.`);
    }
  }
  const required = first === "insert"
    ? ["document"]
    : first === "update"
    ? ["filter", "updateMods"]
    : ["filter"];
  for (const r of required) {
    if (op[r] === undefined) {
      throw new CommandError(40414, `BSON field 'bulkWrite.ops.${r}' is missing but a required field`);
    }
  }
  if (n >= nsCount) {
    throw new CommandError("BadValue", `BulkWrite ops entry ${describeOp(op)} has an invalid nsInfo index.`);
  }
  return { kind: first, ns: n, op };
}

function parseNamespace(raw: unknown): { db: string; coll: string } {
  const ns = (raw as Doc | null)?.["ns"];
  if (typeof ns !== "string") {
    throw new CommandError(40414, "BSON field 'bulkWrite.nsInfo.ns' is missing but a required field");
  }
  const dot = ns.indexOf(".");
  if (dot <= 0 || dot === ns.length - 1) {
    throw new CommandError("InvalidNamespace", `Invalid namespace specified '${ns}'`);
  }
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

/** A context for another database, sharing everything else with the caller's. */
function withDb(ctx: CommandContext, db: string): CommandContext {
  return Object.create(ctx, { db: { value: db } }) as CommandContext;
}

interface Totals {
  nErrors: number;
  nInserted: number;
  nMatched: number;
  nModified: number;
  nUpserted: number;
  nDeleted: number;
}

function runOp(
  ctx: CommandContext,
  p: ParsedOp,
  coll: string,
  vars: Doc | undefined,
  sync: boolean,
  t: Totals,
): Doc {
  const { op } = p;
  const doc = (k: string) => optDoc("bulkWrite.ops", op, k);
  switch (p.kind) {
    case "insert": {
      const d = doc("document")!;
      const entry = ensureCollection(ctx, coll);
      const prepared = prepareInsert(entry, d);
      try {
        ctx.storage.write((txn) => txn.insert(entry, prepared.bytes, prepared.keys), { sync });
      } catch (e) {
        translateStorageError(e, entry, prepared.doc);
      }
      ctx.counters.opcounters.insert++;
      t.nInserted++;
      return { ok: 1, n: 1 };
    }
    case "update": {
      const u = op["updateMods"];
      if (u === null || typeof u !== "object") {
        throw new CommandError("FailedToParse", "Update argument must be either an object or an array");
      }
      const multi = optBool("bulkWrite.ops", op, "multi") ?? false;
      if (multi && op["sort"] !== undefined) {
        throw new CommandError("FailedToParse", "Cannot specify sort with multi=true");
      }
      ctx.counters.opcounters.update++;
      const constants = doc("constants");
      const r = applyUpdate(ctx, coll, {
        q: doc("filter")!,
        u: u as Doc | Doc[],
        upsert: optBool("bulkWrite.ops", op, "upsert") ?? false,
        multi,
        arrayFilters: optArray("bulkWrite.ops", op, "arrayFilters") as Doc[] | undefined,
        sort: doc("sort"),
        hint: op["hint"],
        collation: doc("collation"),
        variables: constants || vars ? { ...vars, ...constants } : undefined,
      }, sync);
      if (r.upsertedId !== undefined) {
        t.nUpserted++;
        return { ok: 1, n: 1, nModified: 0, upserted: { _id: r.upsertedId } };
      }
      t.nMatched += r.matched;
      t.nModified += r.modified;
      return { ok: 1, n: r.matched, nModified: r.modified };
    }
    case "delete": {
      ctx.counters.opcounters.delete++;
      const rows = applyDelete(ctx, coll, {
        q: doc("filter")!,
        multi: optBool("bulkWrite.ops", op, "multi") ?? false,
        hint: op["hint"],
        collation: doc("collation"),
        variables: vars,
      }, sync);
      t.nDeleted += rows.length;
      return { ok: 1, n: rows.length };
    }
  }
}

function errorItem(ctx: CommandContext, e: unknown, kind: OpKind): Doc {
  const r = errorToReply(e, (m) => ctx.log.error(m));
  const item: Doc = { ok: 0, code: r["code"], codeName: r["codeName"], errmsg: r["errmsg"] };
  for (const [k, v] of Object.entries(r)) {
    if (!["ok", "code", "codeName", "errmsg", "errorLabels"].includes(k)) item[k] = v;
  }
  item["n"] = 0;
  if (kind === "update") item["nModified"] = 0;
  return item;
}

function run(ctx: CommandContext, body: Doc): Doc {
  if (ctx.db !== "admin") {
    throw new CommandError("Unauthorized", "bulkWrite may only be run against the admin database.");
  }
  const rawOps = optArray("bulkWrite", body, "ops");
  if (!rawOps) throw new CommandError(40414, "BSON field 'bulkWrite.ops' is missing but a required field");
  const rawNs = optArray("bulkWrite", body, "nsInfo");
  if (!rawNs) throw new CommandError(40414, "BSON field 'bulkWrite.nsInfo' is missing but a required field");
  if (rawOps.length === 0 || rawOps.length > LIMITS.maxWriteBatchSize) {
    throw new CommandError(
      "InvalidLength",
      `Write batch sizes must be between 1 and ${LIMITS.maxWriteBatchSize}. Got ${rawOps.length} operations.`,
    );
  }
  const namespaces = rawNs.map(parseNamespace);
  const ops = rawOps.map((o) => parseOp(o, namespaces.length));
  const ordered = optBool("bulkWrite", body, "ordered") ?? true;
  const errorsOnly = optBool("bulkWrite", body, "errorsOnly") ?? false;
  const vars = optDoc("bulkWrite", body, "let");
  const wc = parseWriteConcern(body);
  const sync = wc.sync || ctx.syncOnCommit;
  const totals: Totals = { nErrors: 0, nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0 };
  const items: Doc[] = [];
  for (let i = 0; i < ops.length; i++) {
    const p = ops[i]!;
    const ns = namespaces[p.ns]!;
    try {
      const r = runOp(withDb(ctx, ns.db), p, ns.coll, vars, sync, totals);
      if (!errorsOnly) items.push({ ok: r["ok"], idx: i, ...r });
    } catch (e) {
      totals.nErrors++;
      items.push({ ...errorItem(ctx, e, p.kind), idx: i });
      if (ordered) break;
    }
  }
  const shaped = items.map(({ ok, idx, ...rest }) => ({ ok, idx, ...rest }));
  return {
    cursor: { id: Long.ZERO, firstBatch: shaped, ns: "admin.$cmd.bulkWrite" },
    ...totals,
    ok: 1,
  };
}

export const bulkWrite: LegacyCommandSpec = {
  name: "bulkWrite",
  help: "multi-namespace batch of inserts, updates and deletes (8.0): {bulkWrite: 1, ops, nsInfo, ordered}",
  auth: "update",
  fields: {
    ops: "optional",
    nsInfo: "optional",
    ordered: "optional",
    errorsOnly: "optional",
    bypassDocumentValidation: "ignored",
    let: "optional",
    cursor: "ignored",
    bypassEmptyTsReplacement: "ignored",
    rawData: "ignored",
  },
  run,
};
