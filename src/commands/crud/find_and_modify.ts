/**
 * findAndModify: updates, replaces or removes ONE document (the first by `sort`) and returns it,
 * before or after the change (`new`), projected by `fields`. Options as mongod: query, sort, remove,
 * update (document or pipeline), new, fields, upsert, arrayFilters, collation, hint, let,
 * bypassDocumentValidation, writeConcern. Reply: `{lastErrorObject: {n, updatedExisting?, upserted?},
 * value, ok}`. Errors are command errors (never writeErrors), with mongod's codes.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { collectionName } from "../params/names.ts";
import { array, bool, doc, ignored, indexHint, optional, type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { sortKeyProjectionFields } from "../shared/compile_query.ts";
import { compileProjection } from "../../engine/mod.ts";
import { commitSync } from "../write/write_batch.ts";
import type { ExplainShape } from "../shared/explain_shape.ts";
import { applyDelete, type DeleteOutcome } from "./delete.ts";
import { retryOnConflict } from "../write/conflict_retry.ts";
import { afterOf, applyUpdate, updateModification, type UpdateOutcome } from "./update.ts";
import { findCollection, refuseUserWrite } from "../shared/namespace.ts";
import { jsHost } from "../../engine/js/host.ts";
import { evaluateAwaited } from "../../engine/aggregate/js_defer.ts";
import { statementJsParts } from "../write/js_rounds.ts";
import { refuseCappedInTransaction } from "../write/capped_in_transaction.ts";
import { refuseTimeseriesInTransaction } from "../shared/timeseries.ts";

const CMD = "findAndModify";

const FIELDS = {
  query: optional(doc),
  sort: optional(doc),
  remove: optional(bool),
  update: optional(updateModification),
  new: optional(bool),
  fields: optional(doc),
  upsert: optional(bool),
  arrayFilters: optional(array),
  collation: optional(doc),
  hint: optional(indexHint),
  let: optional(doc),
  bypassDocumentValidation: optional(bool),
  /** Accepted (SERVER-88750); updates store a Timestamp(0, 0) as sent here either way. */
  bypassEmptyTsReplacement: ignored,
  rawData: ignored,
} as const;

export type FindAndModifyParams = Parsed<typeof FIELDS> & { readonly collection: string };

/** Parses findAndModify; `remove` excludes update/upsert/new/arrayFilters, and one of the two is needed. */
export function parseFindAndModify(body: Doc): FindAndModifyParams {
  const p: FindAndModifyParams = {
    ...parseShape(CMD, body, FIELDS, { skip: commandKey(body), alsoAccept: GENERIC_FIELDS }),
    collection: collectionName(CMD, body),
  };
  // An explicit null update or hint is refused (the schema reads an optional null as absent).
  if (body["update"] === null) updateModification(null, `${CMD}.update`);
  if (body["hint"] === null) indexHint(null, `${CMD}.hint`);
  if (p.fields && sortKeyProjectionFields(p.fields).length > 0) {
    throw new CommandError("BadValue", "Cannot use a $meta sortKey projection in findAndModify commands.");
  }
  if (p.remove) {
    if (p.update !== undefined) {
      throw new CommandError("FailedToParse", "Cannot specify both an update and remove=true");
    }
    if (p.upsert) {
      throw new CommandError("FailedToParse", "Cannot specify both upsert=true and remove=true ");
    }
    if (p.new) {
      throw new CommandError(
        "FailedToParse",
        "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
      );
    }
    if (p.arrayFilters !== undefined) {
      throw new CommandError("FailedToParse", "Cannot specify arrayFilters and remove=true");
    }
  } else if (p.update === undefined) {
    throw new CommandError("FailedToParse", "Either an update or remove=true must be specified");
  }
  return p;
}

/** The command key as sent (`findAndModify` or the lower-case alias). */
function commandKey(body: Doc): string {
  return Object.keys(body)[0] ?? CMD;
}

