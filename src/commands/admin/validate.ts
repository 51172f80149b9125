/**
 * validate: checks a collection's record store against every index, in one snapshot: every record
 * must be valid BSON; every index entry must point at a record that produces exactly that key, and
 * every key a record produces must be in its index. Reports mongod's fields (nrecords, nIndexes,
 * keysPerIndex, indexDetails, valid, errors, warnings, extraIndexEntries, missingIndexEntries,
 * corruptRecords, nInvalidDocuments). `repair` is refused (this build cannot rebuild in place: drop
 * and recreate the index); `full`, `background`, `metadata`, `checkBSONConformance` are accepted.
 * The scan yields (docs/concurrency.md) and honours maxTimeMS/killOp.
 */
import { Binary } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { bool, ignored, optional, parseShape } from "../params/schema.ts";
import { collectionName } from "../params/names.ts";
import { compilePartialFilter } from "../../engine/mod.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { decode } from "../../executor/rows.ts";
import { findCollection } from "../shared/namespace.ts";
import { isNumeric, toNumber } from "../../bson/type_name.ts";

const FIELDS = {
  full: optional(bool),
  repair: optional(bool),
  background: optional(bool),
  metadata: optional(bool),
  checkBSONConformance: optional(bool),
  enforceFastCount: ignored,
  fixMultikey: ignored,
  scandata: ignored,
} as const;

export interface ValidateParams {
  readonly collection: string;
  readonly full: boolean;
}

const keyOpts = { compilePartialFilter };
/** At most this many problem entries are listed per kind (mongod caps its lists too). */
const LIST_MAX = 50;

function parse(body: Doc): ValidateParams {
  const p = parseShape("validate", body, FIELDS, { skip: "validate", alsoAccept: GENERIC_FIELDS });
  // (mongod's parseValidateOptions: a background validation reads a checkpoint, so it cannot be full)
  for (const other of ["full", "enforceFastCount"] as const) {
    if (p.background === true && truthy(body[other])) {
      throw new CommandError(
        "InvalidOptions",
        `Running the validate command with both { background: true } and { ${other}: true } is not supported.`,
      );
    }
  }
  if (p.repair === true) {
    throw new CommandError(
      "CommandNotSupported",
      "validate {repair: true} is not supported by this build; drop and recreate the index instead",
    );
  }
  return { collection: collectionName("validate", body), full: p.full ?? false };
}

function truthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && !(isNumeric(v) && toNumber(v) === 0);
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

async function run(ctx: RequestContext<ValidateParams>): Promise<Doc> {
  const ns = `${ctx.db}.${ctx.params.collection}`;
  ctx.opStats.ns = ns;
  const coll = findCollection(ctx, ctx.params.collection);
  if (!coll) throw new CommandError("NamespaceNotFound", `Collection '${ns}' does not exist to validate.`);
  const errors: string[] = [];
  const warnings: string[] = [];
  const corruptRecords: number[] = [];
  const extraIndexEntries: Doc[] = [];
  const missingIndexEntries: Doc[] = [];
  const expected = new Map<string, Set<string>>(coll.indexes.map((i) => [i.name, new Set<string>()]));
  // Entries without _id exist only in system.profile (mongod's capped collections without an _id index).
  const skipId = coll.name === "system.profile";
  let nrecords = 0;
  let nInvalid = 0;
  const ctl = ctx.control;
  const txn = ctx.storage.begin({ readOnly: true });
  try {
    for (const r of txn.scan(coll)) {
      nrecords++;
      if (ctl.dueNow()) await ctl.yieldNow();
      let keys;
      try {
        keys = indexKeysOf(coll, decode(r.bytes), keyOpts);
      } catch (e) {
        nInvalid++;
        if (corruptRecords.length < LIST_MAX) corruptRecords.push(Number(r.rid));
        errors.push(`record ${r.rid} is not a valid document: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      for (const [name, list] of keys) {
        if (skipId && name === "_id_") continue;
        const set = expected.get(name);
        if (set) { for (const k of list) set.add(`${hex(k)}:${r.rid}`); }
      }
    }
    const keysPerIndex: Doc = {};
    const indexDetails: Doc = {};
    for (const ix of coll.indexes) {
      const set = expected.get(ix.name)!;
      let n = 0;
      let valid = true;
      for (const hit of txn.scanIndex(coll, ix.name)) {
        n++;
        if (ctl.dueNow()) await ctl.yieldNow();
        const id = `${hex(hit.key)}:${hit.rid}`;
        if (set.delete(id)) continue;
        if (skipId && ix.name === "_id_") continue;
        valid = false;
        if (extraIndexEntries.length < LIST_MAX) {
          extraIndexEntries.push({
            indexName: ix.name,
            recordId: Number(hit.rid),
            indexKey: new Binary(hit.key),
          });
        }
      }
      for (const id of set) {
        valid = false;
        const [k, rid] = id.split(":");
        if (missingIndexEntries.length < LIST_MAX) {
          missingIndexEntries.push({
            indexName: ix.name,
            recordId: Number(rid),
            indexKey: new Binary(Uint8Array.from(k!.match(/../g) ?? [], (h) => parseInt(h, 16))),
          });
        }
      }
      keysPerIndex[ix.name] = n;
      indexDetails[ix.name] = { valid };
      if (!valid) errors.push(`index ${ix.name} does not match the record store (extra or missing entries)`);
    }
    if (nInvalid > 0) errors.push(`${nInvalid} invalid document(s) in ${ns}`);
    const count = txn.count(coll);
    if (count !== nrecords) warnings.push(`fast count ${count} differs from ${nrecords} records scanned`);
    return {
      ns,
      uuid: new Binary(coll.uuid, 4),
      nInvalidDocuments: nInvalid,
      nNonCompliantDocuments: nInvalid,
      nrecords,
      nIndexes: coll.indexes.length,
      keysPerIndex,
      indexDetails,
      valid: errors.length === 0,
      repaired: false,
      warnings,
      errors,
      extraIndexEntries,
      missingIndexEntries,
      corruptRecords,
      ok: 1,
    };
  } finally {
    txn.abort();
  }
}

export const validate = defineCommand<ValidateParams>({
  name: "validate",
  help: "checks a collection's records against every index",
  auth: "validate",
  parse,
  run,
});
