/**
 * `secantusdb load (--uri <uri> | --storage-path <dir>) (--dir <dump dir> | --archive <file>) [--drop]
 * [--oplog-replay]`: reads mongodump's directory or archive format (plain or gzipped; src/backup/dump/)
 * into a running server, or offline into a data directory no server holds (a private server is started
 * on it on 127.0.0.1 for the load): each collection created with its options, its documents inserted in
 * batches (their BSON types kept), its indexes built afterwards, then the views (mongodump keeps their
 * definition in the metadata). `--drop` drops each collection first; without it, documents whose
 * `_id` exists already are reported as duplicates and skipped (as mongorestore does). The dump's
 * oplog (`dump --oplog`) is replayed through `applyOps` after the collections with `--oplog-replay`
 * (mongorestore's `--oplogReplay`), else skipped with a note. Documents holding BSON's deprecated undefined
 * are loaded with null in its place (the Node driver cannot write it), counted per collection in the log.
 * Exit codes: 0 done, 1 failed, 2 bad flags.
 */
import { parseArgs } from "node:util";
import { calculateObjectSize, deserialize } from "bson";
import { type Document, MongoBulkWriteError, MongoClient } from "mongodb";
import { type DumpEvent, readArchive, readDirectory } from "../backup/dump/mod.ts";
import { ErrorCode } from "../errors/codes.ts";
import { lockedByProcess } from "../backup/mod.ts";
import { holdsUndefined } from "../bson/undefined_value.ts";
import { type RunningServer, startServer } from "../app/start_server.ts";

export function loadHelp(): string {
  return [
    "Usage: secantusdb load (--uri <uri> | --storage-path <dir>) (--dir <dump dir> | --archive <file>)",
    "                       [--drop] [--oplog-replay]",
    "",
    "Loads a dump in mongodump's formats (from mongodump or `secantusdb dump`), gzipped or not.",
    "",
    "  --uri <uri>        the server to load into (default mongodb://127.0.0.1:27017/)",
    "  --storage-path <dir>  load offline into this data directory (created if absent; no server may",
    "                     be running on it)",
    "  --dir <dir>        a dump directory (<db>/<coll>.bson + .metadata.json)",
    "  --archive <file>   a dump archive",
    "  --drop             drop each collection before loading it",
    "  --oplog-replay     replay the dump's oplog.bson (dump --oplog) after loading the collections",
  ].join("\n");
}

/** Documents decoded keeping their BSON types (Int32, Double, Long stay what they were). */
function decodeExact(bytes: Uint8Array): Document {
  return deserialize(bytes, { promoteValues: false, promoteBuffers: false, promoteLongs: false }) as Document;
}

