/**
 * cli/ — one file per subcommand (serve.ts, backup.ts, restore_archive.ts; admin and dump later) plus flag
 * parsing (args.ts), help and version text. Parses argv into a Config and hands over to src/app.
 */
export { serve } from "./serve.ts";
export { serveHelp, topHelp } from "./help.ts";
export { versionText } from "./version.ts";
