/**
 * The admin dashboard in chromium against a server with `auth = true` and TLS: the dashboard connects
 * with the credentials and CA given in its URI (SCRAM-SHA-256 over TLS), the token gate still guards
 * every page, the dashboard tiles and rate sparklines fill, a collection is browsed from the databases
 * list down to its documents, a document is edited and a collection created from the pages, the users
 * page lists the user with its role — and the password appears on no page, in no API answer and in no
 * cookie. A dashboard given a wrong password shows the server's refusal instead of data. One server in
 * this file; every wait is bounded.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { defaultConfig } from "../../src/config/mod.ts";
import { startServer } from "../../mod.ts";
import { startAdmin } from "../../admin/mod.ts";
import { chromiumMissing, quietInfoLogger, signIn, startRig, TOKEN } from "./helpers/admin_browser.ts";
import { makeTestCerts } from "./helpers/test_certs.ts";

const missing = chromiumMissing();
if (missing) console.log(`admin_browser_auth_test: skipped — ${missing}`);

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

const PASSWORD = "Pw-0f-the-0ps-user";

Deno.test({
  name: "admin dashboard in chromium against an auth + TLS server: credentials and CA from --uri",
  ignore: missing !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const certs = await makeTestCerts();
    const d = defaultConfig();
    const server = await startServer({
      config: {
        ...d,
        server: { ...d.server, port: 0, storagePath: ":memory:", auth: true },
        tls: { certFile: certs.serverCert, keyFile: certs.serverKey, requireClientCert: false },
      },
      logger: quietInfoLogger(),
    });
    const tls = `tls=true&tlsCAFile=${encodeURIComponent(certs.caFile)}&directConnection=true`;
    const base = `127.0.0.1:${server.port}/?${tls}&authSource=admin`;
    try {
      // The first user, through the localhost exception.
      const first = new MongoClient(`mongodb://127.0.0.1:${server.port}/?${tls}`);
      await first.db("admin").command({ createUser: "ops", pwd: PASSWORD, roles: ["root"] });
      await first.close();
    } catch (e) {
      await server.stop();
      throw e;
    }
    const uri = `mongodb://ops:${PASSWORD}@${base}`;
    const rig = await startRig({ external: { server, adminUri: uri, clientUri: uri } });
    const { page, client, admin } = rig;
    const seen: string[] = []; // every page's text and every API answer the browser got
    page.on("response", async (r) => {
      if (!r.url().startsWith(admin.url) || r.url().includes("/api/stream/")) return;
      seen.push(await r.text().catch(() => ""));
    });
    try {
      const shop = client.db("shop");
      await shop.collection<AnyDoc>("orders").insertMany(
        Array.from({ length: 30 }, (_, i) => ({ _id: i, customer: `c${i % 4}`, total: i * 2 })),
      );

      await t.step(
        "the token gate: 401 without it, a wrong one refused, the right one signs in",
        async () => {
          const res = await page.goto(admin.url);
          assert.equal(res?.status(), 401);
          const api = await fetch(`${admin.url}api/overview`);
          assert.equal(api.status, 401);
          await api.body?.cancel();
          await page.fill("#token", "not-the-token-at-all");
          await page.click("button[type=submit]");
          await page.waitForSelector("p.msg");
          await signIn(rig);
          await page.waitForSelector("#server:has-text('ops:***@')");
          assert.ok((await page.textContent("#server"))!.startsWith(`mongodb://ops:***@${base} · admin `));
        },
      );

      await t.step("dashboard: tiles from serverStatus over SCRAM + TLS, the sparkline fills", async () => {
        await page.goto(`${admin.url}#/dashboard`);
        await page.waitForSelector("[data-tile=uptime]");
        assert.match(await page.textContent("[data-tile=version]") ?? "", /SecantusDB/);
        assert.match(await page.textContent("[data-tile=connections]") ?? "", /\d+ open/);
        assert.match(await page.textContent("[data-tile=cache]") ?? "", /iB/);
        let stop = false;
        const load = (async () => {
          for (let i = 0; !stop; i++) await shop.collection("load").insertOne({ i });
        })();
        try {
          await page.waitForFunction(
            `Number(document.querySelector("[data-rate=insert]")?.textContent) > 0`,
            undefined,
            { timeout: 15_000 },
          );
        } finally {
          stop = true;
          await load;
        }
      });

      await t.step("browse: databases → shop → orders → a filtered page of documents", async () => {
        await page.goto(`${admin.url}#/databases`);
        await page.click("main a[href='#/db/shop']");
        const row = page.locator("main tbody tr", { hasText: "orders" });
        await row.waitFor();
        assert.match(await row.textContent() ?? "", /30/);
        await row.locator("a").click();
        await page.waitForSelector(".doc");
        await page.fill("textarea[name=filter]", '{"customer": "c1"}');
        await page.fill("input[name=sort]", '{"_id": 1}');
        await page.click("#find-form button[type=submit]");
        await page.waitForFunction(`document.querySelector("#doc-status")?.textContent === "1–8 of 8"`);
      });

      await t.step("writes: edit a document, create a collection", async () => {
        const doc = page.locator(".doc").first();
        await doc.getByRole("button", { name: "Edit" }).click();
        await doc.locator("textarea").fill('{"_id": 1, "customer": "c1", "total": 999}');
        await doc.getByRole("button", { name: "Save" }).click();
        await page.waitForFunction(`document.querySelector("#doc-status")?.textContent === "saved"`);
        assert.equal((await shop.collection<AnyDoc>("orders").findOne({ _id: 1 }))?.total, 999);
        await page.goto(`${admin.url}#/db/shop`);
        await page.fill("input[name=collection]", "made_in_the_browser");
        await page.getByRole("button", { name: "Create", exact: true }).click();
        await page.waitForFunction(`location.hash === "#/coll/shop/made_in_the_browser"`);
        const names = (await shop.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
        assert.ok(names.includes("made_in_the_browser"), names.join(","));
      });

      await t.step("users and roles: the dashboard's own user with its role", async () => {
        await page.goto(`${admin.url}#/users`);
        const row = page.locator("main tbody tr", { hasText: "ops" }).first();
        await row.waitFor();
        assert.match(await row.textContent() ?? "", /root@admin/);
        assert.match(await row.textContent() ?? "", /SCRAM-SHA-256/);
        await page.locator("main tbody tr", { hasText: "readWriteAnyDatabase" }).first().waitFor();
      });

      await t.step("the password is on no page, in no API answer and in no cookie", async () => {
        for (const hash of ["dashboard", "connections", "console", "logs", "maintenance", "backup"]) {
          await page.goto(`${admin.url}#/${hash}`);
          await page.waitForSelector("main h1");
          await page.waitForTimeout(200);
          seen.push(await page.content());
        }
        assert.ok(seen.length > 20, `${seen.length} answers looked at`);
        for (const text of seen) assert.ok(!text.includes(PASSWORD), text.slice(0, 300));
        for (const c of await page.context().cookies()) assert.ok(!c.value.includes(PASSWORD));
      });

      await t.step("a dashboard with a wrong password shows the server's refusal", async () => {
        const wrong = await startAdmin({
          uri: `mongodb://ops:not-the-password@${base}`,
          port: 0,
          token: TOKEN,
          backupDir: rig.backupDir,
        });
        try {
          const o = await (await fetch(`${wrong.url}api/overview`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          })).json();
          assert.equal(o.serverStatus.ok, false);
          assert.match(o.serverStatus.error.message, /Authentication failed/);
        } finally {
          await wrong.stop();
        }
      });
    } finally {
      await rig.close();
      await Deno.remove(certs.dir, { recursive: true });
    }
  },
});
