/**
 * delete: removes the documents each statement ({q, limit: 0 | 1, hint, collation}) matches, one
 * storage transaction per statement. Replies `{n, writeErrors?}`.
 */
import { readWriteBatch } from "../write/write_batch.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { collectionName, optDoc, optInt, typeName } from "../params/readers.ts";
import { findCollection } from "../shared/namespace.ts";
import { WriteErrors } from "../write/write_result.ts";
import { compileQueryWithLet } from "../shared/query_let.ts";
import { findTargets } from "../write/targets.ts";
import { indexKeysOf } from "../../executor/index_keys.ts";
import { compilePartialFilter } from "../../engine/mod.ts";
import type { Row } from "../../executor/rows.ts";
import { legacyExplainShape } from "../shared/legacy_explain.ts";

/** Index keys are computed with the query engine's partial-filter compiler. */
const keyOpts = { compilePartialFilter };

export interface DeleteStatement {
  readonly q: Doc;
  readonly multi: boolean;
  readonly sort?: Doc | undefined;
  readonly hint?: unknown;
  readonly collation?: Doc | undefined;
  /** The command's `let` variables. */
  readonly variables?: Doc | undefined;
}

/** Deletes the targets of one statement; returns the removed rows (findAndModify uses the first). */
export function applyDelete(
  ctx: CommandContext,
  collName: string,
  st: DeleteStatement,
  sync: boolean,
): Row[] {
  const coll = findCollection(ctx, collName);
  const q = compileQueryWithLet(
    { filter: st.q, sort: st.sort, hint: st.hint, collation: st.collation },
    coll,
    st.variables,
  );
  if (!coll) return [];
  return ctx.storage.write((txn) => {
    const targets = findTargets(txn, coll, q, st.multi);
    for (const row of targets) txn.remove(coll, row.rid, indexKeysOf(coll, row.doc, keyOpts));
    return targets;
  }, { sync });
}

function parseStatement(raw: unknown): DeleteStatement {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CommandError(
      "TypeMismatch",
      `BSON field 'delete.deletes' is the wrong type '${typeName(raw)}', expected type 'object'`,
    );
  }
  const s = raw as Doc;
  for (const k of Object.keys(s)) {
    if (!["q", "limit", "collation", "hint"].includes(k)) {
      throw new CommandError(40415, `BSON field 'delete.deletes.${k}' is an unknown field.`);
    }
  }
  const q = optDoc("delete.deletes", s, "q");
  if (q === undefined) {
    throw new CommandError(40414, "BSON field 'delete.deletes.q' is missing but a required field");
  }
  const limit = optInt("delete.deletes", s, "limit");
  if (limit === undefined) {
    throw new CommandError(40414, "BSON field 'delete.deletes.limit' is missing but a required field");
  }
  if (limit !== 0 && limit !== 1) {
    throw new CommandError("FailedToParse", `The limit field in delete objects must be 0 or 1. Got ${limit}`);
  }
  return { q, multi: limit === 0, hint: s["hint"], collation: optDoc("delete.deletes", s, "collation") };
}

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName("delete", body);
  const { statements: deletes, ordered, variables, sync } = readWriteBatch(ctx, "delete", body, "deletes");
  const errors = new WriteErrors();
  let n = 0;
  // Statement syntax is checked for the whole batch first (an IDL error fails the command, as mongod).
  const statements = deletes.map(parseStatement);
  for (let i = 0; i < statements.length; i++) {
    ctx.counters.opcounters.delete++;
    try {
      n += applyDelete(ctx, name, { ...statements[i]!, variables }, sync).length;
    } catch (e) {
      errors.add(i, e, (m) => ctx.log.error(m));
      if (ordered) break;
    }
  }
  return errors.into({ n, ok: 1 });
}

export const del: LegacyCommandSpec = {
  explain: legacyExplainShape,
  name: "delete",
  help: "deletes documents: {delete: <coll>, deletes: [{q, limit: 0|1}], ordered}",
  auth: "remove",
  fields: { deletes: "optional", ordered: "optional", let: "optional" },
  run,
};
