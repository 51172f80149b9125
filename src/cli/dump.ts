/**
 * `secantusdb dump (--uri <uri> | --storage-path <dir>) (--out <dir> | --archive <file|->) [--gzip]
 * [--db <db>] [--collection <c>] [--oplog]`: mongodump's formats (src/backup/dump/), from a running
 * server over the wire (documents as raw BSON, never re-encoded) or offline from a data directory no
 * server holds. Views are dumped as mongodump does (their definition in the metadata, no documents;
 * `system.views` itself is not dumped). `--oplog` (a running server, whole dumps only) adds the oplog entries written during
 * the dump (dump_oplog.ts). Exit codes: 0 done, 1 failed, 2 bad flags.
 */
import { parseArgs } from "node:util";
import { MongoClient } from "mongodb";
import {
  type DumpCollection,
  hex,
  openSink,
  storageCollections,
  writeArchive,
  writeDirectoryCollection,
  writeDirectoryOplog,
} from "../backup/dump/mod.ts";
import { oplogEntries, oplogStart } from "./dump_oplog.ts";
import { lockedByProcess } from "../backup/mod.ts";
import { openWiredTiger } from "../storage/mod.ts";
import { COMPAT_MONGODB_VERSION, VERSION } from "../version.ts";

export function dumpHelp(): string {
  return [
    "Usage: secantusdb dump (--uri <uri> | --storage-path <dir>) (--out <dir> | --archive <file|->) [--gzip]",
    "                       [--db <db>] [--collection <name>] [--oplog]",
    "",
    "Writes mongodump's formats: a directory of <db>/<coll>.bson + .metadata.json, or one archive",
    "(--archive; '-' = stdout). mongorestore, bsondump and `secantusdb load` read both.",
    "",
    "  --uri <uri>            dump a running server (any MongoDB-wire server)",
    "  --storage-path <dir>   dump a data directory offline (no server may be running on it)",
    "  --out <dir>            directory output (default ./dump)",
    "  --archive <file>       archive output instead of a directory",
    "  --gzip                 gzip every file (directory) or the whole archive",
    "  --db, --collection     only this database / collection",
    "  --oplog                also write the oplog entries made during the dump (oplog.bson), for",
    "                         mongorestore --oplogReplay / secantusdb load --oplog-replay (--uri, whole dumps)",
  ].join("\n");
}

const SKIP_DBS = new Set(["local", "config"]);

async function uriCollections(
  client: MongoClient,
  only: { db?: string; collection?: string },
): Promise<DumpCollection[]> {
  const out: DumpCollection[] = [];
  const dbs = only.db !== undefined
    ? [only.db]
    : (await client.db("admin").admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name)
      .sort();
  for (const dbName of dbs) {
    if (SKIP_DBS.has(dbName)) continue;
    const db = client.db(dbName);
    const infos = await db.listCollections(only.collection !== undefined ? { name: only.collection } : {})
      .toArray();
    for (const info of infos.sort((a, b) => a.name < b.name ? -1 : 1)) {
      if (info.name === "system.profile" || info.name === "system.views") continue;
      const full = info as unknown as {
        type?: string;
        options?: Record<string, unknown>;
        info?: { uuid?: { buffer: Uint8Array } };
      };
      if (full.type === "view") {
        // mongodump's shape: the definition in the metadata, no documents.
        out.push({
          db: dbName,
          metadata: {
            options: full.options ?? {},
            indexes: [],
            uuid: "",
            collectionName: info.name,
            type: "view",
          },
          docs: async function* () {},
        });
        continue;
      }
      if (full.type !== undefined && full.type !== "collection") continue;
      const coll = db.collection(info.name);
      const indexes = await coll.listIndexes().toArray();
      out.push({
        db: dbName,
        metadata: {
          options: full.options ?? {},
          indexes,
          uuid: full.info?.uuid ? hex(full.info.uuid.buffer) : "",
          collectionName: info.name,
          type: "collection",
        },
        docs: async function* () {
          const cursor = coll.find({}, { raw: true, batchSize: 1000 });
          for await (const d of cursor) yield d as unknown as Uint8Array;
        },
      });
    }
  }
  return out;
}

