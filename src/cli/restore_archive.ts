/**
 * `secantusdb restore-archive --archive X --target-dir DIR [--allow-existing]`: offline restore of a
 * native backup (src/backup/restore.ts): verifies the manifest and every checksum, refuses unsafe
 * members and a directory a running server holds, and shows a progress bar on a terminal (plain
 * lines, every 10 %, otherwise). Exit codes: 0 restored, 1 the restore failed (message says why),
 * 2 bad flags.
 *
 * Point-in-time recovery: with `--oplog-archive DIR --to-time ISO|T,I|latest` (or `--to-ts T,I`),
 * the archived oplog (`[oplog] archive_dir`) is then replayed from the restored data's newest oplog
 * entry up to the target (src/backup/pitr.ts checks the archive covers it; pitr_replay.ts applies
 * it). A failed replay removes a target directory this restore created.
 */
import { parseArgs } from "node:util";
import { checkTarget, restoreArchive, RestoreError } from "../backup/mod.ts";
import {
  checkCoverage,
  describeTarget,
  fmtTs,
  openArchive,
  oplogEnd,
  parseTarget,
  type PitrTarget,
} from "../backup/pitr.ts";
import type { ArchiveListing } from "../oplog/archive_files.ts";
import { replayOplog } from "./pitr_replay.ts";

export function restoreArchiveHelp(): string {
  return [
    "Usage: secantusdb restore-archive --archive <file.tar.gz> --target-dir <dir> [--allow-existing]",
    "         [--oplog-archive <dir> (--to-time <ISO date|T,I|latest> | --to-ts <T,I>)]",
    "",
    "Restores a native backup (secantusAdmin.backupArchive / secantusdb backup) into a data directory",
    "for a server to start on. The server must not be running on that directory.",
    "",
    "  --archive <file>       the .tar.gz to restore",
    "  --target-dir <dir>     where to restore (created; must be empty unless --allow-existing)",
    "  --allow-existing       restore into a non-empty directory (files of the same names are replaced)",
    "",
    "Point-in-time recovery (the server kept an oplog archive: [oplog] archive_dir):",
    "  --oplog-archive <dir>  a copy of the server's archive_dir",
    "  --to-time <when>       replay the archived oplog after the backup up to this moment, inclusive:",
    "                         an ISO 8601 date-time with a zone (2026-12-02T05:00:00Z, compared with each",
    "                         entry's wall clock), a timestamp T,I, or latest (all that was archived)",
    "  --to-ts <T,I>          replay up to this oplog timestamp, inclusive",
  ].join("\n");
}

/** A progress reporter: a redrawn bar on a terminal, a line every 10 % otherwise. */
export function progressReporter(
  write: (s: string) => void,
  tty: boolean,
): { update(done: number, total: number): void; finish(): void } {
  let lastTenth = -1;
  let lastDraw = 0;
  return {
    update(done, total) {
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && frac < 1) return;
        lastDraw = now;
        const width = 30;
        const full = Math.round(frac * width);
        write(
          `\r[${"#".repeat(full)}${" ".repeat(width - full)}] ${(frac * 100).toFixed(0).padStart(3)}% ` +
            `${(done / 1048576).toFixed(1)}/${(total / 1048576).toFixed(1)} MB`,
        );
      } else {
        const tenth = Math.floor(frac * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          write(`restore: ${tenth * 10}% (${done} of ${total} bytes read)\n`);
        }
      }
    },
    finish() {
      if (tty) write("\n");
    },
  };
}

