/**
 * The admin dashboard in a real browser: our server in-process (`:memory:`), the admin app in-process
 * against it, and Debian's chromium driven by npm:playwright-core (headless). Used by the browser test
 * and by `deno task screenshots`. Every wait is bounded.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { MongoClient } from "mongodb";
import { type RunningServer, startServer } from "../../../mod.ts";
import { type RunningAdmin, startAdmin } from "../../../admin/mod.ts";

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
  close(): Promise<void>;
}

export async function startRig(
  opts: { width?: number; height?: number; dark?: boolean } = {},
): Promise<AdminRig> {
  const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
  const backupDir = await Deno.makeTempDir({ prefix: "secantus-admin-backups-" });
  const root = new URL("../../../", import.meta.url).pathname;
  const admin = await startAdmin({
    uri: server.uri,
    port: 0,
    token: TOKEN,
    backupDir,
    restoreCommand: [Deno.execPath(), "run", "-A", `${root}main.ts`, "restore-archive"],
  });
  const client = new MongoClient(server.uri);
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
    async close() {
      await browser.close().catch(() => undefined);
      await client.close();
      await admin.stop();
      await server.stop();
      await Deno.remove(backupDir, { recursive: true }).catch(() => undefined);
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
