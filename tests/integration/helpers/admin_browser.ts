/**
 * The admin dashboard in a real browser: our server in-process (in a temporary directory on disk by
 * default, so native backups work; `:memory:` on request), the admin app in-process against it, and
 * Debian's chromium driven by npm:playwright-core (headless). Used by the browser tests and by
 * `deno task screenshots`. Every wait is bounded.
 *
 * The server logs at INFO into a silent sink: getLog (the logs page) has lines, the test output none.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { MongoClient, type MongoClientOptions } from "mongodb";
import { type RunningServer, startServer } from "../../../mod.ts";
import { type RunningAdmin, startAdmin } from "../../../admin/mod.ts";
import { createLogger } from "../../../src/observability/log.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const TOKEN = "test-token-0123456789abcdef";

export function chromiumMissing(): string | null {
  try {
    Deno.statSync(CHROMIUM);
    return null;
  } catch {
    return `${CHROMIUM} not found (scripts/setup.sh installs Debian's chromium)`;
  }
}

export interface AdminRig {
  server: RunningServer;
  admin: RunningAdmin;
  client: MongoClient;
  browser: Browser;
  page: Page;
  backupDir: string;
  /** The server's data directory (null for `:memory:`). */
  dataDir: string | null;
  close(): Promise<void>;
}

export interface RigOptions {
  width?: number;
  height?: number;
  dark?: boolean;
  /** Keep the server's data in memory (no backups); default: a temporary directory on disk. */
  memory?: boolean;
  /**
   * A server the caller started (the rig stops it), with the URIs the dashboard and the test's own
   * client use (credentials, TLS options) — e.g. an auth + TLS server.
   */
  external?: {
    server: RunningServer;
    adminUri: string;
    clientUri: string;
    clientOptions?: MongoClientOptions;
  };
}

/** A silent logger at INFO: the server's recent lines (getLog) without writing to the test output. */
export function quietInfoLogger() {
  return createLogger("INFO", { sink: () => undefined });
}

export async function startRig(opts: RigOptions = {}): Promise<AdminRig> {
  const work = await Deno.makeTempDir({ prefix: "secantus-admin-" });
  const backupDir = `${work}/backups`;
  await Deno.mkdir(backupDir);
  const dataDir = opts.external || opts.memory ? null : `${work}/data`;
  const server = opts.external?.server ??
    await startServer({ port: 0, storagePath: dataDir ?? ":memory:", logger: quietInfoLogger() });
  const root = new URL("../../../", import.meta.url).pathname;
  const admin = await startAdmin({
    uri: opts.external?.adminUri ?? server.uri,
    port: 0,
    token: TOKEN,
    backupDir,
    restoreCommand: [Deno.execPath(), "run", "-A", `${root}main.ts`, "restore-archive"],
  });
  const client = new MongoClient(opts.external?.clientUri ?? server.uri, opts.external?.clientOptions);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
    timeout: 30_000,
  });
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    colorScheme: opts.dark ? "dark" : "light",
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  return {
    server,
    admin,
    client,
    browser,
    page,
    backupDir,
    dataDir,
    async close() {
      await browser.close().catch(() => undefined);
      await client.close();
      await admin.stop();
      await server.stop();
      await Deno.remove(work, { recursive: true }).catch(() => undefined);
    },
  };
}

/** Signs in through the login form. */
export async function signIn(rig: AdminRig): Promise<void> {
  await rig.page.goto(`${rig.admin.url}login`);
  await rig.page.fill("#token", TOKEN);
  await rig.page.click("button[type=submit]");
  await rig.page.waitForSelector("#nav");
}
