/**
 * mongodump's two output formats, written and read here (no server involved):
 *
 * Directory: `<out>/<db>/<coll>.bson` (the documents' BSON, back to back) and
 * `<out>/<db>/<coll>.metadata.json` (./metadata.ts); with gzip, `.bson.gz` and `.metadata.json.gz`.
 *
 * Archive (one stream, gzipped as a whole with --gzip): the magic number 0x8199e26d (little-endian);
 * a header BSON `{concurrent_collections, version: "0.1", server_version, tool_version}`; one prelude
 * BSON per collection `{db, collection, metadata: <metadata JSON text>, size: 0, type}`; a terminator
 * (int32 -1); then body segments, each a namespace header BSON `{db, collection, EOF: false, CRC: 0}`
 * followed by documents and a terminator; finally one `{…, EOF: true, CRC: <CRC-64 of the
 * collection's document bytes>}` header and terminator per collection. Segments of different
 * collections may interleave (mongodump writes several at once); we write them one after another.
 *
 * With mongodump's `--oplog`, the oplog entries captured during the dump go last: `oplog.bson` at the
 * directory's root, or in the archive the namespace `{db: "", collection: "oplog"}` (prelude
 * `{db: "", collection: "oplog", metadata: "", size: 0, type: ""}`, as mongodump 100.8 writes it).
 * Readers report them as `oplog` events.
 */
import { deserialize, Long, serialize } from "bson";
import { Crc64 } from "./crc64.ts";
import type { CollectionMetadata } from "./metadata.ts";
import { metadataJson, parseMetadata } from "./metadata.ts";

export const ARCHIVE_MAGIC = 0x8199e26d;
const TERMINATOR = Uint8Array.from([0xff, 0xff, 0xff, 0xff]);

export interface DumpCollection {
  readonly db: string;
  readonly metadata: CollectionMetadata;
  /** The documents as BSON bytes. */
  readonly docs: () => AsyncIterable<Uint8Array>;
}

/** What a reader yields: a collection's metadata (before any of its documents), then batches. */
export type DumpEvent =
  | { readonly kind: "collection"; readonly db: string; readonly metadata: CollectionMetadata }
  | { readonly kind: "docs"; readonly db: string; readonly collection: string; readonly docs: Uint8Array[] }
  | { readonly kind: "oplog"; readonly docs: Uint8Array[] };

/** The archive namespace of a dump's oplog (mongodump's oplog intent). */
const OPLOG_NS = { db: "", collection: "oplog" } as const;
export const OPLOG_FILE = "oplog.bson";

export interface Sink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** A sink over a file or stdout, gzipped (CompressionStream) when asked. */
export async function openSink(path: string | "-", gzip: boolean): Promise<Sink> {
  const target = path === "-"
    ? Deno.stdout.writable
    : (await Deno.open(path, { write: true, createNew: true })).writable;
  if (!gzip) {
    const w = target.getWriter();
    return { write: (b) => w.write(b), close: () => w.close() };
  }
  const gz = new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
  const piped = gz.readable.pipeTo(target);
  const w = gz.writable.getWriter();
  return {
    write: (b) => w.write(b),
    close: async () => {
      await w.close();
      await piped;
    },
  };
}

function int32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

/**
 * Writes a whole archive of `colls` (metadata first, then each collection's body), and then the
 * oplog entries of `oplog` when given (read only after every collection is written).
 */
export async function writeArchive(
  sink: Sink,
  colls: readonly DumpCollection[],
  serverVersion: string,
  toolVersion: string,
  oplog?: () => AsyncIterable<Uint8Array>,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await sink.write(int32(ARCHIVE_MAGIC | 0));
  await sink.write(
    serialize({
      concurrent_collections: 1,
      version: "0.1",
      server_version: serverVersion,
      tool_version: toolVersion,
    }),
  );
  for (const c of colls) {
    await sink.write(serialize({
      db: c.db,
      collection: c.metadata.collectionName,
      metadata: metadataJson(c.metadata),
      size: 0,
      type: c.metadata.type,
    }));
  }
  if (oplog) await sink.write(serialize({ ...OPLOG_NS, metadata: "", size: 0, type: "" }));
  await sink.write(TERMINATOR);
  const body = async (ns: { db: string; collection: string }, docs: AsyncIterable<Uint8Array>) => {
    const crc = new Crc64();
    let n = 0;
    await sink.write(serialize({ ...ns, EOF: false, CRC: Long.fromInt(0) }));
    for await (const doc of docs) {
      crc.update(doc);
      await sink.write(doc);
      n++;
    }
    await sink.write(TERMINATOR);
    await sink.write(serialize({ ...ns, EOF: true, CRC: Long.fromBigInt(crc.value()) }));
    await sink.write(TERMINATOR);
    return n;
  };
  for (const c of colls) {
    const n = await body({ db: c.db, collection: c.metadata.collectionName }, c.docs());
    counts.set(`${c.db}.${c.metadata.collectionName}`, n);
  }
  if (oplog) counts.set("oplog", await body(OPLOG_NS, oplog()));
  return counts;
}

