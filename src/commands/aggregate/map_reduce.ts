/**
 * mapReduce (deprecated on mongod, still served by 8.0): `map` runs for every document matching
 * `query` (after `sort`, up to `limit`) with `this` = the document and `emit(key, value)`; values of
 * a key emitted more than once are folded by `reduce(key, values)`, then `finalize(key, value)` if
 * given; `scope` holds global variables for all three. Output `{inline: 1}` answers `{results: [{_id,
 * value}]}` (16 MiB at most); a collection name or `{replace|merge|reduce: coll, db?}` writes
 * `{_id, value}` documents there (replace the collection, overwrite by `_id`, or fold with the
 * existing value by `reduce` then `finalize`) and answers `{result: coll}` (`{result: {db,
 * collection}}` with `db`). Every function runs on the JavaScript sandbox's batch lane
 * (engine/js/), in batches, so the event loop keeps serving; `maxTimeMS` bounds each call. With
 * JavaScript disabled the command is refused with mongod's 31246. mongod 8.0 no longer reports
 * `counts`/`timeMillis`; nor do we.
 */
import { compareValues, valuesEqual } from "../../bson/compare.ts";
import { valueKey } from "../../engine/aggregate/group_key.ts";
import { makeStringComparator } from "../../engine/collation/collation.ts";
import { BSON } from "bson";
import { decodeDocument } from "../../bson/decode.ts";
import { fromSandbox, toSandbox } from "../../engine/js/codec.ts";
import { CommandError } from "../../errors/command_error.ts";
import { Location } from "../../errors/locations.ts";
import { QuerySource } from "../../executor/query.ts";
import { LIMITS } from "../../limits.ts";
import { deriveContext, type RequestContext } from "../context.ts";
import {
  any,
  bool,
  count,
  doc,
  ignored,
  optional,
  type Parsed,
  parseShape,
  required,
} from "../params/schema.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { collectionName } from "../params/names.ts";
import type { Doc } from "../reply.ts";
import { compileQuery } from "../shared/compile_query.ts";
import { findCollection } from "../shared/namespace.ts";
import { jsQueryParts, prefetchWhere } from "../shared/where.ts";
import { defineCommand } from "../spec.ts";
import { runWriteStage } from "./out_merge.ts";

const FIELDS = {
  map: required(any),
  reduce: required(any),
  out: required(any),
  query: optional(doc),
  sort: optional(doc),
  limit: optional(count),
  finalize: optional(any),
  scope: optional(doc),
  collation: optional(doc),
  jsMode: ignored,
  verbose: optional(bool),
  bypassDocumentValidation: optional(bool),
} as const;

export type MapReduceParams = Parsed<typeof FIELDS> & { readonly collection: string };

type Out =
  | { readonly mode: "inline" }
  | { readonly mode: "replace" | "merge" | "reduce"; readonly db: string | undefined; readonly coll: string };

function jsSource(field: string, v: unknown): string {
  if (typeof v === "string") return v;
  const code = v as { _bsontype?: string; code?: unknown };
  if (code?._bsontype === "Code" && typeof code.code === "string") return code.code;
  throw new CommandError(
    "TypeMismatch",
    `BSON field 'MapReduce.${field}' is the wrong type, expected type javascript`,
  );
}

function parseOut(v: unknown): Out {
  if (typeof v === "string") return { mode: "replace", db: undefined, coll: v };
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new CommandError("BadValue", "'out' has to be a string or an object");
  }
  const o = v as Doc;
  const first = Object.keys(o)[0];
  if (first === "inline") return { mode: "inline" };
  if (first === "replace" || first === "merge" || first === "reduce") {
    const coll = o[first];
    if (typeof coll !== "string" || coll === "") {
      throw new CommandError("BadValue", `'out.${first}' must be a non-empty collection name`);
    }
    const db = o["db"];
    if (db !== undefined && typeof db !== "string") {
      throw new CommandError("BadValue", "'out.db' must be a string");
    }
    if (o["sharded"] === true) {
      throw new CommandError(
        "InvalidOptions",
        "sharded output is not supported: SecantusDB is a single node",
      );
    }
    return { mode: first, db, coll };
  }
  throw new CommandError("BadValue", "'out' must be {inline: 1} or {replace|merge|reduce: <collection>}");
}

