/**
 * Native backup: `.tar.gz` of a consistent copy of the storage engine's files, taken while the
 * server keeps serving reads and writes (WiredTiger backup cursor through the storage API).
 *
 *  1. refuse an existing output (never overwrite) or a missing folder, before any work;
 *  2. `storage.openBackup()`: a forced checkpoint, then the pinned file list; counts per collection
 *     are read in a snapshot taken right then;
 *  3. every file is streamed (exactly the size it had when listed) into tar (npm:tar-stream) →
 *     gzip (the platform's CompressionStream) → a temporary file beside the output, hashing as it
 *     goes; `manifest.json` is the last member;
 *  4. the temporary file is synced and hard-linked to the final name (which fails if that name
 *     appeared meanwhile: no overwrite), then unlinked. A crash leaves at most the temporary file,
 *     never a partial archive under the final name.
 */
import { loadTarStream } from "./tar_stream.ts";
import type { Header, Pack } from "tar-stream";
import { basename, dirname, isAbsolute, join } from "node:path";
import { CommandError } from "../errors/command_error.ts";
import type { StorageEngine } from "../storage/api.ts";
import {
  DATA_PREFIX,
  FORMAT_VERSION,
  type Manifest,
  MANIFEST_NAME,
  type ManifestFile,
  type ManifestTime,
} from "./manifest.ts";
import { sha256 } from "./sha256.ts";

export interface BackupOptions {
  /** Absolute path of the archive to write (`.tar.gz`); must not exist. */
  readonly outputPath: string;
  readonly serverVersion: string;
  readonly mongodbCompat: string;
  readonly engineVersion: string;
  /** The cluster time at the backup's start (replica-set persona), if any. */
  readonly clusterTime?: ManifestTime | null;
  /** The oplog's first/last entries at the backup's start, once there is an oplog. */
  readonly oplog?: { first: ManifestTime; last: ManifestTime } | null;
  /** Called between files (cooperative yielding is implicit: every chunk is awaited). */
  readonly onFile?: (name: string, size: number) => void;
}

/** What a finished backup reports (the command's reply, serverStatus, /metrics). */
export interface BackupRecord {
  readonly path: string;
  /** Bytes of the `.tar.gz`. */
  readonly size: number;
  /** Bytes of data files read. */
  readonly dataSize: number;
  readonly files: number;
  readonly durationMs: number;
  readonly finishedAt: Date;
  readonly manifest: Manifest;
}

const CHUNK = 1024 * 1024;

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Checks the output path before any work (the errors a client can fix). */
export function checkOutputPath(outputPath: string): void {
  if (outputPath === "" || !isAbsolute(outputPath)) {
    throw new CommandError("InvalidPath", `outputPath must be an absolute path, got '${outputPath}'`);
  }
  if (exists(outputPath)) {
    throw new CommandError("IllegalOperation", `refusing to overwrite existing file ${outputPath}`);
  }
  let dir: Deno.FileInfo;
  try {
    dir = Deno.statSync(dirname(outputPath));
  } catch {
    throw new CommandError("NonExistentPath", `the folder of ${outputPath} does not exist`);
  }
  if (!dir.isDirectory) throw new CommandError("NonExistentPath", `${dirname(outputPath)} is not a folder`);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Writes one entry; resolves once tar-stream has taken all of it (backpressure honoured). */
function writeEntry(
  pack: Pack,
  header: Partial<Header> & Pick<Header, "name">,
  body: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const entry = pack.entry(header, (err?: Error | null) => err ? reject(err) : resolve());
    const write = (chunk: Uint8Array) =>
      new Promise<void>((ok) => {
        if (entry.write(chunk)) ok();
        else entry.once("drain", () => ok());
      });
    body(write).then(() => void entry.end(undefined), (e) => {
      entry.destroy(e);
      reject(e);
    });
  });
}

/** WiredTiger log files: preallocated to file_max (100 MB), mostly zeros past the last record. */
const LOG_FILE = /^WiredTigerLog\.\d+$/;
/** WiredTiger aligns log records to this many bytes. */
const LOG_ALIGN = 128;

/**
 * The bytes of a log file worth copying: up to its last non-zero byte, rounded up to a record
 * boundary. WiredTiger reads a zeroed record header as the end of the log, and a clean shutdown leaves
 * log files truncated the same way, so recovery sees the same records (a 100 MB preallocated log
 * becomes its few written KB; the copy is cut where the file ended when it was measured).
 */