/** Writes a dump's oplog entries to `<out>/oplog.bson[.gz]`; returns how many. */
export async function writeDirectoryOplog(
  out: string,
  docs: AsyncIterable<Uint8Array>,
  gzip: boolean,
): Promise<number> {
  await Deno.mkdir(out, { recursive: true });
  const sink = await openSink(`${out}/${OPLOG_FILE}${gzip ? ".gz" : ""}`, gzip);
  let n = 0;
  for await (const d of docs) {
    await sink.write(d);
    n++;
  }
  await sink.close();
  return n;
}

/** Writes one collection into a dump directory (`<out>/<db>/<coll>.bson[.gz]` + metadata). */
export async function writeDirectoryCollection(
  out: string,
  c: DumpCollection,
  gzip: boolean,
): Promise<number> {
  const dir = `${out}/${c.db}`;
  await Deno.mkdir(dir, { recursive: true });
  const base = `${dir}/${c.metadata.collectionName}`;
  const ext = gzip ? ".gz" : "";
  const meta = await openSink(`${base}.metadata.json${ext}`, gzip);
  await meta.write(new TextEncoder().encode(metadataJson(c.metadata)));
  await meta.close();
  if (c.metadata.type === "view") return 0; // mongodump writes no .bson for a view
  const bson = await openSink(`${base}.bson${ext}`, gzip);
  let n = 0;
  let batch: Uint8Array[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const all = new Uint8Array(size);
    let at = 0;
    for (const d of batch) {
      all.set(d, at);
      at += d.length;
    }
    batch = [];
    size = 0;
    await bson.write(all);
  };
  for await (const doc of c.docs()) {
    batch.push(doc);
    size += doc.length;
    n++;
    if (size >= 1 << 20) await flush();
  }
  await flush();
  await bson.close();
  return n;
}

// ------------------------------------------------------------------------------------ reading

/** A byte reader over a stream, gunzipped when the stream starts with gzip's magic. */
class ByteReader {
  #buf = new Uint8Array(0);
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #done = false;

