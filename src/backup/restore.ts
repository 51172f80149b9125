/**
 * Restore of a native backup archive into a directory, offline (the CLI) or from a running server
 * (`secantusAdmin.restoreArchive`, which never touches its own data directory):
 *
 *  - the target must not exist or be empty, unless `allowExisting`; a directory a running server
 *    holds (WiredTiger.lock locked by a process) is always refused;
 *  - members are extracted into a fresh sibling folder (`<target>.restore-<pid>`), refusing absolute
 *    names, `..`, anything outside `data/` and anything but regular files (links, devices, folders);
 *  - every file's size and SHA-256 are checked against `manifest.json` (and every manifest file must
 *    be present) before the folder is moved into place; on any failure the sibling folder is removed
 *    and the target is left as it was.
 * Progress (`onProgress`) counts compressed bytes read out of the archive's size.
 */
import { basename, dirname, join, resolve } from "node:path";
import { DATA_PREFIX, type Manifest, MANIFEST_NAME, parseManifest, safeMemberName } from "./manifest.ts";
import { sha256 } from "./sha256.ts";
import { loadTarStream } from "./tar_stream.ts";
import { lockedByProcess } from "./wt_lock.ts";

export interface RestoreOptions {
  readonly archive: string;
  readonly targetDir: string;
  /** Restore into a non-empty directory (its files of the same names are replaced). */
  readonly allowExisting?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RestoreResult {
  readonly targetDir: string;
  readonly manifest: Manifest;
  readonly files: number;
  readonly bytes: number;
  readonly durationMs: number;
}

/** A restore that cannot proceed; the message says why (the CLI prints it, exit code 1). */
export class RestoreError extends Error {
  override readonly name = "RestoreError";
}

function entries(dir: string): string[] | undefined {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Checks the target before any work. */
export function checkTarget(targetDir: string, allowExisting: boolean): void {
  const names = entries(targetDir);
  if (names === undefined) return;
  if (lockedByProcess(join(targetDir, "WiredTiger.lock"))) {
    throw new RestoreError(
      `${targetDir} is in use by a running server (WiredTiger.lock is held); stop it first`,
    );
  }
  if (names.length > 0 && !allowExisting) {
    throw new RestoreError(`${targetDir} is not empty; pass --allow-existing to restore into it anyway`);
  }
}

export async function restoreArchive(opts: RestoreOptions): Promise<RestoreResult> {
  // tar-stream and node:stream load on first use, not at server start (start-up time).
  const [{ extract: tarExtract }, { Readable }] = await Promise.all([
    loadTarStream(),
    import("node:stream"),
  ]);
  const started = performance.now();
  const target = resolve(opts.targetDir);
  checkTarget(target, opts.allowExisting === true);
  let total: number;
  try {
    total = Deno.statSync(opts.archive).size;
  } catch {
    throw new RestoreError(`archive ${opts.archive} not found`);
  }
  const parent = dirname(target);
  try {
    Deno.mkdirSync(parent, { recursive: true });
  } catch { /* reported by the mkdir below */ }
  const staging = join(parent, `.${basename(target)}.restore-${Deno.pid}-${Date.now()}`);
  Deno.mkdirSync(staging, { mode: 0o700 });
  try {
    const seen = new Map<string, { size: number; sha256: string }>();
    let manifestText: string | undefined;
    let done = 0;
    const file = await Deno.open(opts.archive, { read: true });
    const counted = file.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, ctl) {
          done += chunk.length;
          opts.onProgress?.(done, total);
          ctl.enqueue(chunk);
        },
      }),
    ).pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>);
    const ex = tarExtract();
    const feed = Readable.fromWeb(counted as unknown as Parameters<typeof Readable.fromWeb>[0]);
    feed.on("error", (e: Error) => ex.destroy(e));
    feed.pipe(ex as unknown as NodeJS.WritableStream);
    try {
      for await (const entry of ex) {
        const h = entry.header;
        if (!safeMemberName(h.name)) {
          throw new RestoreError(`archive member '${h.name}' is not allowed (unsafe path)`);
        }
        if (h.type !== "file") {
          throw new RestoreError(`archive member '${h.name}' is a ${h.type}, not a file`);
        }
        if (h.name === MANIFEST_NAME) {
          const parts: Uint8Array[] = [];
          for await (const c of entry) parts.push(c as Uint8Array);
          manifestText = new TextDecoder().decode(concat(parts));
          continue;
        }
        const rel = h.name.slice(DATA_PREFIX.length);
        if (rel.includes("/")) {
          throw new RestoreError(`archive member '${h.name}' is not allowed (nested path)`);
        }
        if (seen.has(rel)) throw new RestoreError(`archive member '${h.name}' appears twice`);
        const hash = sha256();
        let size = 0;
        using out = await Deno.open(join(staging, rel), { write: true, createNew: true, mode: 0o600 });
        for await (const c of entry) {
          const chunk = c as Uint8Array;
          hash.update(chunk);
          size += chunk.length;
          let w = 0;
          while (w < chunk.length) w += await out.write(chunk.subarray(w));
        }
        seen.set(rel, { size, sha256: hash.hex() });
      }
    } catch (e) {
      feed.destroy();
      if (e instanceof RestoreError) throw e;
      throw new RestoreError(
        `${opts.archive} is not a readable backup archive: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (manifestText === undefined) throw new RestoreError(`${opts.archive} has no ${MANIFEST_NAME}`);
    const manifest = parseManifest(manifestText);
    for (const f of manifest.files) {
      const got = seen.get(f.name);
      if (!got) throw new RestoreError(`file ${f.name} listed in the manifest is missing from the archive`);
      if (got.size !== f.size || got.sha256 !== f.sha256) {
        throw new RestoreError(`file ${f.name} does not match its manifest checksum (archive corrupted)`);
      }
    }
    if (seen.size !== manifest.files.length) {
      throw new RestoreError("the archive holds files the manifest does not list");
    }
    let bytes = 0;
    for (const f of manifest.files) bytes += f.size;
    moveIntoPlace(staging, target, [...seen.keys()]);
    return {
      targetDir: target,
      manifest,
      files: manifest.files.length,
      bytes,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    try {
      Deno.removeSync(staging, { recursive: true });
    } catch { /* moved into place */ }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Staging folder → target: a rename when the target is absent or empty, else file by file. */
function moveIntoPlace(staging: string, target: string, names: readonly string[]): void {
  const existing = entries(target);
  if (existing === undefined || existing.length === 0) {
    if (existing !== undefined) Deno.removeSync(target);
    Deno.renameSync(staging, target);
    return;
  }
  checkTarget(target, true); // a server may have started on it meanwhile
  for (const n of names) Deno.renameSync(join(staging, n), join(target, n));
}