export function parseMapReduce(body: Doc): MapReduceParams {
  const name = body["mapReduce"] !== undefined ? "mapReduce" : "mapreduce";
  const p = parseShape(name, body, FIELDS, { skip: name, alsoAccept: GENERIC_FIELDS });
  jsSource("map", p.map);
  jsSource("reduce", p.reduce);
  if (p.finalize !== undefined) jsSource("finalize", p.finalize);
  parseOut(p.out);
  return { ...p, collection: collectionName(name, body) };
}

interface Group {
  /** The first emitted key of the group, as the sandbox sent it (the wire form). */
  readonly key: unknown;
  /** The same key as a BSON value (the result's `_id`). */
  readonly id: unknown;
  /** Emitted values (wire form) and their approximate sizes, in emit order. */
  values: unknown[];
  sizes: number[];
}

/** mongod's BSONObjMaxUserSize: one reduce call's key + values stay under it. */
const REDUCE_CALL_BYTES = 16 * 1024 * 1024;

/**
 * The values of one reduce call, mongod 8.0's way (`$_internalJsReduce`): taken from the last
 * emitted backwards while key + values fit `REDUCE_CALL_BYTES`. Returns how many values stay for
 * the next round (0: this call is the last); a single value past the limit is 31392.
 */
function nextReduceCall(g: Group, keySize: number): { values: unknown[]; left: number } {
  const values: unknown[] = [];
  let bytes = 0;
  let left = g.values.length;
  for (; left > 0; left--) {
    const size = g.sizes[left - 1] as number;
    if (bytes + keySize + size > REDUCE_CALL_BYTES) {
      if (g.values.length - left <= 1) {
        throw new CommandError(Location.MapReduceValueTooLarge, "Value too large to reduce");
      }
      break;
    }
    bytes += size;
    values.push(g.values[left - 1]);
  }
  return { values, left };
}

