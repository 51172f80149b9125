/**
 * `secantusdb restore-archive --archive X --target-dir DIR [--allow-existing]`: offline restore of a
 * native backup (src/backup/restore.ts): verifies the manifest and every checksum, refuses unsafe
 * members and a directory a running server holds, and shows a progress bar on a terminal (plain
 * lines, every 10 %, otherwise). Exit codes: 0 restored, 1 the restore failed (message says why),
 * 2 bad flags.
 */
import { parseArgs } from "node:util";
import { restoreArchive, RestoreError } from "../backup/mod.ts";

export function restoreArchiveHelp(): string {
  return [
    "Usage: secantusdb restore-archive --archive <file.tar.gz> --target-dir <dir> [--allow-existing]",
    "",
    "Restores a native backup (secantusAdmin.backupArchive / secantusdb backup) into a data directory",
    "for a server to start on. The server must not be running on that directory.",
    "",
    "  --archive <file>     the .tar.gz to restore",
    "  --target-dir <dir>   where to restore (created; must be empty unless --allow-existing)",
    "  --allow-existing     restore into a non-empty directory (files of the same names are replaced)",
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
