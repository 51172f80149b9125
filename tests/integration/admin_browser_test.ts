/**
 * The admin dashboard in Debian's chromium (npm:playwright-core, headless) against our server: the token
 * gate (refused without it, login with it, CSRF rule), a sparkline moving while a load writes, filtering
 * and editing documents, an explain tree with COLLSCAN flagged, killing a running operation from the
 * connections page, and — where the server has them (probed, so these steps light up as the profiler,
 * change streams and backups land) — the profiler's slow queries, a change-stream event arriving, and
 * creating then extracting a backup archive. Where the server lacks one, the page must say "not
 * available on this server" instead. Every wait is bounded.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError, Timestamp } from "mongodb";
import { chromiumMissing, signIn, startRig, TOKEN } from "./helpers/admin_browser.ts";

const missing = chromiumMissing();
if (missing) console.log(`admin_browser_test: skipped — ${missing}`);

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

let waitStatus: (text: string) => Promise<unknown>;

async function has(client: MongoClient, db: string, command: AnyDoc): Promise<boolean> {
  try {
    await client.db(db).command(command);
    return true;
  } catch (e) {
    if (e instanceof MongoServerError && e.codeName === "CommandNotFound") return false;
    return true; // the command exists (it refused these arguments)
  }
}

Deno.test({
  name: "admin dashboard in chromium: token gate, live rates, documents, explain, killOp, probed pages",
  ignore: missing !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const rig = await startRig();
    const { page, client, admin } = rig;
    waitStatus = (text) =>
      page.waitForFunction(`document.querySelector("#doc-status")?.textContent === ${JSON.stringify(text)}`);
    try {
      await t.step("the token gate: /healthz open, everything else 401, wrong token refused", async () => {
        const get = (path: string, headers: Record<string, string> = {}) =>
          fetch(`${admin.url}${path}`, { headers, redirect: "manual" }).then(async (r) => {
            await r.body?.cancel();
            return r.status;
          });
        assert.equal(await get("healthz"), 200);
        assert.equal(await get(""), 401);
        assert.equal(await get("api/overview"), 401);
        assert.equal(await get("static/app.js"), 401);
        assert.equal(await get("api/overview", { authorization: `Bearer ${TOKEN}` }), 200);
        assert.equal(await get("api/overview", { authorization: "Bearer wrong-token-wrong-token" }), 401);
        assert.equal(await get("login?token=nope"), 401);

        const res = await page.goto(admin.url);
        assert.equal(res?.status(), 401);
        await page.fill("#token", "not-the-token");
        await page.click("button[type=submit]");
        await page.waitForSelector("p.msg");
        assert.equal(await page.locator("#nav").count(), 0);
      });

      await t.step("log in with the token; a cookie write without the CSRF header is refused", async () => {
        await signIn(rig);
        const cookies = await page.context().cookies();
        const session = cookies.find((c) => c.name === "secantus_admin");
        assert.ok(session?.httpOnly, "the session cookie is HttpOnly");
        assert.equal(session?.sameSite, "Strict");
        const cookie = `secantus_admin=${session!.value}`;
        const body = JSON.stringify({ db: "test", command: { ping: 1 } });
        const forged = await fetch(`${admin.url}api/command`, { method: "POST", headers: { cookie }, body });
        assert.equal(forged.status, 403);
        await forged.body?.cancel();
        const crossOrigin = await fetch(`${admin.url}api/command`, {
          method: "POST",
          headers: { cookie, "x-secantus-admin": "1", origin: "http://evil.example" },
          body,
        });
        assert.equal(crossOrigin.status, 403);
        await crossOrigin.body?.cancel();
        const fine = await fetch(`${admin.url}api/command`, {
          method: "POST",
          headers: { cookie, "x-secantus-admin": "1" },
          body,
        });
        assert.equal((await fine.json()).ok, true);
      });

      const items = client.db("test").collection<AnyDoc>("items");
      await items.insertMany(
        Array.from({ length: 50 }, (_, i) => ({ _id: i, n: i, tag: i % 2 ? "odd" : "even" })),
      );

      await t.step("dashboard: the insert sparkline moves while a load writes", async () => {
        await page.goto(`${admin.url}#/dashboard`);
        await page.waitForSelector("[data-tile=uptime]");
        let stop = false;
        const load = (async () => {
          for (let i = 0; !stop; i++) await client.db("test").collection("load").insertOne({ i });
        })();
        try {
          await page.waitForFunction(
            `Number(document.querySelector("[data-rate=insert]")?.textContent) > 0 &&
             Number(document.querySelector("[data-spark=insert]")?.dataset.points ?? 0) >= 2 &&
             document.querySelector("[data-spark=insert] canvas") !== null`,
            undefined,
            { timeout: 15_000 },
          );
        } finally {
          stop = true;
          await load;
        }
        assert.match(await page.textContent("[data-tile=version]") ?? "", /SecantusDB/);
      });

      await t.step("the live stream reconnects with backoff after it drops", async () => {
        let refused = 0;
        await page.route("**/api/stream/stats", (route) => refused++ < 2 ? route.abort() : route.continue());
        try {
          await page.goto(`${admin.url}#/databases`);
          await page.goto(`${admin.url}#/dashboard`);
          await page.waitForSelector("#stream-state:has-text('reconnecting')");
          await page.waitForSelector("#stream-state:has-text('live')", { timeout: 15_000 });
          assert.ok(refused >= 3, `the stream was retried (${refused} attempts)`);
        } finally {
          await page.unroute("**/api/stream/stats");
        }
      });

      await t.step("usable by keyboard: skip link, then a nav link with Enter", async () => {
        await page.goto(`${admin.url}#/dashboard`);
        await page.waitForSelector("[data-tile=uptime]");
        await page.evaluate("document.activeElement?.blur()");
        await page.keyboard.press("Tab");
        assert.equal(await page.evaluate("document.activeElement?.textContent"), "Skip to content");
        await page.keyboard.press("Enter");
        assert.equal(await page.evaluate("document.activeElement?.id"), "main");
        assert.equal(await page.evaluate("location.hash"), "#/dashboard", "the router's hash is untouched");
        await page.focus("#nav a[href='#/databases']");
        await page.keyboard.press("Enter");
        await page.waitForSelector("main[data-page=databases] table");
      });

      await t.step("documents: filter, then edit one (invalid JSON refused first)", async () => {
        await page.goto(`${admin.url}#/coll/test/items/documents`);
        await page.waitForSelector(".doc");
        await page.fill("textarea[name=filter]", '{"n": {"$gte": 45}}');
        await page.fill("input[name=sort]", '{"n": 1}');
        await page.click("#find-form button[type=submit]");
        await waitStatus("1–5 of 5");
        assert.equal(await page.locator(".doc").count(), 5);

        const first = page.locator(".doc").first();
        await first.getByRole("button", { name: "Edit" }).click();
        await first.locator("textarea").fill("{ not json");
        await first.getByRole("button", { name: "Save" }).click();
        await first.locator("p.error", { hasText: "not valid JSON" }).waitFor();
        await first.locator("textarea").fill('{"_id": 45, "n": 45, "tag": "edited"}');
        await first.getByRole("button", { name: "Save" }).click();
        await waitStatus("saved");
        assert.equal((await items.findOne({ _id: 45 }))?.tag, "edited");

        const second = page.locator(".doc").nth(1);
        await second.getByRole("button", { name: "Delete" }).click();
        await second.locator("input[name=confirm]").fill("nope");
        await second.getByRole("button", { name: "Confirm delete" }).click();
        await second.locator("p.error", { hasText: "delete" }).waitFor();
        assert.ok(await items.findOne({ _id: 46 }), "a wrong confirmation deletes nothing");
        await second.locator("input[name=confirm]").fill("delete");
        await second.getByRole("button", { name: "Confirm delete" }).click();
        await waitStatus("1–4 of 4");
        assert.equal(await items.findOne({ _id: 46 }), null);
      });

      await t.step("explain: the plan tree flags a COLLSCAN", async () => {
        await page.goto(`${admin.url}#/coll/test/items/explain`);
        await page.fill("textarea[aria-label=filter]", '{"tag": "odd"}');
        await page.click("form button[type=submit]");
        await page.waitForSelector("#plan-tree [data-stage=COLLSCAN] .stage.flag");
      });

      await t.step("connections: a running aggregate is listed and killed", async () => {
        const runner = new MongoClient(rig.server.uri, { appName: "long-runner" });
        try {
          const coll = runner.db("ops").collection<AnyDoc>("docs");
          const arr = Array.from({ length: 40 }, (_, i) => i);
          for (let i = 0; i < 40_000; i += 10_000) {
            await coll.insertMany(Array.from({ length: 10_000 }, (_, j) => ({ _id: i + j, arr })));
          }
          const pipeline = [{ $unwind: "$arr" }, { $group: { _id: "$arr", n: { $sum: 1 } } }];
          const long = coll.aggregate(pipeline).toArray().then(() => undefined, (e: unknown) => e);
          await page.goto(`${admin.url}#/connections`);
          const row = page.locator("#ops tr", { hasText: "long-runner" }).filter({ hasText: "aggregate" });
          await row.getByRole("button", { name: "Kill" }).click({ timeout: 20_000 });
          const err = await long;
          assert.ok(err instanceof MongoServerError, `expected the aggregate to be interrupted, got ${err}`);
          assert.equal(err.codeName, "Interrupted");
          await page.waitForSelector("#kill-msg:has-text('killOp sent')");
        } finally {
          await runner.close();
        }
      });

      await t.step("profiler: set level and slowms, see the slow query (or 'not available')", async () => {
        await page.goto(`${admin.url}#/profiler/test`);
        if (!await has(client, "test", { profile: -1 })) {
          await page.waitForSelector("[data-absent=profile]");
          console.log("admin_browser_test: profiler step: this server has no profile command yet");
          // The listing still renders mongod-shaped profile documents found in system.profile, sortable.
          await client.db("test").collection("system.profile").insertMany([
            { op: "query", ns: "test.items", millis: 7, planSummary: "IXSCAN { n: 1 }", ts: new Date() },
            { op: "query", ns: "test.items", millis: 250, planSummary: "COLLSCAN", ts: new Date() },
          ]);
          await page.goto(`${admin.url}#/dashboard`);
          await page.goto(`${admin.url}#/profiler/test`);
          await page.locator("#profile-rows tr", { hasText: "COLLSCAN" }).waitFor();
          await page.click("#profile-rows [data-sort=millis]");
          const firstRow = await page.locator("#profile-rows tbody tr").first().textContent();
          assert.match(firstRow ?? "", /250/, "sorted by ms, slowest first");
          await client.db("test").collection("system.profile").drop();
          return;
        }
        await page.selectOption("select[name=level]", "1");
        await page.fill("input[name=slowms]", "0");
        await page.click("form:has(select[name=level]) button[type=submit]");
        await page.waitForSelector("#profile-msg:has-text('profiler set')");
        await items.find({ tag: "even" }).toArray();
        await page.getByRole("button", { name: "Refresh" }).click();
        await page.locator("#profile-rows tr", { hasText: "test.items" }).first().waitFor({
          timeout: 10_000,
        });
        await client.db("test").command({ profile: 0 });
      });

      await t.step("change stream: an insert arrives live (or 'not available')", async () => {
        await page.goto(`${admin.url}#/changes/test/items`);
        await page.waitForSelector(
          "#change-state[data-open='1'], #change-state .absent, #change-state .error",
          {
            timeout: 15_000,
          },
        );
        if (await page.locator("#change-state[data-open='1']").count() === 0) {
          await page.waitForSelector("#change-state [data-absent]");
          console.log(`admin_browser_test: change-stream step: ${await page.textContent("#change-state")}`);
          return;
        }
        await items.insertOne({ _id: 1000, n: 1000, tag: "live" });
        await page.waitForSelector("#events [data-op=insert]:has-text('live')", { timeout: 10_000 });
      });

      await t.step(
        "oplog: recent entries with an op filter and the window span (or 'not available')",
        async () => {
          await page.goto(`${admin.url}#/oplog`);
          await page.waitForSelector("#oplog-list table, [data-absent=oplog], main .error", {
            timeout: 15_000,
          });
          if (await page.locator("[data-absent=oplog]").count() > 0) {
            console.log("admin_browser_test: oplog step: this server keeps no local.oplog.rs yet");
            // The page still reads a mongod-shaped local.oplog.rs: window span, op and ns filters.
            const t0 = Math.floor(Date.now() / 1000) - 600;
            const oplog = client.db("local").collection("oplog.rs");
            await oplog.insertMany(Array.from({ length: 6 }, (_, i) => ({
              ts: new Timestamp({ t: t0 + i * 60, i: 1 }),
              op: i % 2 ? "u" : "i",
              ns: i < 4 ? "test.items" : "test.other",
              o: { _id: i },
              wall: new Date((t0 + i * 60) * 1000),
            })));
            try {
              await page.goto(`${admin.url}#/dashboard`);
              await page.goto(`${admin.url}#/oplog`);
              await page.waitForSelector("#oplog-span:has-text('5m 0s')");
              await page.selectOption("select[name=op]", "i");
              await page.fill("input[name=ns]", "^test\\.items$");
              await page.click("form:has(select[name=op]) button[type=submit]");
              await page.waitForFunction(`document.querySelectorAll("#oplog-list tbody tr").length === 2`);
            } finally {
              await oplog.drop();
            }
            return;
          }
          await page.waitForSelector("#oplog-span");
          await page.selectOption("select[name=op]", "i");
          await page.fill("input[name=ns]", "^test\\.items$");
          await page.click("form:has(select[name=op]) button[type=submit]");
          await page.locator("#oplog-list tr", { hasText: "test.items" }).first().waitFor({
            timeout: 10_000,
          });
        },
      );

      await t.step("backup: create an archive, extract it (or 'not available')", async () => {
        await page.goto(`${admin.url}#/backup`);
        await page.waitForSelector("#archives table");
        await page.fill("input[name=name]", "ui-test.tar.gz");
        await page.getByRole("button", { name: "Create archive" }).click();
        await page.waitForSelector(
          "#backup-msg:has-text('created'), #backup-msg .absent, #backup-msg .error",
          {
            timeout: 20_000,
          },
        );
        if (await page.locator("#backup-msg:has-text('created')").count() === 0) {
          await page.waitForSelector("#backup-msg [data-absent]");
          console.log(`admin_browser_test: backup step: ${await page.textContent("#backup-msg")}`);
          // The listing and the Extract flow still work on an archive put there by hand: the child
          // process runs and its output and exit status reach the page (this one is no real archive).
          await Deno.writeTextFile(`${rig.backupDir}/by-hand.tar.gz`, "not really an archive");
          await page.goto(`${admin.url}#/dashboard`);
          await page.goto(`${admin.url}#/backup`);
          await page.click("[data-extract='by-hand.tar.gz']");
          await page.fill("input[name=target]", `${rig.backupDir}/restored`);
          await page.click(".card form button[type=submit]");
          await page.waitForSelector("#extract-progress[data-done]:not([data-done=''])", { timeout: 30_000 });
          assert.notEqual(await page.getAttribute("#extract-progress", "data-done"), "0");
          assert.match(await page.textContent("#extract-progress") ?? "", /failed \(exit \d+\)/);
          return;
        }
        await page.click("[data-extract='ui-test.tar.gz']");
        const target = `${rig.backupDir}/restored`;
        await page.fill("input[name=target]", target);
        await page.click(".card form button[type=submit]");
        await page.waitForSelector("#extract-progress[data-done]:not([data-done=''])", { timeout: 30_000 });
        assert.equal(
          await page.getAttribute("#extract-progress", "data-done"),
          "0",
          await page.textContent("#extract-progress") ?? "",
        );
      });

      await t.step("every page renders without a script error, at phone width too", async () => {
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        for (const width of [1280, 390]) {
          await page.setViewportSize({ width, height: 800 });
          for (
            const hash of [
              "dashboard",
              "databases",
              "db/test",
              "coll/test/items/indexes",
              "coll/test/items/schema",
              "users",
              "console",
              "cursors",
              "oplog",
              "logs",
              "maintenance",
            ]
          ) {
            await page.goto(`${admin.url}#/${hash}`);
            await page.waitForSelector("main h1");
            await page.waitForTimeout(150);
          }
        }
        assert.deepEqual(errors, []);
      });
    } finally {
      await rig.close();
    }
  },
});
