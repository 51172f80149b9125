/**
 * `secantusdb restore-archive --archive X --target-dir DIR [--allow-existing]`: offline restore of a
 * native backup (src/backup/restore.ts): verifies the manifest and every checksum, refuses unsafe
 * members and a directory a running server holds, and shows a progress bar on a terminal (plain
 * lines, every 10 %, otherwise). Exit codes: 0 restored, 1 the restore failed (message says why),
 * 2 bad flags.
 *
 * Point-in-time recovery: with `--oplog-archive DIR --to-time ISO|T,I|latest` (or `--to-ts T,I`),
 * the archived oplog (`[oplog] archive_dir`) is then replayed from the restored data's newest oplog
 * entry up to the target (src/backup/pitr_restore.ts: pitr.ts checks the archive covers it,
 * src/app/pitr_replay.ts applies it). A failed replay removes a target directory this restore created.
 */
import { parseArgs } from "node:util";
import { restoreArchive, RestoreError, type RestoreResult } from "../backup/mod.ts";
import { describeTarget, fmtTs, parseTarget, type PitrTarget } from "../backup/pitr.ts";
import { pointInTimeRestore, reachedText } from "../backup/pitr_restore.ts";
import { replayOplog } from "../app/pitr_replay.ts";
import { startServer } from "../app/start_server.ts";

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
  let target: PitrTarget | undefined;
  try {
    if (targetText !== undefined) {
      target = parseTarget(targetText);
      if (toTs !== undefined && target.kind !== "ts") {
        throw new RestoreError(`--to-ts takes a timestamp T,I, got '${toTs}'`);
      }
    }
  } catch (e) {
    if (e instanceof RestoreError) {
      console.error(`secantusdb restore-archive: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const enc = new TextEncoder();
  const progress = progressReporter(
    (s) => void Deno.stderr.writeSync(enc.encode(s)),
    Deno.stderr.isTerminal(),
  );
  const printRestored = (r: RestoreResult) => {
    progress.finish();
    const m = r.manifest;
    console.log(
      `restored ${values.archive} (taken ${m.createdAt} by secantusdb ${m.server.version}) into ${r.targetDir}: ` +
        `${r.files} files, ${r.bytes} bytes, ${m.collections.length} collections, ${r.durationMs} ms`,
    );
  };
  try {
    if (target === undefined) {
      printRestored(
        await restoreArchive({
          archive: values.archive,
          targetDir: values["target-dir"],
          allowExisting: values["allow-existing"] === true,
          onProgress: (d, t) => progress.update(d, t),
        }),
      );
      return 0;
    }
    const pitrTarget = target;
    const archiveDir = values["oplog-archive"]!;
    const o = await pointInTimeRestore(
      {
        archive: values.archive,
        targetDir: values["target-dir"],
        allowExisting: values["allow-existing"] === true,
        oplogArchive: archiveDir,
        target: pitrTarget,
        onProgress: (d, t) => progress.update(d, t),
      },
      (dir, listing, from, t) => replayOplog(startServer, dir, listing, from, t),
      {
        restored: printRestored,
        replaying: (from) =>
          console.log(
            `replaying the oplog archive ${archiveDir} after ${fmtTs(from)} up to ${
              describeTarget(pitrTarget)
            }…`,
          ),
      },
    );
    console.log(
      `replayed ${o.replay.applied} oplog entries (${o.replay.noops} no-ops skipped) in ${o.replay.durationMs} ms; ` +
        `the data is now as of ${reachedText(o)}`,
    );
    if (!o.replay.reachedTarget) {
      console.log(
        `warning: the oplog archive ends before ${describeTarget(pitrTarget)}: ` +
          "later writes were not archived (or the archive copy is older)",
      );
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
