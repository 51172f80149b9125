/**
 * secantusdb entry point: picks the subcommand from argv and hands over. No logic lives here.
 *   secantusdb [serve] [flags]     the database server (default)
 *   secantusdb restore-archive …   offline restore of a backup archive (backup issue)
 *   secantusdb admin …             the web dashboard (admin issue)
 *   secantusdb --version | --help
 */
import { serve } from "./src/cli/serve.ts";
import { serveHelp, topHelp } from "./src/cli/help.ts";
import { versionText } from "./src/cli/version.ts";

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  switch (first) {
    case "serve":
      return await serve(rest);
    case "restore-archive":
    case "admin":
      console.error(`secantusdb ${first}: not available yet in this build`);
      return 2;
    case "help":
      console.log(topHelp());
      return 0;
    case "--version":
    case "version":
      console.log(versionText());
      return 0;
    default:
      if (argv.length === 1 && (first === "--help" || first === "-h")) {
        console.log(`${topHelp()}\n\n${serveHelp()}`);
        return 0;
      }
      return await serve(argv);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
