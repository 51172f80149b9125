/**
 * update_params.ts — the update command's parameters: its statements (`q`, `u`, `upsert`, `multi`,
 * `arrayFilters`, `collation`, `hint`, `sort`, `c`) and batch fields, parsed before anything runs
 * (update.ts runs them; findAndModify and bulkWrite read their update document with
 * `updateModification`).
 */
import type { Doc } from "../spec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { collectionName } from "../params/names.ts";
import {
  array,
  bool,
  doc,
  ignored,
  indexHint,
  optional,
  type Parsed,
  parseShape,
  type Reader,
  required,
} from "../params/schema.ts";
import { unknownField } from "../params/errors.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { BATCH_FIELDS, nullAsMissing, statementList } from "../write/write_batch.ts";
import { compatAtLeast } from "../shared/server_version.ts";
import { checkStageNames } from "../../engine/mod.ts";

export interface UpdateStatement {
  readonly q: Doc;
  readonly u: Doc | Doc[];
  readonly upsert: boolean;
  readonly multi: boolean;
  readonly arrayFilters?: Doc[] | undefined;
  readonly sort?: Doc | undefined;
  readonly hint?: unknown;
  readonly collation?: Doc | undefined;
  /** The command's `let` variables. */
  readonly variables?: Doc | undefined;
  /** The statement's `c`: constants of a pipeline update, as `$$name` (51198 on any other update). */
  readonly constants?: Doc | undefined;
  /** Skip the collection's document validator (the command's bypassDocumentValidation). */
  readonly bypassDocumentValidation?: boolean | undefined;
  /**
   * applyOps only (never parsed from a request): the replacement replays a `$v: 2` entry and is
   * logged with that entry's diff, as mongod's delta update logs the diff it applied.
   */
  readonly oplogDiff?: Doc | undefined;
}

/** `u` / `update` / `updateMods`: a modifier or replacement document, or a pipeline (9 FailedToParse). */
export const updateModification: Reader<Doc | Doc[]> = (v) => {
  if (typeof v !== "object" || v === null) {
    throw new CommandError("FailedToParse", "Update argument must be either an object or an array");
  }
  // a pipeline's stage names are checked when the command is parsed: an unknown one fails the whole
  // command (40324), as on mongod; what a known stage may do in an update is the statement's error
  if (Array.isArray(v)) checkStageNames(v);
  return v as Doc | Doc[];
};

/** The fields of one `updates` entry (mongod's UpdateOpEntry). */
const STATEMENT_FIELDS = {
  q: required(nullAsMissing(doc)),
  u: required(updateModification),
  c: optional(doc),
  upsert: optional(bool),
  upsertSupplied: ignored,
  multi: optional(bool),
  arrayFilters: optional(array),
  collation: optional(doc),
  hint: optional(indexHint),
  sort: optional(doc),
} as const;

type StatementFields = Parsed<typeof STATEMENT_FIELDS>;

/**
 * Reads one update statement (path `update.updates`). `sort` (updateOne/replaceOne ordering) exists
 * from MongoDB 8.0: on an older reported release it is an unknown field, as there.
 */
export function updateStatement(allowSort = compatAtLeast(8)): Reader<UpdateStatement> {
  return (v, path) => {
    const raw = doc(v, path);
    if (!allowSort && "sort" in raw) throw unknownField(`${path}.sort`);
    const s: StatementFields = parseShape(path, raw, STATEMENT_FIELDS);
    const multi = s.multi ?? false;
    if (multi && raw["sort"] !== undefined) {
      throw new CommandError("FailedToParse", "Cannot specify sort with multi=true");
    }
    return {
      q: s.q,
      u: s.u,
      upsert: s.upsert ?? false,
      multi,
      arrayFilters: s.arrayFilters as Doc[] | undefined,
      sort: s.sort,
      hint: s.hint,
      collation: s.collation,
      ...(s.c !== undefined ? { constants: s.c } : {}),
    };
  };
}

const FIELDS = {
  updates: required(statementList(updateStatement())),
  ...BATCH_FIELDS,
  bypassDocumentValidation: optional(bool),
  /** Accepted (SERVER-88750); updates store a Timestamp(0, 0) as sent here either way. */
  bypassEmptyTsReplacement: ignored,
} as const;

export type UpdateParams = Parsed<typeof FIELDS> & { readonly collection: string };

export function parseUpdate(body: Doc): UpdateParams {
  // (parseShape's result is a fresh object: the collection is added to it, not spread into a copy)
  const p = parseShape("update", body, FIELDS, { skip: "update", alsoAccept: GENERIC_FIELDS }) as
    & Parsed<typeof FIELDS>
    & { collection?: string };
  p.collection = collectionName("update", body);
  return p as UpdateParams;
}

/** applyOps: a parsed update whose replacement replays a `$v: 2` entry, to be logged with `diff`. */
export function withOplogDiff(p: UpdateParams, diff: Doc): UpdateParams {
  return { ...p, updates: p.updates.map((st) => ({ ...st, oplogDiff: diff })) };
}