export async function loadCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        uri: { type: "string" },
        "storage-path": { type: "string" },
        dir: { type: "string" },
        archive: { type: "string" },
        drop: { type: "boolean" },
        "oplog-replay": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`secantusdb load: ${e instanceof Error ? e.message : String(e)} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(loadHelp());
    return 0;
  }
  if ((values.dir === undefined) === (values.archive === undefined)) {
    console.error("secantusdb load: give exactly one of --dir and --archive (see --help)");
    return 2;
  }
  if (values.uri !== undefined && values["storage-path"] !== undefined) {
    console.error("secantusdb load: give --uri or --storage-path, not both (see --help)");
    return 2;
  }
  const log = (s: string) => console.error(`${new Date().toISOString()}\t${s}`);
  let offline: RunningServer | undefined;
  const path = values["storage-path"];
  if (path !== undefined) {
    if (lockedByProcess(`${path}/WiredTiger.lock`)) {
      console.error(`secantusdb load: ${path} is in use by a running server; load it with --uri instead`);
      return 1;
    }
    try {
      offline = await startServer({
        storagePath: path,
        host: "127.0.0.1",
        port: 0,
        logLevel: "WARNING",
        enableTestCommands: false,
      });
    } catch (e) {
      console.error(`secantusdb load: cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
  }
  const client = new MongoClient(offline?.uri ?? values.uri ?? "mongodb://127.0.0.1:27017/", {
    serverSelectionTimeoutMS: 10_000,
  });
  const started = performance.now();
  const indexes = new Map<string, { db: string; coll: string; specs: Record<string, unknown>[] }>();
  const counts = new Map<string, number>();
  let duplicates = 0;
  /** Documents holding BSON undefined, per namespace: the driver writes it as null (see the log line). */
  const withUndefined = new Map<string, number>();
  let oplogApplied = 0;
  let oplogSkipped = 0;
  const views: { db: string; name: string; options: Record<string, unknown> }[] = [];
  let finished = false;
  /** Indexes, then views: after every collection's documents, before the oplog. */
  const finishCollections = async () => {
    if (finished) return;
    finished = true;
    for (const { db, coll, specs } of indexes.values()) {
      if (specs.length === 0) continue;
      const cleaned = specs.map((s) => {
        const { v: _v, ns: _ns, ...rest } = s;
        return rest;
      });
      await client.db(db).command({ createIndexes: coll, indexes: cleaned });
    }
    for (const v of views) {
      const db = client.db(v.db);
      if (values.drop) await db.collection(v.name).drop().catch(() => false);
      await db.createCollection(v.name, v.options);
      log(`${v.db}.${v.name}: view created`);
    }
  };
  const replay = async (docs: Uint8Array[]) => {
    await finishCollections(); // the oplog comes after every collection's documents
    let batch: Document[] = [];
    let size = 0;
    const send = async () => {
      if (batch.length === 0) return;
      await client.db("admin").command({ applyOps: batch });
      oplogApplied += batch.length;
      batch = [];
      size = 0;
    };
    for (const bytes of docs) {
      const entry = decodeExact(bytes);
      const n = calculateObjectSize(entry);
      if (batch.length > 0 && size + n > 8 * 1024 * 1024) await send();
      batch.push(entry);
      size += n;
    }
    await send();
  };
  try {
    const events: AsyncIterable<DumpEvent> = values.archive !== undefined
      ? readArchive(values.archive)
      : readDirectory(values.dir!);
    for await (const ev of events) {
      if (ev.kind === "oplog") {
        if (values["oplog-replay"]) await replay(ev.docs);
        else oplogSkipped += ev.docs.length;
        continue;
      }
      if (ev.kind === "collection") {
        const m = ev.metadata;
        if (m.type === "view") {
          views.push({ db: ev.db, name: m.collectionName, options: m.options });
          continue;
        }
        if (m.type !== "collection") {
          log(`skipping ${ev.db}.${m.collectionName}: ${m.type}s are not loaded by this build`);
          continue;
        }
        const db = client.db(ev.db);
        if (values.drop) await db.collection(m.collectionName).drop().catch(() => false);
        const exists =
          (await db.listCollections({ name: m.collectionName }, { nameOnly: true }).toArray()).length > 0;
        if (!exists) await db.createCollection(m.collectionName, m.options);
        indexes.set(`${ev.db}.${m.collectionName}`, {
          db: ev.db,
          coll: m.collectionName,
          specs: m.indexes.filter((i) => i["name"] !== "_id_"),
        });
        counts.set(`${ev.db}.${m.collectionName}`, 0);
        continue;
      }
      const ns = `${ev.db}.${ev.collection}`;
      if (!counts.has(ns)) continue;
      const undefinedDocs = ev.docs.filter((d) => holdsUndefined(d)).length;
      if (undefinedDocs > 0) withUndefined.set(ns, (withUndefined.get(ns) ?? 0) + undefinedDocs);
      try {
        const r = await client.db(ev.db).collection(ev.collection).insertMany(ev.docs.map(decodeExact), {
          ordered: false,
        });
        counts.set(ns, counts.get(ns)! + r.insertedCount);
      } catch (e) {
        if (!(e instanceof MongoBulkWriteError)) throw e;
        const errs = Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors];
        if (errs.some((w) => w.code !== ErrorCode.DuplicateKey)) throw e;
        duplicates += errs.length;
        counts.set(ns, counts.get(ns)! + e.result.insertedCount);
      }
    }
    await finishCollections();
    if (values["oplog-replay"]) log(`replayed ${oplogApplied} oplog entries`);
    if (oplogSkipped > 0) log(`${oplogSkipped} oplog entries not replayed (pass --oplog-replay)`);
    for (const [ns, n] of withUndefined) {
      log(
        `${ns}: ${n} document${
          n === 1 ? "" : "s"
        } held BSON undefined (deprecated), loaded as null: this tool ` +
          "inserts through the Node driver, which cannot write undefined; mongorestore keeps it",
      );
    }
    let total = 0;
    for (const [ns, n] of counts) {
      log(`${ns}: ${n} document${n === 1 ? "" : "s"} loaded`);
      total += n;
    }
    const secs = (performance.now() - started) / 1000;
    log(
      `loaded ${total} documents into ${counts.size} collections in ${secs.toFixed(2)} s (${
        (total / Math.max(secs, 0.001)).toFixed(0)
      } docs/s)${duplicates > 0 ? `; ${duplicates} duplicate _id skipped` : ""}${
        views.length > 0 ? `; ${views.length} view${views.length === 1 ? "" : "s"}` : ""
      }`,
    );
    return 0;
  } catch (e) {
    console.error(`secantusdb load: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await client.close();
    await offline?.stop();
  }
}