async function usedLogBytes(path: string, size: number): Promise<number> {
  using f = await Deno.open(path, { read: true });
  const buf = new Uint8Array(CHUNK);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const view = buf.subarray(0, end - start);
    await f.seek(start, Deno.SeekMode.Start);
    let got = 0;
    while (got < view.length) {
      const n = await f.read(view.subarray(got));
      if (n === null) break;
      got += n;
    }
    for (let i = got - 1; i >= 0; i--) {
      if (view[i] !== 0) return Math.min(size, Math.ceil((start + i + 1) / LOG_ALIGN) * LOG_ALIGN);
    }
    end = start;
  }
  return 0;
}

/** Streams `size` bytes of `path` into `write`, hashing them. */
async function copyFile(
  path: string,
  size: number,
  write: (c: Uint8Array) => Promise<void>,
): Promise<string> {
  const h = sha256();
  using f = await Deno.open(path, { read: true });
  let left = size;
  while (left > 0) {
    const buf = new Uint8Array(Math.min(CHUNK, left));
    let got = 0;
    while (got < buf.length) {
      const n = await f.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    if (got < buf.length) buf.fill(0, got); // the file shrank while copying: never happens for pinned files
    h.update(buf);
    await write(buf);
    left -= buf.length;
  }
  return h.hex();
}

/** Takes a native backup into `opts.outputPath` (see the module comment). */
export async function createArchive(storage: StorageEngine, opts: BackupOptions): Promise<BackupRecord> {
  checkOutputPath(opts.outputPath);
  if (storage.inMemory) {
    throw new CommandError("IllegalOperation", "an in-memory server (:memory:) has no files to back up");
  }
  const { pack: tarPack } = await loadTarStream();
  const started = performance.now();
  const createdAt = new Date();
  const temp = join(dirname(opts.outputPath), `.${basename(opts.outputPath)}.tmp-${Deno.pid}-${Date.now()}`);
  const source = storage.openBackup();
  try {
    const collections = storage.read((txn) =>
      storage.catalog.listDatabases().flatMap((db) =>
        storage.catalog.listCollections(db).map((c) => ({
          db: c.db,
          name: c.name,
          uuid: hex(c.uuid),
          count: txn.count(c),
          indexes: c.indexes.map((i) => i.name),
          options: c.options,
        }))
      )
    );
    const sizes: { name: string; size: number }[] = [];
    for (const name of source.files) {
      const path = join(source.dir, name);
      const size = Deno.statSync(path).size;
      sizes.push({ name, size: LOG_FILE.test(name) ? await usedLogBytes(path, size) : size });
    }
    const pack = tarPack();
    const out = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
    const piped = (ReadableStream.from(pack) as ReadableStream<Uint8Array>)
      .pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>)
      .pipeTo(out.writable); // closes `out` when done (preventClose loses the gzip trailer)
    const files: ManifestFile[] = [];
    const mtime = createdAt;
    try {
      for (const { name, size } of sizes) {
        opts.onFile?.(name, size);
        let digest = "";
        await writeEntry(pack, { name: DATA_PREFIX + name, size, mode: 0o600, mtime }, async (write) => {
          digest = await copyFile(join(source.dir, name), size, write);
        });
        files.push({ name, size, sha256: digest });
      }
      const manifest: Manifest = {
        formatVersion: FORMAT_VERSION,
        server: { name: "secantusdb", version: opts.serverVersion, mongodbCompat: opts.mongodbCompat },
        engine: { name: "wiredTiger", version: opts.engineVersion },
        createdAt: createdAt.toISOString(),
        clusterTime: opts.clusterTime ?? null,
        collections,
        oplog: opts.oplog ?? null,
        files,
        durationMs: Math.round(performance.now() - started),
      };
      const text = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + "\n");
      await writeEntry(
        pack,
        { name: MANIFEST_NAME, size: text.length, mode: 0o600, mtime },
        (write) => write(text),
      );
      pack.finalize();
      await piped;
      {
        using done = Deno.openSync(temp, { read: true });
        done.syncSync();
      }
      Deno.linkSync(temp, opts.outputPath); // fails if the name appeared meanwhile: never overwrite
      Deno.removeSync(temp);
      const durationMs = Math.round(performance.now() - started);
      return {
        path: opts.outputPath,
        size: Deno.statSync(opts.outputPath).size,
        dataSize: sizes.reduce((a, f) => a + f.size, 0),
        files: files.length,
        durationMs,
        finishedAt: new Date(),
        manifest: { ...manifest, durationMs },
      };
    } catch (e) {
      pack.destroy(e instanceof Error ? e : new Error(String(e)));
      await piped.catch(() => {});
      try {
        out.close();
      } catch { /* already closed */ }
      try {
        Deno.removeSync(temp);
      } catch { /* best effort */ }
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new CommandError("IllegalOperation", `refusing to overwrite existing file ${opts.outputPath}`);
      }
      throw e instanceof CommandError ? e : new CommandError(
        "FileStreamFailed",
        `backup to ${opts.outputPath} failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  } finally {
    source.close();
  }
}