async function run(ctx: RequestContext<FindAndModifyParams>): Promise<Doc> {
  const p = ctx.params;
  const name = p.collection;
  const sync = commitSync(ctx);
  // `fields` may call `$function` (mongod 8.0 runs it): its calls run awaited, in rounds
  const host = p.fields && Object.keys(p.fields).length > 0
    ? jsHost(ctx.js, ctx.control, { deferrable: true })
    : undefined;
  const projection = host ? compileProjection(p.fields!, { js: host }) : null;
  const shape = async (d: Doc | undefined): Promise<Doc | null> =>
    d ? (projection ? await evaluateAwaited(host!.deferred!, () => projection.apply(d)) : d) : null;
  refuseUserWrite(ctx.db, name);
  refuseCappedInTransaction(ctx, findCollection(ctx, name), "write"); // 263 for the remove form too
  refuseTimeseriesInTransaction(ctx, findCollection(ctx, name), p.remove ? "delete" : "update");
  const js = await statementJsParts(
    ctx,
    findCollection(ctx, name),
    { filter: p.query, update: p.update, collation: p.collation },
    p.let,
    p.sort ? undefined : 1,
  );
  // A retryable findAndModify without a projection knows its reply inside its write transaction: it
  // is recorded there (`replyOnCommit`) and returned as that same object when that transaction is
  // the command's last committed one (`slot.committed`).
  const slot = projection === null ? ctx.retryReply : undefined;
  let predicted: Doc | undefined;
  const predict = slot && ((reply: Doc) => slot.replyOnCommit(predicted = reply));
  if (p.remove) {
    ctx.counters.opcounters.delete++;
    const rows = await retryOnConflict(ctx, () =>
      applyDelete(
        ctx,
        name,
        {
          q: p.query ?? {},
          multi: false,
          sort: p.sort,
          hint: p.hint,
          collation: p.collation,
          variables: p.let,
        },
        sync,
        js,
        predict && ((o) => predict(removeReply(o, o.first ?? null))),
      ));
    if (predicted !== undefined && slot?.committed === predicted) return predicted;
    return removeReply(rows, await shape(rows.first));
  }
  ctx.counters.opcounters.update++;
  const r = await retryOnConflict(ctx, () =>
    applyUpdate(
      ctx,
      name,
      {
        q: p.query ?? {},
        u: p.update!,
        upsert: p.upsert ?? false,
        multi: false,
        arrayFilters: p.arrayFilters as Doc[] | undefined,
        sort: p.sort,
        hint: p.hint,
        collation: p.collation,
        variables: p.let,
        bypassDocumentValidation: p.bypassDocumentValidation,
      },
      sync,
      js,
      predict && ((o) => predict(updateReply(o, valueOf(o, p.new ?? false) ?? null))),
    ));
  if (predicted !== undefined && slot?.committed === predicted) return predicted;
  return updateReply(r, await shape(valueOf(r, p.new ?? false)));
}

/** The reply of the remove form; `value` the removed document as returned (projected). */
function removeReply(o: DeleteOutcome, value: Doc | null): Doc {
  return { lastErrorObject: { n: o.n }, value, ok: 1 };
}

/** The document the update form returns, before projection (`new`: after the update). */
function valueOf(r: UpdateOutcome, returnNew: boolean): Doc | undefined {
  return returnNew ? afterOf(r) : r.upsertedId !== undefined ? undefined : r.beforeRow?.doc;
}

/** The reply of the update form; `value` the document as returned (projected). */
function updateReply(r: UpdateOutcome, value: Doc | null): Doc {
  const upserted = r.upsertedId !== undefined;
  const lastErrorObject: Doc = {
    n: upserted ? 1 : r.matched,
    updatedExisting: !upserted && r.matched > 0,
  };
  if (upserted) lastErrorObject["upserted"] = r.upsertedId;
  return { lastErrorObject, value, ok: 1 };
}

function explain(p: FindAndModifyParams): ExplainShape {
  return {
    coll: p.collection,
    parts: {
      filter: p.query,
      sort: p.sort,
      hint: p.hint,
      limit: 1,
      collation: p.collation,
      variables: p.let,
    },
    wrap: p.remove ? "DELETE" : "UPDATE",
  };
}

export const findAndModify = defineCommand<FindAndModifyParams>({
  name: "findAndModify",
  aliases: ["findandmodify"],
  help: "updates or removes one document and returns it: {findAndModify: <coll>, query, sort, " +
    "update | remove, new, fields, upsert, arrayFilters, collation, hint}",
  auth: "update",
  parse: parseFindAndModify,
  run,
  explain,
});
