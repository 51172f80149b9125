/**
 * secantusdb entry point: picks the subcommand from argv and hands over. No logic lives here.
 *   secantusdb [serve] [flags]     the database server (default)
 *   secantusdb restore-archive …   offline restore of a backup archive
 *   secantusdb backup …            native backup of a running server
 *   secantusdb dump … / load …     mongodump's formats, out of and into a server
 *   secantusdb admin …             the web dashboard (admin issue)
 *   secantusdb --version | --help
 *
 * For serve, WiredTiger's one-time initialisation is started on a background thread before the rest
 * of the program is loaded (dynamic import), so the two overlap (start-up time is a product feature).
 */
import { preloadWiredTiger } from "./ffi/wiredtiger/preload.ts";

const INFO_FLAGS = new Set(["--help", "-h", "--version", "help", "version"]);

/**
 * npm:bson, imported with the `process` global hidden: its ObjectId class probes
 * `process.getBuiltinModule("v8")` when it loads (for Node's startup snapshots, which we never build), and
 * touching `process` loads Deno's Node compatibility layer (~15 ms of CPU) before the server can serve.
 * Nothing else runs meanwhile; `process` is restored before anything reads it.
 */
async function importBsonWithoutNodeProcess(): Promise<void> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "process");
  if (descriptor === undefined || !descriptor.configurable) return;
  Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
  try {
    await import("bson");
  } finally {
    Object.defineProperty(globalThis, "process", descriptor);
  }
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const serving = first === "serve" || (first === undefined || !INFO_FLAGS.has(first)) &&
      !["restore-archive", "backup", "dump", "load", "admin"].includes(first ?? "");
  if (serving && !argv.some((a) => INFO_FLAGS.has(a))) {
    preloadWiredTiger();
    await importBsonWithoutNodeProcess();
  }
  switch (first) {
    case "serve":
      return await (await import("./src/cli/serve.ts")).serve(rest);
    case "restore-archive":
      return await (await import("./src/cli/restore_archive.ts")).restoreArchiveCli(rest);
    case "backup":
      return await (await import("./src/cli/backup.ts")).backupCli(rest);
    case "dump":
      return await (await import("./src/cli/dump.ts")).dumpCli(rest);
    case "load":
      return await (await import("./src/cli/load.ts")).loadCli(rest);
    case "admin":
      return await (await import("./src/cli/admin.ts")).admin(rest);
    case "help":
      console.log((await import("./src/cli/help.ts")).topHelp());
      return 0;
    case "--version":
    case "version":
      console.log((await import("./src/cli/version.ts")).versionText());
      return 0;
    default:
      if (argv.length === 1 && (first === "--help" || first === "-h")) {
        const help = await import("./src/cli/help.ts");
        console.log(`${help.topHelp()}\n\n${help.serveHelp()}`);
        return 0;
      }
      return await (await import("./src/cli/serve.ts")).serve(argv);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
