/**
 * `secantusdb load --uri <uri> (--dir <dump dir> | --archive <file>) [--drop] [--oplog-replay]`: reads
 * mongodump's directory or archive format (plain or gzipped; src/backup/dump/) into a running server:
 * each collection created with its options, its documents inserted in batches (their BSON types kept),
 * its indexes built afterwards. `--drop` drops each collection first; without it, documents whose
 * `_id` exists already are reported as duplicates and skipped (as mongorestore does). The dump's
 * oplog (`dump --oplog`) is replayed through `applyOps` after the collections with `--oplog-replay`
 * (mongorestore's `--oplogReplay`), else skipped with a note. Exit codes: 0 done, 1 failed, 2 bad flags.
 */
import { parseArgs } from "node:util";
import { calculateObjectSize, deserialize } from "bson";
import { type Document, MongoBulkWriteError, MongoClient } from "mongodb";
import { type DumpEvent, readArchive, readDirectory } from "../backup/dump/mod.ts";
import { ErrorCode } from "../errors/codes.ts";

export function loadHelp(): string {
  return [
    "Usage: secantusdb load --uri <uri> (--dir <dump dir> | --archive <file>) [--drop] [--oplog-replay]",
    "",
    "Loads a dump in mongodump's formats (from mongodump or `secantusdb dump`), gzipped or not.",
    "",
    "  --uri <uri>        the server to load into (default mongodb://127.0.0.1:27017/)",
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
  const log = (s: string) => console.error(`${new Date().toISOString()}\t${s}`);
  const client = new MongoClient(values.uri ?? "mongodb://127.0.0.1:27017/", {
    serverSelectionTimeoutMS: 10_000,
  });
  const started = performance.now();
  const indexes = new Map<string, { db: string; coll: string; specs: Record<string, unknown>[] }>();
  const counts = new Map<string, number>();
  let duplicates = 0;
  let oplogApplied = 0;
  let oplogSkipped = 0;
  let indexesBuilt = false;
  const buildIndexes = async () => {
    if (indexesBuilt) return;
    indexesBuilt = true;
    for (const { db, coll, specs } of indexes.values()) {
      if (specs.length === 0) continue;
      const cleaned = specs.map((s) => {
        const { v: _v, ns: _ns, ...rest } = s;
        return rest;
      });
      await client.db(db).command({ createIndexes: coll, indexes: cleaned });
    }
  };
  const replay = async (docs: Uint8Array[]) => {
    await buildIndexes(); // the oplog comes after every collection's documents
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
    await buildIndexes();
    if (values["oplog-replay"]) log(`replayed ${oplogApplied} oplog entries`);
    if (oplogSkipped > 0) log(`${oplogSkipped} oplog entries not replayed (pass --oplog-replay)`);
    let total = 0;
    for (const [ns, n] of counts) {
      log(`${ns}: ${n} document${n === 1 ? "" : "s"} loaded`);
      total += n;
    }
    const secs = (performance.now() - started) / 1000;
    log(
      `loaded ${total} documents into ${counts.size} collections in ${secs.toFixed(2)} s (${
        (total / Math.max(secs, 0.001)).toFixed(0)
      } docs/s)${duplicates > 0 ? `; ${duplicates} duplicate _id skipped` : ""}`,
    );
    return 0;
  } catch (e) {
    console.error(`secantusdb load: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await client.close();
  }
}