export async function restoreArchiveCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        archive: { type: "string" },
        "target-dir": { type: "string" },
        "allow-existing": { type: "boolean" },
        "oplog-archive": { type: "string" },
        "to-time": { type: "string" },
        "to-ts": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`secantusdb restore-archive: ${e instanceof Error ? e.message : String(e)} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(restoreArchiveHelp());
    return 0;
  }
  if (!values.archive || !values["target-dir"]) {
    console.error("secantusdb restore-archive: --archive and --target-dir are required (see --help)");
    return 2;
  }
  const toTime = values["to-time"];
  const toTs = values["to-ts"];
  if (toTime !== undefined && toTs !== undefined) {
    console.error("secantusdb restore-archive: give --to-time or --to-ts, not both (see --help)");
    return 2;
  }
  const targetText = toTime ?? toTs;
  if ((targetText === undefined) !== (values["oplog-archive"] === undefined)) {
    console.error(
      "secantusdb restore-archive: --oplog-archive and --to-time/--to-ts go together (see --help)",
    );
    return 2;
  }
  let pitr: { target: PitrTarget; listing: ArchiveListing; dir: string } | undefined;
  try {
    if (targetText !== undefined && values["oplog-archive"] !== undefined) {
      const target = parseTarget(targetText);
      if (toTs !== undefined && target.kind !== "ts") {
        throw new RestoreError(`--to-ts takes a timestamp T,I, got '${toTs}'`);
      }
      pitr = { target, listing: openArchive(values["oplog-archive"]), dir: values["oplog-archive"] };
      checkTarget(values["target-dir"], values["allow-existing"] === true);
    }
  } catch (e) {
    if (e instanceof RestoreError) {
      console.error(`secantusdb restore-archive: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const created = !dirHasEntries(values["target-dir"]);
  const enc = new TextEncoder();
  const progress = progressReporter(
    (s) => void Deno.stderr.writeSync(enc.encode(s)),
    Deno.stderr.isTerminal(),
  );
  try {
    const r = await restoreArchive({
      archive: values.archive,
      targetDir: values["target-dir"],
      allowExisting: values["allow-existing"] === true,
      onProgress: (d, t) => progress.update(d, t),
    });
    progress.finish();
    const m = r.manifest;
    console.log(
      `restored ${values.archive} (taken ${m.createdAt} by secantusdb ${m.server.version}) into ${r.targetDir}: ` +
        `${r.files} files, ${r.bytes} bytes, ${m.collections.length} collections, ${r.durationMs} ms`,
    );
    if (pitr) {
      try {
        await pointInTime(r.targetDir, pitr.listing, pitr.target, pitr.dir);
      } catch (e) {
        if (created) {
          try {
            Deno.removeSync(r.targetDir, { recursive: true });
          } catch { /* report the first error */ }
        }
        throw e instanceof RestoreError
          ? new RestoreError(
            `${e.message}${
              created ? ` (${r.targetDir} was removed)` : ` (${r.targetDir} holds a partial replay)`
            }`,
          )
          : e;
      }
    }
    return 0;
  } catch (e) {
    progress.finish();
    if (e instanceof RestoreError) {
      console.error(`secantusdb restore-archive: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function dirHasEntries(dir: string): boolean {
  try {
    for (const _ of Deno.readDirSync(dir)) return true;
    return false;
  } catch {
    return false;
  }
}

/** Checks the archive covers the way from the restored data to the target, then replays it. */
async function pointInTime(
  dataDir: string,
  listing: ArchiveListing,
  target: PitrTarget,
  archiveDir: string,
): Promise<void> {
  const from = oplogEnd(dataDir);
  checkCoverage(listing, from, target);
  console.log(
    `replaying the oplog archive ${archiveDir} after ${fmtTs(from!)} up to ${describeTarget(target)}…`,
  );
  const r = await replayOplog(dataDir, listing, from!, target);
  const reached = r.last
    ? `${fmtTs(r.last)}${r.lastWall ? ` (${r.lastWall.toISOString()})` : ""}`
    : `${fmtTs(from!)} (nothing newer was archived)`;
  console.log(
    `replayed ${r.applied} oplog entries (${r.noops} no-ops skipped) in ${r.durationMs} ms; ` +
      `the data is now as of ${reached}`,
  );
  if (!r.reachedTarget) {
    console.log(
      `warning: the oplog archive ends before ${describeTarget(target)}: ` +
        "later writes were not archived (or the archive copy is older)",
    );
  }
}
