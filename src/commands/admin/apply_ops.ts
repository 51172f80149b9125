/**
 * applyOps: replays oplog entries (what `mongorestore --oplogReplay` sends, and a transaction's own
 * entry shape). Each op is parsed up front into the command that performs it — `i` as an upsert of
 * the whole document (replay is idempotent, as mongod's oplog application), `u` as a replacement or
 * the current document with its `$v: 2` diff applied (logged as that diff, as mongod), `d` as a delete
 * by `_id`, `c` as the DDL command it logs (create, drop, createIndexes, dropIndexes, collMod,
 * renameCollection, dropDatabase, nested applyOps), `n` as nothing — then run in order. Replies
 * `{applied, results}`; the first failure stops the run with that op's error.
 * `alwaysUpsert: false`: a `u` replacement of a missing document fails (218 UpdateOperationFailed)
 * instead of inserting it (the default, as mongod). `preCondition: [{ns, q, res}]` is checked first, as
 * mongod checks it: the first document `q` finds in `ns` (`{}` when none) must match the query `res`,
 * else nothing is applied and the reply is 2 BadValue "preCondition failed" with `got` and `whatFailed`.
 */
import { CommandError } from "../../errors/command_error.ts";
import { decodeDocument } from "../../bson/decode.ts";
import { isPlainDoc } from "../../bson/type_name.ts";
import { applyDiff } from "../../oplog/mod.ts";
import { QuerySource } from "../../executor/query.ts";
import { deriveContext, type RequestContext } from "../context.ts";
import { type AnyCommandSpec, defineCommand, type Doc, type ParseInput, type Reply } from "../spec.ts";
import { array, bool, ignored, optional, type Parsed, parseShape } from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { compileFilter } from "../../engine/mod.ts";
import { type UpdateParams, withOplogDiff } from "../crud/update.ts";

const FIELDS = {
  applyOps: optional(array),
  allowAtomic: ignored,
  alwaysUpsert: optional(bool),
  oplogApplicationMode: ignored,
  preCondition: optional(array),
  bypassDocumentValidation: optional(bool),
} as const;

/** One op, ready to run: the command and its parsed params, or a diff to apply first. */
interface Step {
  readonly db: string;
  readonly spec: AnyCommandSpec;
  readonly params: unknown;
  /** For a `u` with a diff: the collection and _id whose current document the diff applies to. */
  readonly diff?: { readonly coll: string; readonly id: unknown; readonly diff: Doc };
  /** A `u` replacement with alwaysUpsert false: the document must exist (its _id). */
  readonly mustMatch?: { readonly id: unknown };
}

export type ApplyOpsParams = Parsed<typeof FIELDS> & { readonly steps: readonly Step[] };

function badOp(i: number, why: string): CommandError {
  return new CommandError("FailedToParse", `applyOps: op ${i} ${why}`);
}

