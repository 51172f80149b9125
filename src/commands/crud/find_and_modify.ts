/**
 * findAndModify: updates, replaces or removes ONE document (the first by `sort`) and returns it,
 * before or after the change (`new`), projected by `fields`. Options as mongod: query, sort, remove,
 * update (document or pipeline), new, fields, upsert, arrayFilters, collation, hint, let,
 * bypassDocumentValidation, writeConcern. Reply: `{lastErrorObject: {n, updatedExisting?, upserted?},
 * value, ok}`. Errors are command errors (never writeErrors), with mongod's codes.
 */
import { CommandError } from "../../errors/command_error.ts";
import type { CommandContext } from "../context.ts";
import type { Doc, LegacyCommandSpec } from "../spec.ts";
import { collectionName, optArray, optBool, optDoc, typeName } from "../params/readers.ts";
import { parseWriteConcern } from "../params/write_concern.ts";
import { compileProjection } from "../../engine/mod.ts";
import { applyDelete } from "./delete.ts";
import { applyUpdate } from "./update.ts";
import { legacyExplainShape } from "../shared/legacy_explain.ts";

const CMD = "findAndModify";

interface FamRequest {
  query: Doc;
  sort: Doc | undefined;
  remove: boolean;
  update: Doc | Doc[] | undefined;
  returnNew: boolean;
  fields: Doc | undefined;
  upsert: boolean;
  arrayFilters: Doc[] | undefined;
  collation: Doc | undefined;
  hint: unknown;
}

function parse(body: Doc): FamRequest {
  const update = body["update"];
  if (update !== undefined && (update === null || typeof update !== "object")) {
    throw new CommandError(
      "FailedToParse",
      "Update argument must be either an object or an array",
    );
  }
  const req: FamRequest = {
    query: optDoc(CMD, body, "query") ?? {},
    sort: optDoc(CMD, body, "sort"),
    remove: optBool(CMD, body, "remove") ?? false,
    update: update as Doc | Doc[] | undefined,
    returnNew: optBool(CMD, body, "new") ?? false,
    fields: optDoc(CMD, body, "fields"),
    upsert: optBool(CMD, body, "upsert") ?? false,
    arrayFilters: optArray(CMD, body, "arrayFilters") as Doc[] | undefined,
    collation: optDoc(CMD, body, "collation"),
    hint: body["hint"],
  };
  if (req.hint !== undefined && typeof req.hint !== "string" && typeName(req.hint) !== "object") {
    throw new CommandError(
      "FailedToParse",
      "Hint must be either a string or nested object",
    );
  }
  if (req.remove) {
    if (req.update !== undefined) {
      throw new CommandError("FailedToParse", "Cannot specify both an update and remove=true");
    }
    if (req.upsert) {
      throw new CommandError("FailedToParse", "Cannot specify both upsert=true and remove=true ");
    }
    if (req.returnNew) {
      throw new CommandError(
        "FailedToParse",
        "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
      );
    }
    if (req.arrayFilters !== undefined) {
      throw new CommandError("FailedToParse", "Cannot specify arrayFilters and remove=true");
    }
  } else if (req.update === undefined) {
    throw new CommandError("FailedToParse", "Either an update or remove=true must be specified");
  }
  return req;
}

function run(ctx: CommandContext, body: Doc): Doc {
  const name = collectionName(CMD, body);
  const req = parse(body);
  const wc = parseWriteConcern(body);
  const sync = wc.sync || ctx.syncOnCommit;
  const projection = req.fields && Object.keys(req.fields).length > 0 ? compileProjection(req.fields) : null;
  const shape = (d: Doc | undefined): Doc | null => (d ? (projection ? projection.apply(d) : d) : null);
  if (req.remove) {
    ctx.counters.opcounters.delete++;
    const rows = applyDelete(ctx, name, {
      q: req.query,
      multi: false,
      sort: req.sort,
      hint: req.hint,
      collation: req.collation,
      variables: optDoc(CMD, body, "let"),
    }, sync);
    const first = rows[0];
    return { lastErrorObject: { n: rows.length }, value: shape(first?.doc), ok: 1 };
  }
  ctx.counters.opcounters.update++;
  const r = applyUpdate(ctx, name, {
    q: req.query,
    u: req.update as Doc | Doc[],
    upsert: req.upsert,
    multi: false,
    arrayFilters: req.arrayFilters,
    sort: req.sort,
    hint: req.hint,
    collation: req.collation,
    variables: optDoc(CMD, body, "let"),
  }, sync);
  const upserted = r.upsertedId !== undefined;
  const lastErrorObject: Doc = {
    n: upserted ? 1 : r.matched,
    updatedExisting: !upserted && r.matched > 0,
  };
  if (upserted) lastErrorObject["upserted"] = r.upsertedId;
  const value = req.returnNew ? r.after : upserted ? undefined : r.before;
  return { lastErrorObject, value: shape(value), ok: 1 };
}

export const findAndModify: LegacyCommandSpec = {
  explain: legacyExplainShape,
  name: "findAndModify",
  aliases: ["findandmodify"],
  help: "updates or removes one document and returns it: {findAndModify: <coll>, query, sort, " +
    "update | remove, new, fields, upsert, arrayFilters, collation, hint}",
  auth: "update",
  fields: {
    query: "optional",
    sort: "optional",
    remove: "optional",
    update: "optional",
    new: "optional",
    fields: "optional",
    upsert: "optional",
    arrayFilters: "optional",
    collation: "optional",
    hint: "optional",
    let: "optional",
    bypassDocumentValidation: "ignored",
    rawData: "ignored",
  },
  run,
};
