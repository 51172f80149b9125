/**
 * `secantusdb admin [--uri mongodb://…] [--port N] [--host 127.0.0.1] [--no-window] [--token T |
 * --token-file P] [--backup-dir D]`: starts the web dashboard (admin/) against any MongoDB-wire server.
 * Loopback by default; the token is generated and printed once (as a sign-in URL) unless given. Without
 * --no-window it opens the desktop browser when one exists and says so when none does. Runs until
 * SIGINT/SIGTERM. Bad flags exit 2.
 */
import { parseArgs } from "node:util";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { generateToken, readTokenFile, startAdmin, TokenFileError } from "../../admin/mod.ts";
import { repositoryRoot } from "./root.ts";

export interface AdminFlags {
  uri: string;
  host: string;
  port: number;
  window: boolean;
  token?: string;
  tokenFile?: string;
  backupDir?: string;
  help: boolean;
}

export class AdminFlagError extends Error {}

export const DEFAULT_ADMIN_PORT = 8081;

export function adminHelp(): string {
  return [
    "Usage: secantusdb admin [flags]",
    "",
    "The web dashboard: talks to any MongoDB-wire server through the Node driver.",
    "",
    "  --uri <uri>          server to administer (default mongodb://127.0.0.1:27017/; credentials and",
    "                       TLS options go in the URI, e.g. ?tls=true&tlsCAFile=ca.pem)",
    "  --host <addr>        listen address (default 127.0.0.1; anything else exposes the dashboard)",
    `  --port <n>           listen port (default ${DEFAULT_ADMIN_PORT}; 0 = any free port)`,
    "  --no-window          do not open a desktop browser (headless)",
    "  --token <t>          the access token (default: a random one, printed once)",
    "  --token-file <path>  read the token from a file only its owner can read (chmod 600)",
    "  --backup-dir <dir>   directory of backup archives for the /backup page (default ./backups)",
    "  -h, --help           show this help",
  ].join("\n");
}

export function parseAdminFlags(argv: readonly string[]): AdminFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        uri: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "no-window": { type: "boolean" },
        token: { type: "string" },
        "token-file": { type: "string" },
        "backup-dir": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new AdminFlagError(`${e instanceof Error ? e.message : e}; see secantusdb admin --help`);
  }
  const v = parsed.values;
  const port = v.port === undefined ? DEFAULT_ADMIN_PORT : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AdminFlagError(`invalid value for --port: expected 0-65535, got ${JSON.stringify(v.port)}`);
  }
  if (v.token !== undefined && v["token-file"] !== undefined) {
    throw new AdminFlagError("give --token or --token-file, not both");
  }
  if (v.token !== undefined && v.token.length < 16) {
    throw new AdminFlagError("--token must be at least 16 characters");
  }
  const uri = v.uri ?? "mongodb://127.0.0.1:27017/";
  if (!/^mongodb(\+srv)?:\/\//.test(uri)) throw new AdminFlagError(`--uri must start with mongodb://`);
  const out: AdminFlags = { uri, host: v.host ?? "127.0.0.1", port, window: !v["no-window"], help: !!v.help };
  if (v.token !== undefined) out.token = v.token;
  if (v["token-file"] !== undefined) out.tokenFile = v["token-file"];
  if (v["backup-dir"] !== undefined) out.backupDir = v["backup-dir"];
  return out;
}

/** argv prefix that runs `secantusdb restore-archive` from this same program. */
export function restoreCommand(): string[] {
  const exe = Deno.execPath();
  if (basename(exe).startsWith("deno")) {
    return [exe, "run", "-A", fileURLToPath(new URL("main.ts", repositoryRoot())), "restore-archive"];
  }
  return [exe, "restore-archive"];
}

function onPath(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const p = `${dir}/${name}`;
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not here */ }
  }
  return null;
}

/** Opens `url` in the desktop browser; returns what happened, in words. */
export async function openBrowser(url: string): Promise<string> {
  const mac = Deno.build.os === "darwin";
  if (!mac && !Deno.env.get("DISPLAY") && !Deno.env.get("WAYLAND_DISPLAY")) {
    return "no desktop found (DISPLAY is not set): open the URL in a browser yourself";
  }
  const opener = mac ? onPath("open") : ["xdg-open", "sensible-browser", "x-www-browser"].map(onPath)
    .find((p) => p !== null) ?? null;
  if (opener === null) return "no desktop browser found (no xdg-open): open the URL in a browser yourself";
  try {
    const child = new Deno.Command(opener, { args: [url], stdin: "null", stdout: "null", stderr: "null" })
      .spawn();
    const status = await child.status;
    if (status.success) return `opened in the desktop browser (${basename(opener)})`;
    return `${basename(opener)} failed (exit ${status.code}): open the URL in a browser yourself`;
  } catch (e) {
    return `could not start ${opener}: ${e instanceof Error ? e.message : e}`;
  }
}

export async function admin(argv: string[]): Promise<number> {
  let flags: AdminFlags;
  let token: string;
  let generated = false;
  try {
    flags = parseAdminFlags(argv);
    if (flags.help) {
      console.log(adminHelp());
      return 0;
    }
    if (flags.tokenFile !== undefined) token = await readTokenFile(flags.tokenFile);
    else if (flags.token !== undefined) token = flags.token;
    else {
      token = generateToken();
      generated = true;
    }
  } catch (e) {
    if (e instanceof AdminFlagError || e instanceof TokenFileError) {
      console.error(`secantusdb admin: ${e.message}`);
      return 2;
    }
    throw e;
  }
  let running;
  try {
    running = await startAdmin({
      uri: flags.uri,
      host: flags.host,
      port: flags.port,
      token,
      restoreCommand: restoreCommand(),
      ...(flags.backupDir !== undefined ? { backupDir: flags.backupDir } : {}),
    });
  } catch (e) {
    console.error(`secantusdb admin: could not start: ${e instanceof Error ? e.message : e}`);
    return 1;
  }
  const signIn = generated ? `${running.url}login?token=${token}` : `${running.url}login`;
  console.log(`secantusdb admin: dashboard for ${flags.uri.replace(/:[^:@/]*@/, ":***@")} at ${running.url}`);
  console.log(
    generated
      ? `secantusdb admin: sign in (token shown once): ${signIn}`
      : `secantusdb admin: sign in with your token at ${signIn}`,
  );
  if (flags.host !== "127.0.0.1" && flags.host !== "localhost" && flags.host !== "::1") {
    console.error(`secantusdb admin: WARNING: listening on ${flags.host}, not loopback`);
  }
  if (flags.window) console.log(`secantusdb admin: ${await openBrowser(signIn)}`);
  const { promise: stopped, resolve } = Promise.withResolvers<void>();
  const stop = () => resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await stopped;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  await running.stop();
  return 0;
}
