/**
 * dbHash: an MD5 per collection of a database over its documents' bytes in `_id` order (natural order for
 * capped and clustered collections), and one MD5 over those hashes in collection-name order — mongod's
 * algorithm, so the same documents hash alike here and in mongod (documents are stored as sent): a way to
 * check a copy, a restore or a move to MongoDB. `collections` limits it to some. Left out as mongod leaves
 * out what it does not replicate: the `local` database, `system.profile`, `tmp.mr.*`. Replies `host`,
 * `collections`, `capped`, `uuids`, `md5`, `timeMillis`. One snapshot; the scan yields between batches.
 */
import { Binary } from "bson";
import { CommandError } from "../../errors/command_error.ts";
import { nodeBuiltin } from "../../node_builtin.ts";
import type { CollectionEntry } from "../../storage/api.ts";
import type { RequestContext } from "../context.ts";
import { defineCommand, type Doc } from "../spec.ts";
import { GENERIC_FIELDS } from "../params/generic.ts";
import { ignored, parseShape } from "../params/schema.ts";

const FIELDS = {
  collections: ignored,
  skipTempCollections: ignored,
  excludeRecordIds: ignored,
  useIndexScanForCappedCollections: ignored,
} as const;

export interface DbHashParams {
  /** Only these collections (undefined: every one). */
  readonly collections: ReadonlySet<string> | undefined;
}

function parse(body: Doc): DbHashParams {
  const key = Object.hasOwn(body, "dbHash") ? "dbHash" : "dbhash";
  parseShape("dbHash", body, FIELDS, { skip: key, alsoAccept: GENERIC_FIELDS });
  if (body[key] === "") {
    throw new CommandError("InvalidNamespace", "Cannot pass empty string for 'dbHash' field");
  }
  const list = body["collections"];
  if (!Array.isArray(list)) return { collections: undefined };
  if (!list.every((n) => typeof n === "string")) {
    throw new CommandError("BadValue", "collections entries have to be strings");
  }
  return { collections: new Set(list as string[]) };
}

/** mongod leaves these out (namespaces it does not replicate, incremental mapReduce output). */
function leftOut(db: string, name: string): boolean {
  return db === "local" || name === "system.profile" || name.startsWith("tmp.mr.");
}

/** Byte order of UTF-8 names (mongod's std::map<std::string>). */
function byBytes(a: string, b: string): number {
  const x = new TextEncoder().encode(a), y = new TextEncoder().encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

async function run(ctx: RequestContext<DbHashParams>): Promise<Doc> {
  const started = performance.now();
  const wanted = ctx.params.collections;
  const colls = ctx.storage.catalog.listCollections(ctx.db)
    .filter((c) => !leftOut(ctx.db, c.name) && (!wanted || wanted.has(c.name)))
    .sort((a, b) => byBytes(a.name, b.name));
  const hashes: Record<string, string> = {};
  const uuids: Record<string, Binary> = {};
  const capped: string[] = [];
  const all = nodeBuiltin("node:crypto").createHash("md5");
  const ctl = ctx.control;
  const txn = ctx.storage.begin({ readOnly: true });
  try {
    for (const coll of colls) {
      if (coll.options["capped"] === true) capped.push(coll.name);
      uuids[coll.name] = new Binary(coll.uuid, 4);
      const hash = await hashCollection(coll);
      hashes[coll.name] = hash;
      all.update(hash, "latin1");
    }
  } finally {
    txn.abort();
  }
  return {
    host: ctx.info.address,
    collections: hashes,
    capped,
    uuids,
    md5: all.digest("hex"),
    timeMillis: Math.round(performance.now() - started),
    ok: 1,
  };

  async function hashCollection(coll: CollectionEntry): Promise<string> {
    const md5 = nodeBuiltin("node:crypto").createHash("md5");
    const natural = coll.options["capped"] === true || coll.options["clusteredIndex"] !== undefined;
    const idIndex = coll.indexes.find((i) => i.name === "_id_");
    if (!natural && !idIndex) return "no _id index";
    const records = natural
      ? (function* () {
        for (const r of txn.scan(coll)) yield r.bytes;
      })()
      : (function* () {
        for (const hit of txn.scanIndex(coll, idIndex!.name, { fetch: true })) if (hit.bytes) yield hit.bytes;
      })();
    for (const bytes of records) {
      md5.update(bytes);
      if (ctl.dueNow()) await ctl.yieldNow();
    }
    return md5.digest("hex");
  }
}

export const dbHash = defineCommand<DbHashParams>({
  name: "dbHash",
  aliases: ["dbhash"],
  help: "MD5 hashes of a database's collections (mongod's algorithm): {dbHash: 1, collections: [...]}",
  auth: "dbHash",
  parse,
  run,
});