async function run(ctx: RequestContext<MapReduceParams>): Promise<Doc> {
  const p = ctx.params;
  if (!ctx.js.enabled) {
    throw new CommandError(
      Location.JsEmitNoScriptEngine,
      "Cannot run server-side javascript without the javascript engine enabled",
    );
  }
  const out = parseOut(p.out);
  const map = jsSource("map", p.map);
  const reduce = jsSource("reduce", p.reduce);
  const finalize = p.finalize === undefined ? undefined : jsSource("finalize", p.finalize);
  const scope = p.scope ? toSandbox(p.scope) as Doc : undefined;
  const token = ctx.js.newToken();
  const opts = { deadline: ctx.deadline, signal: ctx.control.signal };
  const call = async (fn: string, argLists: unknown[][]): Promise<unknown[]> =>
    argLists.length === 0
      ? []
      : await ctx.js.run({ kind: "call", fn, items: argLists.map((args) => ({ args })), scope, token }, opts);

  // map; emitted keys are grouped by BSON value as mongod's $group does (1, 1.0 and NumberLong(1)
  // are one key; under a non-simple collation strings compare by it)
  const groups = new Map<string, Group>();
  const strCmp = makeStringComparator(p.collation);
  const groupOf = (k: unknown): Group | undefined => {
    if (!strCmp) return groups.get(valueKey(fromSandbox(k) ?? null));
    const id = fromSandbox(k) ?? null;
    for (const g of groups.values()) if (valuesEqual(g.id, id, strCmp)) return g;
    return undefined;
  };
  const coll = findCollection(ctx, p.collection);
  ctx.opStats.ns = `${ctx.db}.${p.collection}`;
  if (coll) {
    const js = jsQueryParts(ctx);
    const q = compileQuery(
      {
        filter: p.query,
        sort: p.sort,
        limit: p.limit,
        collation: p.collation,
        ...js,
      },
      coll,
      { noTableScan: ctx.tableScans.refused },
    );
    await prefetchWhere(ctx, coll, p.query, p.collation, js.where);
    const source = new QuerySource(ctx.storage, coll, q);
    let emittedBytes = 0;
    try {
      for (;;) {
        const { docs, done } = await source.nextDocsAsync(256, ctx.control);
        if (docs.length > 0) {
          const emitted = await ctx.js.run({
            kind: "map",
            fn: map,
            items: docs.map((d) => toSandbox(d)),
            scope,
            token,
          }, opts);
          for (const list of emitted as [unknown, unknown][][]) {
            for (const [k, v] of list) {
              const size = JSON.stringify(v)?.length ?? 4;
              emittedBytes += (JSON.stringify(k)?.length ?? 4) + size;
              if (emittedBytes > ctx.queryMemoryLimitBytes) {
                throw new CommandError(
                  "ExceededMemoryLimit",
                  `mapReduce emitted more than ${ctx.queryMemoryLimitBytes} bytes ([server] query_memory_limit)`,
                );
              }
              const g = groupOf(k);
              if (g) {
                g.values.push(v);
                g.sizes.push(size);
              } else {
                const id = fromSandbox(k) ?? null;
                const key = strCmp ? `${groups.size}` : valueKey(id);
                groups.set(key, { key: k, id, values: [v], sizes: [size] });
              }
            }
          }
        }
        if (done) break;
        if (ctx.control.dueNow()) await ctx.control.yieldNow();
      }
    } finally {
      source.close();
    }
  }

  // reduce every key — also one emitted once: mongod 8.0 calls reduce for it (its
  // mrEnableSingleReduceOptimization, the pre-4.4 shortcut, is off by default) — with the values
  // from the last emitted backwards, as many as fit 16 MiB per call; a key whose values do not fit
  // one call is reduced again with the previous result among its values (so reduce must be
  // idempotent, as mongod documents). Then finalize.
  const entries = [...groups.values()];
  let pending = entries;
  while (pending.length > 0) {
    const calls = pending.map((g) => ({ g, ...nextReduceCall(g, JSON.stringify(g.key)?.length ?? 4) }));
    const reduced = await call(reduce, calls.map((c) => [c.g.key, c.values]));
    calls.forEach((c, i) => {
      c.g.values.length = c.left;
      c.g.sizes.length = c.left;
      const r = reduced[i];
      c.g.values.push(r);
      c.g.sizes.push(JSON.stringify(r)?.length ?? 4);
    });
    pending = calls.filter((c) => c.left > 0).map((c) => c.g);
  }
  let values = entries.map((g) => g.values[0]);
  if (finalize) values = await call(finalize, entries.map((g, i) => [g.key, values[i]]));
  let results: Doc[] = entries.map((g, i) => ({ _id: g.id, value: fromSandbox(values[i]) ?? null }));
  results.sort((a, b) => compareValues(a._id, b._id, strCmp));

  if (out.mode === "inline") {
    const reply = { results, ok: 1 };
    if (BSON.calculateObjectSize(reply) > LIMITS.maxBsonObjectSize) {
      throw new CommandError(
        "BSONObjectTooLarge",
        "mapReduce inline results exceed 16 MiB: write them to a collection with out: {replace: <coll>}",
      );
    }
    return reply;
  }

  const db = out.db ?? ctx.db;
  if (out.mode === "reduce" && results.length > 0) {
    // fold with the values already in the target collection
    const target = findCollection(deriveContext(ctx, { db }), out.coll);
    if (target) {
      const existing = new Map<string, unknown>();
      for (const d of ctx.storage.read((txn) => [...txn.scan(target)].map((r) => r.bytes))) {
        const doc = decodeStored(d);
        existing.set(JSON.stringify(toSandbox(doc._id)), doc.value);
      }
      const both = results.filter((r) => existing.has(JSON.stringify(toSandbox(r._id))));
      if (both.length > 0) {
        const args = both.map((
          r,
        ) => [toSandbox(r._id), [
          toSandbox(existing.get(JSON.stringify(toSandbox(r._id)))),
          toSandbox(r.value),
        ]]);
        let folded = await call(reduce, args);
        if (finalize) folded = await call(finalize, both.map((r, i) => [toSandbox(r._id), folded[i]]));
        both.forEach((r, i) => r.value = fromSandbox(folded[i]) ?? null);
      }
    }
  }
  const sync = ctx.writeConcern.sync || ctx.syncOnCommit;
  await runWriteStage(
    ctx,
    out.mode === "replace" ? { kind: "$out", db, coll: out.coll } : {
      kind: "$merge",
      db,
      coll: out.coll,
      on: ["_id"],
      whenMatched: "replace",
      whenNotMatched: "insert",
      let: undefined,
    },
    results,
    sync,
    ctx.control,
    undefined,
    ctx.params.bypassDocumentValidation === true,
  );
  results = [];
  return { result: out.db === undefined ? out.coll : { db, collection: out.coll }, ok: 1 };
}

function decodeStored(bytes: Uint8Array): Doc {
  return decodeDocument(bytes) as Doc;
}

export const mapReduce = defineCommand<MapReduceParams>({
  name: "mapReduce",
  aliases: ["mapreduce"],
  help:
    "map/reduce in server-side JavaScript: {mapReduce: <coll>, map, reduce, out: {inline: 1} | <coll> | {replace|merge|reduce: <coll>, db}, query, sort, limit, finalize, scope}",
  auth: "find",
  parse: parseMapReduce,
  run,
});