  private constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.#reader = reader;
  }

  static async open(path: string): Promise<ByteReader> {
    const f = await Deno.open(path, { read: true });
    const head = new Uint8Array(2);
    const n = await f.read(head);
    await f.seek(0, Deno.SeekMode.Start);
    const gz = n === 2 && head[0] === 0x1f && head[1] === 0x8b;
    const stream = gz
      ? f.readable.pipeThrough(
        new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
      )
      : f.readable;
    return new ByteReader(stream.getReader());
  }

  /** Exactly `n` bytes, or null at a clean end of stream (throws when it ends inside them). */
  async take(n: number): Promise<Uint8Array | null> {
    while (this.#buf.length < n && !this.#done) {
      const r = await this.#reader.read();
      if (r.done) {
        this.#done = true;
        break;
      }
      const next = new Uint8Array(this.#buf.length + r.value.length);
      next.set(this.#buf);
      next.set(r.value, this.#buf.length);
      this.#buf = next;
    }
    if (this.#buf.length < n) {
      if (this.#buf.length === 0) return null;
      throw new Error("the dump ends in the middle of a document");
    }
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** The next BSON document or terminator: `null` for the terminator (int32 -1), undefined at the end. */
  async nextDoc(): Promise<Uint8Array | null | undefined> {
    const head = await this.take(4);
    if (head === null) return undefined;
    const len = new DataView(head.buffer, head.byteOffset, 4).getInt32(0, true);
    if (len === -1) return null;
    if (len < 5 || len > 48 * 1024 * 1024) throw new Error(`invalid BSON length ${len} in the dump`);
    const rest = await this.take(len - 4);
    if (rest === null) throw new Error("the dump ends in the middle of a document");
    const doc = new Uint8Array(len);
    doc.set(head);
    doc.set(rest, 4);
    return doc;
  }

  /** Everything left in the stream. */
  async readAll(): Promise<Uint8Array> {
    for (;;) {
      const r = await this.#reader.read();
      if (r.done) break;
      const next = new Uint8Array(this.#buf.length + r.value.length);
      next.set(this.#buf);
      next.set(r.value, this.#buf.length);
      this.#buf = next;
    }
    this.#done = true;
    const out = this.#buf;
    this.#buf = new Uint8Array(0);
    return out;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

const BATCH = 1000;

/** Reads a mongodump archive (plain or gzipped), checking each collection's CRC. */
export async function* readArchive(path: string): AsyncGenerator<DumpEvent> {
  const r = await ByteReader.open(path);
  try {
    const magic = await r.take(4);
    if (magic === null || new DataView(magic.buffer).getUint32(0, true) !== ARCHIVE_MAGIC) {
      throw new Error(`${path} is not a mongodump archive (bad magic number)`);
    }
    const header = await r.nextDoc();
    if (!header) throw new Error(`${path}: missing archive header`);
    for (;;) {
      const d = await r.nextDoc();
      if (d === undefined) throw new Error(`${path}: the archive ends inside its prelude`);
      if (d === null) break;
      const p = deserialize(d) as { db: string; collection: string; metadata: string };
      if (p.db === OPLOG_NS.db && p.collection === OPLOG_NS.collection) continue;
      yield { kind: "collection", db: p.db, metadata: parseMetadata(p.metadata, p.collection) };
    }
    const crcs = new Map<string, Crc64>();
    for (;;) {
      const h = await r.nextDoc();
      if (h === undefined) break;
      if (h === null) continue;
      const ns = deserialize(h, { useBigInt64: true }) as {
        db: string;
        collection: string;
        EOF: boolean;
        CRC: bigint;
      };
      const key = `${ns.db}.${ns.collection}`;
      let crc = crcs.get(key);
      if (!crc) crcs.set(key, crc = new Crc64());
      if (ns.EOF) {
        const end = await r.nextDoc();
        if (end !== null) throw new Error(`${path}: missing terminator after the end of ${key}`);
        if (ns.CRC !== 0n && BigInt.asIntN(64, ns.CRC) !== crc.value()) {
          throw new Error(`${path}: CRC mismatch for ${key} (archive corrupted)`);
        }
        continue;
      }
      let batch: Uint8Array[] = [];
      for (;;) {
        const doc = await r.nextDoc();
        if (doc === undefined) throw new Error(`${path}: the archive ends inside ${key}`);
        if (doc === null) break;
        crc.update(doc);
        batch.push(doc);
        if (batch.length >= BATCH) {
          yield event(ns, batch);
          batch = [];
        }
      }
      if (batch.length > 0) yield event(ns, batch);
    }
  } finally {
    await r.cancel();
  }
}

function event(ns: { db: string; collection: string }, docs: Uint8Array[]): DumpEvent {
  return ns.db === OPLOG_NS.db && ns.collection === OPLOG_NS.collection
    ? { kind: "oplog", docs }
    : { kind: "docs", db: ns.db, collection: ns.collection, docs };
}

/**
 * Reads a dump directory (`<dir>/<db>/<coll>.bson[.gz]` + `.metadata.json[.gz]`), then its
 * `oplog.bson[.gz]` if any.
 */
export async function* readDirectory(dir: string): AsyncGenerator<DumpEvent> {
  const dbs = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  for (const db of dbs) {
    const files = [...Deno.readDirSync(`${dir}/${db}`)].filter((e) => e.isFile).map((e) => e.name).sort();
    const names = new Set<string>();
    for (const f of files) {
      const m = /^(.*)\.(bson|metadata\.json)(\.gz)?$/.exec(f);
      if (m) names.add(m[1]!);
    }
    for (const name of names) {
      const metaFile = files.find((f) => f === `${name}.metadata.json` || f === `${name}.metadata.json.gz`);
      let metaText = "";
      if (metaFile) {
        const r = await ByteReader.open(`${dir}/${db}/${metaFile}`);
        metaText = new TextDecoder().decode(await r.readAll());
      }
      yield { kind: "collection", db, metadata: parseMetadata(metaText, name) };
      const bsonFile = files.find((f) => f === `${name}.bson` || f === `${name}.bson.gz`);
      if (!bsonFile) continue;
      for await (const docs of bsonBatches(`${dir}/${db}/${bsonFile}`, bsonFile)) {
        yield { kind: "docs", db, collection: name, docs };
      }
    }
  }
  const oplog = [OPLOG_FILE, `${OPLOG_FILE}.gz`].find((f) => {
    try {
      return Deno.statSync(`${dir}/${f}`).isFile;
    } catch {
      return false;
    }
  });
  if (oplog) {
    for await (const docs of bsonBatches(`${dir}/${oplog}`, oplog)) yield { kind: "oplog", docs };
  }
}

/** The documents of a `.bson[.gz]` file, in batches. */
async function* bsonBatches(path: string, label: string): AsyncGenerator<Uint8Array[]> {
  const r = await ByteReader.open(path);
  try {
    let batch: Uint8Array[] = [];
    for (let d = await r.nextDoc(); d !== undefined; d = await r.nextDoc()) {
      if (d === null) throw new Error(`${label}: unexpected terminator in a .bson file`);
      batch.push(d);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    await r.cancel();
  }
}