function splitNs(ns: string): { db: string; coll: string } {
  const dot = ns.indexOf(".");
  return dot < 0 ? { db: ns, coll: "" } : { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

function command(input: ParseInput, db: string, body: Doc): { spec: AnyCommandSpec; params: unknown } {
  const name = Object.keys(body)[0]!;
  const spec = input.lookupCommand(name);
  if (!spec) throw new CommandError("CommandNotFound", `applyOps: no such command: '${name}'`);
  return { spec, params: spec.parse(body, { db, lookupCommand: input.lookupCommand }) };
}

/** The DDL command a `c` op logs, as a command body for that command's own parse. */
function ddlBody(o: Doc): Doc {
  if (typeof o["createIndexes"] === "string" && o["key"] !== undefined) {
    const { createIndexes, ...spec } = o;
    delete spec["v"];
    return { createIndexes, indexes: [spec] };
  }
  if (typeof o["dropIndexes"] === "string") return { dropIndexes: o["dropIndexes"], index: o["index"] };
  if (typeof o["create"] === "string") {
    const { idIndex: _, ...rest } = o;
    return rest;
  }
  return o;
}

function parseOps(ops: unknown[], input: ParseInput, steps: Step[], alwaysUpsert: boolean): void {
  ops.forEach((raw, i) => {
    if (!isPlainDoc(raw)) throw badOp(i, "is not an object");
    const op = raw["op"];
    const ns = raw["ns"];
    const o = raw["o"];
    if (typeof op !== "string") throw badOp(i, "has no 'op'");
    if (op === "n") return;
    if (typeof ns !== "string") throw badOp(i, "has no 'ns'");
    if (!isPlainDoc(o)) throw badOp(i, "has no 'o' object");
    const { db, coll } = splitNs(ns);
    switch (op) {
      case "i":
        steps.push({
          db,
          ...command(input, db, {
            update: coll,
            updates: [{ q: { _id: o["_id"] }, u: o, upsert: true }],
          }),
        });
        return;
      case "u": {
        const o2 = raw["o2"];
        const id = isPlainDoc(o2) ? o2["_id"] : o["_id"];
        if (id === undefined) throw badOp(i, "(update) has no o2._id");
        if (o["$v"] === 2 && isPlainDoc(o["diff"])) {
          steps.push({
            db,
            ...command(input, db, { update: coll, updates: [{ q: { _id: id }, u: { _id: id } }] }),
            diff: { coll, id, diff: o["diff"] },
          });
        } else {
          steps.push({
            db,
            ...command(input, db, {
              update: coll,
              updates: [{ q: { _id: id }, u: o, upsert: alwaysUpsert }],
            }),
            ...(alwaysUpsert ? {} : { mustMatch: { id } }),
          });
        }
        return;
      }
      case "d":
        steps.push({
          db,
          ...command(input, db, { delete: coll, deletes: [{ q: { _id: o["_id"] }, limit: 1 }] }),
        });
        return;
      case "c":
        if (Array.isArray(o["applyOps"])) return parseOps(o["applyOps"], input, steps, alwaysUpsert);
        if (typeof o["renameCollection"] === "string") {
          steps.push({ db: "admin", ...command(input, "admin", o) });
          return;
        }
        steps.push({ db, ...command(input, db, ddlBody(o)) });
        return;
      default:
        throw badOp(i, `has an unknown op type '${op}'`);
    }
  });
}

function parse(body: Doc, input: ParseInput): ApplyOpsParams {
  const p = parseShape("applyOps", body, FIELDS, { skip: "applyOps", alsoAccept: GENERIC_FIELDS });
  const ops = body["applyOps"];
  if (!Array.isArray(ops)) {
    throw new CommandError("FailedToParse", "ApplyOps command must specify an array of operations");
  }
  for (const c of p.preCondition ?? []) {
    if (!isPlainDoc(c)) throw new CommandError("BadValue", "applyOps: each preCondition must be an object");
    if (typeof c["ns"] !== "string") {
      throw new CommandError("InvalidNamespace", "ns in preCondition must be a string");
    }
    if (!isPlainDoc(c["q"]) || !isPlainDoc(c["res"])) {
      throw new CommandError("BadValue", "applyOps: a preCondition needs the objects 'q' and 'res'");
    }
  }
  const steps: Step[] = [];
  parseOps(ops, input, steps, p.alwaysUpsert ?? true);
  return { ...p, steps };
}

/** The current version of a document by _id (for a diff), or null. */
function current(ctx: RequestContext, db: string, coll: string, id: unknown): Doc | null {
  const entry = ctx.storage.catalog.getCollection(db, coll);
  if (!entry) return null;
  const q = new QuerySource(ctx.storage, entry, compileQuery({ filter: { _id: id } }, entry));
  try {
    return q.nextDocs(1).docs[0] ?? null;
  } finally {
    q.close();
  }
}

function failure(reply: Reply): CommandError | undefined {
  const doc = reply instanceof Uint8Array ? decodeDocument(reply) : reply as Doc;
  const errors = doc["writeErrors"];
  if (Array.isArray(errors) && isPlainDoc(errors[0])) {
    const e = errors[0];
    return new CommandError(Number(e["code"]), String(e["errmsg"]));
  }
  return undefined;
}

/** Throws 2 BadValue "preCondition failed" (with `got` and `whatFailed`) for the first condition not met. */
function checkPreconditions(ctx: RequestContext<ApplyOpsParams>): void {
  for (const c of ctx.params.preCondition ?? []) {
    const cond = c as Doc;
    const { db, coll } = splitNs(cond["ns"] as string);
    const entry = ctx.storage.catalog.getCollection(db, coll);
    let got: Doc = {};
    if (entry) {
      const q = new QuerySource(ctx.storage, entry, compileQuery({ filter: cond["q"] as Doc }, entry));
      try {
        got = q.nextDocs(1).docs[0] ?? {};
      } finally {
        q.close();
      }
    }
    if (!compileFilter(cond["res"] as Doc).matches(got)) {
      throw new CommandError("BadValue", "preCondition failed", { got, whatFailed: cond });
    }
  }
}

/** The documents an update reply says it matched (`n`). */
function matched(reply: Reply): number {
  const doc = reply instanceof Uint8Array ? decodeDocument(reply) : reply as Doc;
  return Number(doc["n"] ?? 0);
}

async function run(ctx: RequestContext<ApplyOpsParams>): Promise<Doc> {
  checkPreconditions(ctx);
  const results: boolean[] = [];
  for (const step of ctx.params.steps) {
    let params = step.params;
    if (step.diff) {
      const doc = current(ctx, step.db, step.diff.coll, step.diff.id);
      if (!doc) {
        throw new CommandError(
          "NoSuchKey",
          `applyOps: cannot apply an update diff to a missing document {_id: ${
            JSON.stringify(step.diff.id)
          }}`,
        );
      }
      const next = applyDiff(doc, step.diff.diff);
      // the result replaces the document, and is logged as the same diff (mongod's delta update)
      params = withOplogDiff(
        step.spec.parse(
          { update: step.diff.coll, updates: [{ q: { _id: step.diff.id }, u: next }] },
          { db: step.db, lookupCommand: () => undefined },
        ) as UpdateParams,
        step.diff.diff,
      );
    }
    const reply = await step.spec.run(deriveContext(ctx, { db: step.db, command: step.spec.name, params }));
    const bad = failure(reply);
    if (bad) throw bad;
    if (step.mustMatch && matched(reply) === 0) {
      throw new CommandError(
        "UpdateOperationFailed",
        `applyOps: no document {_id: ${JSON.stringify(step.mustMatch.id)}} to update (alwaysUpsert: false)`,
      );
    }
    results.push(true);
  }
  return { applied: results.length, results, ok: 1 };
}

export const applyOps = defineCommand<ApplyOpsParams>({
  name: "applyOps",
  help: "replays oplog entries: {applyOps: [{op, ns, o, o2}, …]}",
  auth: "applyOps",
  parse,
  run,
});
