/**
 * spill.ts — temporary files for blocking query stages that outgrow their memory budget (external
 * sort runs, hash-partitioned `$group` input), as mongod's `_tmp` directory under the dbpath.
 *
 * A `SpillFiles` owns one directory: `<storage path>/_tmp` for a data directory, a fresh directory
 * under the OS temp dir for `:memory:`. Each `SpillRun` is one append-only file of BSON documents
 * (each self-delimited by its length prefix), copied into a 1 MiB write buffer (freed by `finish()`)
 * and read back once, sequentially, through a buffer of 1 MiB or what the caller asks for (a merge of
 * many runs: less; documents decode straight from it; freed when the read ends); the
 * file is deleted when the read ends or the run is discarded. I/O is synchronous (the pipeline engine is a synchronous pull chain): each call blocks
 * for one buffer's worth of disk work. Stale `_tmp` files of a crashed process are removed when the
 * directory is first used.
 */
import { decodeDocumentCopy } from "../bson/decode.ts";
import { freeNow } from "../bson/owned_bytes.ts";
import { serializeDocument } from "../bson/undefined_value.ts";

const BUFFER_BYTES = 1024 * 1024;
/** The smallest read buffer a caller may ask for (a merge of many runs asks for less than 1 MiB each). */
const MIN_READ_BYTES = 64 * 1024;

/** Counters of what spilled (serverStatus, tests). */
export interface SpillStats {
  runs: number;
  bytesWritten: number;
}

export class SpillRun {
  #file: Deno.FsFile | undefined;
  /** The write buffer (allocated on the first append, dropped by `finish()`). */
  #buf: Uint8Array | undefined;
  #buffered = 0;
  #written = 0;
  #done = false;
  readonly #bufferBytes: number;
  constructor(
    private readonly path: string,
    private readonly stats: SpillStats,
    writeBufferBytes = BUFFER_BYTES,
  ) {
    this.#bufferBytes = Math.max(MIN_READ_BYTES, Math.min(BUFFER_BYTES, Math.floor(writeBufferBytes)));
    this.#file = Deno.openSync(path, { read: true, write: true, createNew: true });
    stats.runs++;
  }

  /** Appends one document (BSON-encoded). */
  append(doc: Record<string, unknown>): void {
    this.appendBytes(serializeDocument(doc));
  }

  /** Appends one encoded BSON document (copied: the caller may reuse `bytes` afterwards). */
  appendBytes(bytes: Uint8Array): void {
    if (this.#buffered + bytes.length > this.#bufferBytes) this.#flush();
    if (bytes.length >= this.#bufferBytes) {
      this.#write(bytes);
      return;
    }
    this.#buf ??= new Uint8Array(this.#bufferBytes);
    this.#buf.set(bytes, this.#buffered);
    this.#buffered += bytes.length;
  }

  /** Every document is appended: writes the buffer out and frees it until the run is read. */
  finish(): void {
    this.#flush();
    if (this.#buf) freeNow(this.#buf);
    this.#buf = undefined;
  }

  /** Bytes appended so far. */
  get bytes(): number {
    return this.#written + this.#buffered;
  }

  #flush(): void {
    if (this.#buffered === 0 || !this.#buf) return;
    this.#write(this.#buf.subarray(0, this.#buffered));
    this.#buffered = 0;
  }

  #write(bytes: Uint8Array): void {
    if (!this.#file) return;
    let n = 0;
    while (n < bytes.length) n += this.#file.writeSync(bytes.subarray(n));
    this.#written += bytes.length;
    this.stats.bytesWritten += bytes.length;
  }

  /** The encoded documents in append order; the file is deleted at the end (or on `return()`). */
  *readBytes(bufferBytes = BUFFER_BYTES): Generator<Uint8Array> {
    for (const view of this.#views(bufferBytes)) yield view.slice();
  }

  /** The documents' bytes in append order, each a view valid until the next is asked for; deletes the file at the end. */
  readStored(bufferBytes = BUFFER_BYTES): Generator<Uint8Array> {
    return this.#views(bufferBytes);
  }

  /**
   * The documents in append order (decoded as stored documents are, straight from the read buffer:
   * no copy of each document's bytes); deletes the file at the end.
   */
  *read(bufferBytes = BUFFER_BYTES): Generator<Record<string, unknown>> {
    for (const view of this.#views(bufferBytes)) yield decodeDocumentCopy(view);
  }

  /** Each document's bytes as a view into the read buffer, valid until the next one is asked for. */
  *#views(bufferBytes: number): Generator<Uint8Array> {
    this.finish();
    const file = this.#file;
    if (!file || this.#done) return;
    let buf = new Uint8Array(Math.max(MIN_READ_BYTES, Math.min(BUFFER_BYTES, Math.floor(bufferBytes))));
    try {
      file.seekSync(0, Deno.SeekMode.Start);
      let have = 0; // bytes in buf
      let pos = 0; // start of the next document in buf
      let eof = false;
      for (;;) {
        if (have - pos >= 4) {
          const len = new DataView(buf.buffer, buf.byteOffset + pos, 4).getInt32(0, true);
          if (have - pos >= len) {
            yield buf.subarray(pos, pos + len);
            pos += len;
            continue;
          }
          if (len > buf.length) {
            const bigger = new Uint8Array(len);
            bigger.set(buf.subarray(pos, have));
            have -= pos;
            pos = 0;
            buf = bigger;
          }
        }
        if (eof) return;
        if (pos > 0) {
          buf.copyWithin(0, pos, have);
          have -= pos;
          pos = 0;
        }
        const n = file.readSync(buf.subarray(have));
        if (n === null || n === 0) eof = true;
        else have += n;
      }
    } finally {
      freeNow(buf); // the documents read were copied out of it
      this.discard();
    }
  }

  /** Closes and deletes the file (idempotent). */
  discard(): void {
    if (this.#done) return;
    this.#done = true;
    this.#buf = undefined;
    try {
      this.#file?.close();
    } catch { /* already closed */ }
    this.#file = undefined;
    try {
      Deno.removeSync(this.path);
    } catch { /* already gone */ }
  }
}

export class SpillFiles {
  readonly stats: SpillStats = { runs: 0, bytesWritten: 0 };
  #dir: string | undefined;
  #seq = 0;
  /** `storagePath` is the data directory or ":memory:". */
  constructor(private readonly storagePath: string) {}

  #directory(): string {
    if (this.#dir) return this.#dir;
    if (this.storagePath === ":memory:") {
      this.#dir = Deno.makeTempDirSync({ prefix: "secantus-spill-" });
    } else {
      const dir = `${this.storagePath}/_tmp`;
      try {
        Deno.removeSync(dir, { recursive: true }); // leftovers of a crashed process
      } catch { /* none */ }
      Deno.mkdirSync(dir, { recursive: true });
      this.#dir = dir;
    }
    return this.#dir;
  }

  /** A new, empty run file, written through a buffer of `writeBufferBytes` (64 KiB – 1 MiB; default 1 MiB). */
  newRun(writeBufferBytes?: number): SpillRun {
    const path = `${this.#directory()}/spill-${Deno.pid}-${Date.now()}-${this.#seq++}.bson`;
    return new SpillRun(path, this.stats, writeBufferBytes);
  }

  /** Removes the directory (server stop). */
  close(): void {
    if (!this.#dir) return;
    try {
      Deno.removeSync(this.#dir, { recursive: true });
    } catch { /* gone */ }
    this.#dir = undefined;
  }
}
