/**
 * `secantusdb backup --uri <mongodb://…> --out <file.tar.gz>`: asks a running server for a native
 * backup (`secantusAdmin.backupArchive`); the server writes the archive, so `--out` is a path on the
 * server's machine (made absolute here). Prints the size and the time taken. Exit codes: 0 done,
 * 1 the server refused or could not be reached, 2 bad flags.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { MongoClient } from "mongodb";

export function backupHelp(): string {
  return [
    "Usage: secantusdb backup --uri <mongodb://host:port/> --out <file.tar.gz>",
    "",
    "Takes a native backup of a running server (secantusAdmin.backupArchive): a consistent .tar.gz of",
    "its data files with a manifest, written by the server (the path is on the server's machine).",
    "",
    "  --uri <uri>    the server (default mongodb://127.0.0.1:27017/)",
    "  --out <file>   the archive to write; must not exist",
  ].join("\n");
}

export async function backupCli(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { uri: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    console.error(`secantusdb backup: ${e instanceof Error ? e.message : String(e)} (see --help)`);
    return 2;
  }
  if (values.help) {
    console.log(backupHelp());
    return 0;
  }
  if (!values.out) {
    console.error("secantusdb backup: --out is required (see --help)");
    return 2;
  }
  const client = new MongoClient(values.uri ?? "mongodb://127.0.0.1:27017/", {
    serverSelectionTimeoutMS: 10_000,
  });
  try {
    const r = await client.db("admin").command({
      "secantusAdmin.backupArchive": 1,
      outputPath: resolve(values.out),
    });
    console.log(
      `backup written to ${r["path"]}: ${r["size"]} bytes, ${r["files"]} files, ${r["durationMs"]} ms`,
    );
    return 0;
  } catch (e) {
    console.error(`secantusdb backup: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await client.close();
  }
}
