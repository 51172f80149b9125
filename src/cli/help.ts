/**
 * `--help` text. `serveHelp()` is generated from the config key table (config/keys.ts), grouped by TOML
 * table, so every flag shows with its TOML key and default; `topHelp()` lists the subcommands.
 */
import {
  CONFIG_FILE_NAME,
  CONFIG_TABLES,
  defaultConfig,
  formatSize,
  getField,
  KEY_SPECS,
  type KeySpec,
  SYSTEM_CONFIG_PATH,
} from "../config/mod.ts";
import { VERSION } from "./version.ts";

/** What a not-yet-built subcommand prints. */
export const NOT_AVAILABLE_YET = "not available yet in this build";

function defaultText(spec: KeySpec): string {
  const value = getField(defaultConfig(), spec);
  if (value === undefined) return "unset";
  if (spec.kind === "size" && typeof value === "number") return `"${formatSize(value)}"`;
  return typeof value === "string" ? `"${value}"` : String(value);
}

function flagText(spec: KeySpec): string {
  if (spec.flag === undefined) return "(file only)";
  const value = spec.kind === "bool" ? "" : " <value>";
  const names = [`--${spec.flag}${value}`];
  for (const alias of spec.aliases ?? []) names.push(`--${alias}${value}`);
  if (spec.negFlag !== undefined) names.push(`--${spec.negFlag}`);
  return names.join(", ");
}

/** Help for the serve command: every flag with its TOML key and default, grouped by table. */
export function serveHelp(): string {
  const lines = [
    `secantusdb ${VERSION} — MongoDB-wire-compatible document database`,
    "",
    "Usage: secantusdb [serve] [flags]",
    "",
    "Configuration: defaults < config file < flags. Without --config, the first existing file of",
    `  ./${CONFIG_FILE_NAME}, ~/.secantus/${CONFIG_FILE_NAME}, ${SYSTEM_CONFIG_PATH} is read.`,
    "",
    "  --config <path>      read this file instead (discovery off; a missing file is an error)",
    "  -h, --help           show this help",
    "  --version            show the version",
  ];
  for (const table of CONFIG_TABLES) {
    lines.push("", `[${table}]`);
    for (const spec of KEY_SPECS.filter((s) => s.table === table)) {
      lines.push(`  ${flagText(spec)}`);
      lines.push(`      ${spec.key} = ${defaultText(spec)} — ${spec.help}`);
    }
  }
  lines.push("", "Exit codes: 0 clean stop, 1 runtime failure, 2 bad flags or configuration.");
  return lines.join("\n");
}

/** Help for the program as a whole: the subcommands. */
export function topHelp(): string {
  return [
    `secantusdb ${VERSION} — MongoDB-wire-compatible document database`,
    "",
    "Usage: secantusdb [command] [flags]",
    "",
    "Commands:",
    "  serve             run the database server (the default when no command is given)",
    "  restore-archive   restore a backup archive into a new data directory (--help for flags)",
    "  backup            native backup of a running server to a .tar.gz (--help for flags)",
    "  admin             web admin dashboard (secantusdb admin --help)",
    "  dump              mongodump's formats from a server or a data directory (--help for flags)",
    "  load              load a mongodump directory or archive into a server (--help for flags)",
    "",
    "  --help, -h        show help (secantusdb serve --help lists every server flag)",
    "  --version         show the version",
  ].join("\n");
}
