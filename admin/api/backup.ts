/**
 * The /backup page's server side: archives in the backup directory (name, size, date), creating one
 * through `secantusAdmin.backupArchive {outputPath}` (a SecantusDB command; other servers answer
 * CommandNotFound and the page says so), and extracting one by running `secantusdb restore-archive
 * --archive A --target-dir D` as a child process whose output lines are the progress the page polls.
 *
 * The directory is the admin process's own view of the disk; the server writes the archive at the same
 * path, so creating works when both run on one machine (the loopback default).
 */
import { basename, join, resolve } from "node:path";
import type { Mongo } from "../mongo.ts";

export interface ArchiveRow {
  name: string;
  size: number;
  mtime: number | null;
}

const ARCHIVE = /\.(tar\.gz|tgz|tar)$/;

export async function listArchives(dir: string): Promise<ArchiveRow[]> {
  const rows: ArchiveRow[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !ARCHIVE.test(e.name)) continue;
      const st = await Deno.stat(join(dir, e.name));
      rows.push({ name: e.name, size: st.size, mtime: st.mtime?.getTime() ?? null });
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  return rows.sort((a, b) => (b.mtime ?? 0) - (a.mtime ?? 0));
}

/** A plain file name inside the directory (no separators, no `..`). */
export function safeName(name: string): string | null {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(name) || name.startsWith(".")) return null;
  return basename(name) === name ? name : null;
}

export function defaultArchiveName(now = new Date()): string {
  return `archive-${now.toISOString().replace(/[:.]/g, "-")}.tar.gz`;
}

export async function createArchive(mongo: Mongo, dir: string, name: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const outputPath = resolve(dir, name);
  await mongo.command("admin", { "secantusAdmin.backupArchive": 1, outputPath });
  return outputPath;
}

export interface Job {
  id: string;
  archive: string;
  targetDir: string;
  started: number;
  done: boolean;
  code: number | null;
  output: string[];
}

/** Extraction jobs (restore-archive child processes), kept until the dashboard stops. */
export class Jobs {
  readonly #jobs = new Map<string, Job>();
  readonly #children = new Set<Deno.ChildProcess>();
  #next = 1;

  /** `restoreCommand`: argv prefix that runs `secantusdb restore-archive`. */
  constructor(readonly restoreCommand: readonly string[]) {}

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  extract(archivePath: string, targetDir: string): Job {
    const job: Job = {
      id: String(this.#next++),
      archive: archivePath,
      targetDir,
      started: Date.now(),
      done: false,
      code: null,
      output: [],
    };
    this.#jobs.set(job.id, job);
    const [cmd, ...pre] = this.restoreCommand;
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(cmd!, {
        args: [...pre, "--archive", archivePath, "--target-dir", targetDir],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      job.output.push(`could not start restore-archive: ${e instanceof Error ? e.message : e}`);
      job.done = true;
      return job;
    }
    this.#children.add(child);
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split(/\r|\n/);
        rest = parts.pop() ?? "";
        for (const p of parts) if (p.trim() !== "") job.output.push(p);
        if (job.output.length > 500) job.output.splice(0, job.output.length - 500);
      }
      if (rest.trim() !== "") job.output.push(rest);
    };
    Promise.all([pump(child.stdout), pump(child.stderr), child.status]).then(([, , status]) => {
      job.code = status.code;
      job.done = true;
      this.#children.delete(child);
    });
    return job;
  }

  /** Stops running extractions (the dashboard is shutting down). */
  async stop(): Promise<void> {
    for (const c of this.#children) {
      try {
        c.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    await Promise.all([...this.#children].map((c) => c.status.catch(() => undefined)));
  }
}
