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
 *
 * Run directly (`deno run main.ts`, `deno compile`) or through `deno task start`'s launcher
 * (scripts/start.ts), which calls `main` of this module or of its bundle with the repository root.
 */
import { setShimPath, SHIM_FILE_NAME } from "./ffi/wiredtiger/load.ts";
import { preloadWiredTiger } from "./ffi/wiredtiger/preload.ts";
import { setRepositoryRoot } from "./src/cli/root.ts";
import { importBsonWebOnly } from "./src/app/bson_web_only.ts";

const INFO_FLAGS = new Set(["--help", "-h", "--version", "help", "version"]);

/** `deno task start -- --port 0` passes the `--` on: a leading separator, not an argument. */
function withoutSeparator(argv: string[]): string[] {
  return argv[0] === "--" ? argv.slice(1) : argv;
}

/**
 * What `main` does before it hands over to a subcommand: where the repository root and the WiredTiger shim
 * are and, when `argv` starts the server, WiredTiger's preload and the import of npm bson with its web utilities.
 * Idempotent. Exported for `deno task start`'s launcher (scripts/start.ts), which runs it while its
 * staleness check of the bundle runs on another thread.
 */
export async function prepare(argv: string[], root: URL = new URL("./", import.meta.url)): Promise<void> {
  setRepositoryRoot(root);
  setShimPath(new URL(`ffi/wiredtiger/shim/${SHIM_FILE_NAME}`, root));
  argv = withoutSeparator(argv);
  const first = argv[0];
  const serving = first === "serve" || (first === undefined || !INFO_FLAGS.has(first)) &&
      !["restore-archive", "backup", "dump", "load", "admin"].includes(first ?? "");
  if (serving && !argv.some((a) => INFO_FLAGS.has(a))) {
    preloadWiredTiger();
    await importBsonWebOnly();
  }
}

/**
 * Runs the program with `argv` (no executable or script name); returns the exit code. `root` is the
 * repository root, where the WiredTiger shim and main.ts are found (this module's folder unless a
 * launcher running a bundle says otherwise).
 */
export async function main(argv: string[], root: URL = new URL("./", import.meta.url)): Promise<number> {
  await prepare(argv, root);
  argv = withoutSeparator(argv);
  const [first, ...rest] = argv;
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