export async function dumpCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        uri: { type: "string" },
        "storage-path": { type: "string" },
        out: { type: "string" },
        archive: { type: "string" },
        gzip: { type: "boolean" },
        db: { type: "string" },
        collection: { type: "string" },
        oplog: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`secantusdb dump: ${e instanceof Error ? e.message : String(e)} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(dumpHelp());
    return 0;
  }
  if (values.oplog && values["storage-path"] !== undefined) {
    console.error(
      "secantusdb dump: --oplog needs a running server (--uri); a data directory dumped offline does not change",
    );
    return 2;
  }
  if (values.oplog && (values.db !== undefined || values.collection !== undefined)) {
    console.error("secantusdb dump: --oplog mode only supported on full dumps");
    return 2;
  }
  if ((values.uri === undefined) === (values["storage-path"] === undefined)) {
    console.error("secantusdb dump: give exactly one of --uri and --storage-path (see --help)");
    return 2;
  }
  if (values.out !== undefined && values.archive !== undefined) {
    console.error("secantusdb dump: give --out or --archive, not both");
    return 2;
  }
  const only = {
    ...(values.db !== undefined ? { db: values.db } : {}),
    ...(values.collection !== undefined ? { collection: values.collection } : {}),
  };
  const started = performance.now();
  const log = (s: string) => console.error(`${new Date().toISOString()}\t${s}`);
  let client: MongoClient | undefined;
  let storage: ReturnType<typeof openWiredTiger> | undefined;
  try {
    let colls: DumpCollection[];
    let oplog: (() => AsyncIterable<Uint8Array>) | undefined;
    if (values.uri !== undefined) {
      client = new MongoClient(values.uri, { serverSelectionTimeoutMS: 10_000 });
      if (values.oplog) {
        const c = client;
        const start = await oplogStart(c);
        oplog = () => oplogEntries(c, start);
      }
      colls = await uriCollections(client, only);
    } else {
      const path = values["storage-path"]!;
      if (lockedByProcess(`${path}/WiredTiger.lock`)) {
        console.error(`secantusdb dump: ${path} is in use by a running server; dump it with --uri instead`);
        return 1;
      }
      storage = openWiredTiger({ path, cacheSizeBytes: 256 << 20, sessionMax: 8, syncOnCommit: false });
      colls = storageCollections(storage, only);
    }
    let total = 0;
    if (values.archive !== undefined) {
      const sink = await openSink(values.archive, values.gzip === true);
      const counts = await writeArchive(sink, colls, COMPAT_MONGODB_VERSION, `secantusdb ${VERSION}`, oplog);
      await sink.close();
      for (const [ns, n] of counts) {
        if (oplog && ns === "oplog") {
          log(`dumped ${n} oplog entr${n === 1 ? "y" : "ies"}`);
          continue;
        }
        log(`done dumping ${ns} (${n} document${n === 1 ? "" : "s"})`);
        total += n;
      }
    } else {
      const out = values.out ?? "dump";
      for (const c of colls) {
        log(
          `writing ${c.db}.${c.metadata.collectionName} to ${out}/${c.db}/${c.metadata.collectionName}.bson`,
        );
        const n = await writeDirectoryCollection(out, c, values.gzip === true);
        log(`done dumping ${c.db}.${c.metadata.collectionName} (${n} document${n === 1 ? "" : "s"})`);
        total += n;
      }
      if (oplog) {
        const n = await writeDirectoryOplog(out, oplog(), values.gzip === true);
        log(`dumped ${n} oplog entr${n === 1 ? "y" : "ies"}`);
      }
    }
    const secs = (performance.now() - started) / 1000;
    log(
      `dumped ${total} documents of ${colls.length} collections in ${secs.toFixed(2)} s (${
        (total / Math.max(secs, 0.001)).toFixed(0)
      } docs/s)`,
    );
    return 0;
  } catch (e) {
    console.error(`secantusdb dump: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await client?.close();
    storage?.close();
  }
}
