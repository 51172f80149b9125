/**
 * The admin dashboard in Debian's chromium (npm:playwright-core, headless) against our server on disk:
 * the token gate (refused without it, login with it, CSRF rule), a sparkline moving while a load writes,
 * filtering and editing documents, an explain tree with COLLSCAN flagged, killing a running operation
 * from the connections page, the profiler set from the page listing a slow query with its plan and
 * duration, change-stream events (insert, update, delete) arriving live, the oplog window and its
 * filters, open cursors listed and killed, the query console with its history, the log tail, index
 * create/drop with $indexStats usage, validate and fsync lock/unlock, and a native backup created on
 * the page, listed, extracted with the row's Extract button and started as a server holding the data.
 * One server per file; every wait is bounded.
 */
import assert from "node:assert/strict";
import { MongoClient, MongoServerError } from "mongodb";
import { startServer } from "../../mod.ts";
import { chromiumMissing, signIn, startRig, TOKEN } from "./helpers/admin_browser.ts";

const missing = chromiumMissing();
if (missing) console.log(`admin_browser_test: skipped — ${missing}`);

// deno-lint-ignore no-explicit-any
type AnyDoc = any;

let waitStatus: (text: string) => Promise<unknown>;

Deno.test({
  name: "admin dashboard in chromium: every page against the real features",
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

      await t.step(
        "documents: the validator's refusal is shown; schema shows types and frequencies",
        async () => {
          const people = client.db("test").collection<AnyDoc>("people");
          await client.db("test").createCollection("people", {
            validator: { $jsonSchema: { required: ["name"], properties: { age: { bsonType: "int" } } } },
          });
          await people.insertMany([{ _id: 1, name: "ada", age: 36 }, { _id: 2, name: "alan" }]);
          await page.goto(`${admin.url}#/db/test`);
          await page.locator("main tbody tr", { hasText: "people" }).locator(".badge", {
            hasText: "validator",
          })
            .waitFor();
          await page.goto(`${admin.url}#/coll/test/people/documents`);
          const doc = page.locator(".doc").first();
          await doc.getByRole("button", { name: "Edit" }).click();
          await doc.locator("textarea").fill('{"_id": 1, "age": "old"}');
          await doc.getByRole("button", { name: "Save" }).click();
          await doc.locator("p.error", { hasText: "Document failed validation (121)" }).waitFor();
          assert.equal((await people.findOne({ _id: 1 }))?.name, "ada", "the refused edit changed nothing");
          await page.goto(`${admin.url}#/coll/test/people/schema`);
          const age = page.locator("main tbody tr", { hasText: "age" });
          await age.waitFor();
          assert.match(await age.textContent() ?? "", /50%.*int 50%/);
          assert.match(
            await page.locator("main tbody tr", { hasText: "name" }).textContent() ?? "",
            /100%.*string 100%/,
          );
        },
      );

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

      await t.step(
        "profiler: level 1 / slowms 50 set on the page; the slow query is listed with plan and ms",
        async () => {
          await page.goto(`${admin.url}#/profiler/test`);
          await page.selectOption("select[name=level]", "1");
          await page.fill("input[name=slowms]", "50");
          await page.click("form:has(select[name=level]) button[type=submit]");
          await page.waitForSelector("#profile-msg:has-text('profiler set: level 1, slowms 50')");
          const st = await client.db("test").command({ profile: -1 });
          assert.equal(st["was"], 1);
          assert.equal(st["slowms"], 50);
          // Fast (by _id) and slow ($where spinning 30 ms on each of 3 documents, no index on tag).
          await items.findOne({ _id: 3 });
          const spin = "function () { const t = Date.now(); while (Date.now() - t < 30) {} return true; }";
          const slow = await items.find({ n: { $lt: 3 }, $where: spin }).toArray();
          assert.equal(slow.length, 3);
          await page.getByRole("button", { name: "Refresh" }).click();
          const row = page.locator("#profile-rows tbody tr", { hasText: "test.items" }).first();
          await row.waitFor({ timeout: 10_000 });
          assert.equal(
            await page.locator("#profile-rows tbody tr").count(),
            1,
            "the fast query is not profiled",
          );
          const cells = await row.locator("td").allTextContents();
          assert.equal(cells[1], "query");
          assert.ok(Number(cells[3]) >= 50, `duration ${cells[3]} ms`);
          assert.match(cells[4] ?? "", /^COLLSCAN/);
          assert.equal(cells[5], "49", "docs examined");
          assert.equal(cells[7], "3", "returned");
          // Sortable by any column; the sorted header says its order (aria-sort).
          const ms = "#profile-rows th:has([data-sort=millis])";
          await page.click("#profile-rows [data-sort=millis]");
          assert.equal(await page.getAttribute(ms, "aria-sort"), "descending");
          await page.click("#profile-rows [data-sort=millis]");
          assert.equal(await page.getAttribute(ms, "aria-sort"), "ascending");
          assert.equal(await page.getAttribute("#profile-rows th:has([data-sort=ts])", "aria-sort"), "none");
          // Back to off from the page.
          await page.selectOption("select[name=level]", "0");
          await page.click("form:has(select[name=level]) button[type=submit]");
          await page.waitForSelector("#profile-msg:has-text('profiler set: level 0')");
          assert.equal((await client.db("test").command({ profile: -1 }))["was"], 0);
        },
      );

      await t.step("change stream: insert, update and delete through the driver arrive live", async () => {
        await page.goto(`${admin.url}#/changes/test/items`);
        await page.waitForSelector("#change-state[data-open='1']", { timeout: 15_000 });
        await items.insertOne({ _id: 1000, n: 1000, tag: "live" });
        await page.waitForSelector("#events [data-op=insert]:has-text('live')", { timeout: 10_000 });
        await items.updateOne({ _id: 1000 }, { $set: { tag: "changed" } });
        await page.waitForSelector("#events [data-op=update]:has-text('changed')", { timeout: 10_000 });
        await items.deleteOne({ _id: 1000 });
        await page.waitForSelector("#events [data-op=delete]:has-text('1000')", { timeout: 10_000 });
        // Newest first, and nothing from another collection.
        await client.db("test").collection("other").insertOne({ x: 1 });
        await items.insertOne({ _id: 1001, tag: "after" });
        await page.waitForSelector("#events [data-op=insert]:has-text('after')", { timeout: 10_000 });
        const ops = await page.locator("#events > .doc").evaluateAll((els) =>
          els.map((e) => (e as unknown as { dataset: { op: string } }).dataset.op)
        );
        assert.deepEqual(ops, ["insert", "delete", "update", "insert"]);
        await items.deleteOne({ _id: 1001 });
      });

      await t.step("oplog: the window span, the last N entries, op and ns filters", async () => {
        await page.goto(`${admin.url}#/oplog`);
        await page.waitForSelector("#oplog-list table", { timeout: 15_000 });
        assert.notEqual(await page.textContent("#oplog-span"), "empty");
        const count = Number(await page.textContent("[data-oplog=count]"));
        assert.ok(count > 50, `oplog entries ${count}`);
        await page.selectOption("select[name=op]", "u");
        await page.fill("input[name=ns]", "^test\\.items$");
        await page.fill("input[name=limit]", "5");
        await page.click("form:has(select[name=op]) button[type=submit]");
        await page.waitForFunction(
          `JSON.parse(document.querySelector("#oplog-list")?.dataset.shown ?? "[]")[0] === "u"`,
        );
        const rows = await page.locator("#oplog-list tbody tr").evaluateAll((els) =>
          els.map((e) => [...e.querySelectorAll("td")].map((td) => td.textContent))
        );
        assert.ok(rows.length >= 2 && rows.length <= 5, `${rows.length} rows`);
        for (const r of rows) assert.deepEqual([r[1], r[2]], ["u", "test.items"]);
        await page.goto(`${admin.url}#/dashboard`);
        await page.waitForSelector("[data-tile=oplog]:has-text('entries')");
      });

      await t.step("cursors: a driver's open cursor is listed and killed from the page", async () => {
        const cursor = items.find({}, { batchSize: 2 });
        await cursor.next();
        await page.goto(`${admin.url}#/cursors`);
        // (the row of this cursor: another cursor on test.items, the change-stream page's just left,
        // may still be listed under load)
        const row = page.locator("#cursor-list tbody tr", { hasText: "test.items" }).filter({
          hasText: cursor.id!.toString(),
        });
        await row.waitFor();
        const id = await row.locator("[data-kill-cursor]").getAttribute("data-kill-cursor");
        assert.equal(id, cursor.id?.toString(), "the exact 64-bit cursor id");
        await row.getByRole("button", { name: "Kill" }).click();
        await page.waitForSelector(`#cursor-msg:has-text('cursor ${id} killed')`);
        await row.waitFor({ state: "detached" });
        const err = await cursor.toArray().then(() => null, (e: unknown) => e);
        assert.ok(err instanceof MongoServerError, `getMore after the kill: ${err}`);
        assert.equal(err.codeName, "CursorNotFound");
        const sessions = await page.locator("main h2:has-text('Logical sessions') + * tbody tr code")
          .allTextContents();
        assert.ok(sessions.length >= 1);
        for (const id of sessions) {
          assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        }
      });

      await t.step("query console: find, aggregate and a command; history replays an entry", async () => {
        await page.goto(`${admin.url}#/console`);
        await page.evaluate(`localStorage.removeItem("secantus-admin-console-history")`);
        await page.goto(`${admin.url}#/dashboard`);
        await page.goto(`${admin.url}#/console`);
        await page.fill("input[name=coll]", "items");
        await page.fill("textarea[name=query]", '{"n": {"$in": [2, 4]}}');
        await page.getByRole("button", { name: "Run", exact: true }).click();
        await page.waitForSelector("main pre:has-text('\"even\"')");
        await page.selectOption("select[name=mode]", "aggregate");
        await page.fill(
          "textarea[name=query]",
          '[{"$group": {"_id": "$tag", "c": {"$sum": 1}}}, {"$sort": {"_id": 1}}]',
        );
        await page.getByRole("button", { name: "Run", exact: true }).click();
        await page.waitForSelector("main pre:has-text('\"odd\"')");
        await page.selectOption("select[name=mode]", "command");
        await page.fill("textarea[name=query]", '{"count": "items"}');
        await page.getByRole("button", { name: "Run", exact: true }).click();
        await page.waitForSelector("main pre:has-text('\"n\": 49')");
        assert.equal(await page.locator("#history li").count(), 3);
        await page.locator("#history button", { hasText: "find test.items" }).click();
        assert.equal(await page.inputValue("select[name=mode]"), "find");
        assert.equal(await page.inputValue("textarea[name=query]"), '{"n": {"$in": [2, 4]}}');
      });

      await t.step("logs: getLog lines shown live and filtered", async () => {
        await page.goto(`${admin.url}#/logs`);
        await page.waitForFunction(`(document.querySelector("#log")?.textContent ?? "").length > 0`);
        await page.fill("input[name=filter]", "zz-no-such-line-zz");
        assert.equal(await page.textContent("#log"), "");
        await page.fill("input[name=filter]", "");
        // A new line appears without reloading: a slow operation is logged.
        await client.db("test").command({ profile: 0, slowms: 0 });
        await items.findOne({ tag: "tail-marker" });
        await page.waitForSelector("#log:has-text('tail-marker')", { timeout: 10_000 });
        await client.db("test").command({ profile: 0, slowms: 100 });
      });

      await t.step("indexes: create one on the page, $indexStats usage counts it, drop it", async () => {
        await page.goto(`${admin.url}#/coll/test/items/indexes`);
        await page.fill("input[name=keys]", '{"tag": 1, "n": -1}');
        await page.fill("input[name=options]", '{"sparse": true}');
        await page.getByRole("button", { name: "Create", exact: true }).click();
        await page.waitForSelector("#index-msg:has-text('created tag_1_n_-1')");
        const row = page.locator("main tbody tr", { hasText: "tag_1_n_-1" });
        assert.match(await row.textContent() ?? "", /compound.*sparse/);
        await items.find({ tag: "odd", n: { $gt: 10 } }).hint("tag_1_n_-1").toArray();
        await page.goto(`${admin.url}#/coll/test/items/documents`);
        await page.goto(`${admin.url}#/coll/test/items/indexes`);
        const uses = await page.locator("main tbody tr", { hasText: "tag_1_n_-1" }).locator("td").nth(3);
        assert.equal(await uses.textContent(), "1");
        page.once("dialog", (d) => d.accept());
        await page.click("[data-drop='tag_1_n_-1']");
        await page.waitForSelector("#index-msg:has-text('dropped tag_1_n_-1')");
        assert.deepEqual((await items.indexes()).map((i) => i.name), ["_id_"]);
      });

      await t.step("maintenance: validate, fsync lock blocks a write until unlock", async () => {
        await page.goto(`${admin.url}#/maintenance`);
        await page.fill("input[name=coll]", "items");
        await page.getByRole("button", { name: "Validate" }).click();
        await page.waitForSelector("main pre:has-text('\"valid\": true')");
        await page.getByRole("button", { name: "fsync lock" }).click();
        await page.waitForSelector("main pre:has-text('\"lockCount\": 1')");
        let landed = false;
        const write = items.insertOne({ _id: 2000, during: "lock" }).then(() => {
          landed = true;
        });
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(landed, false, "a write waits while the server is fsync-locked");
        await page.getByRole("button", { name: "fsync unlock" }).click();
        await page.waitForSelector("main pre:has-text('\"lockCount\": 0')");
        await write;
        await items.deleteOne({ _id: 2000 });
      });

      await t.step(
        "backup: create an archive on the page, Extract it, the directory starts as a server",
        async () => {
          await page.goto(`${admin.url}#/backup`);
          await page.waitForSelector("#archives table");
          await page.fill("input[name=name]", "ui-test.tar.gz");
          const t0 = Date.now();
          await page.getByRole("button", { name: "Create archive" }).click();
          await page.waitForSelector("#backup-msg:has-text('created')", { timeout: 30_000 });
          console.log(`admin_browser_test: backup created in ${Date.now() - t0} ms`);
          const row = page.locator("#archives tbody tr", { hasText: "ui-test.tar.gz" });
          assert.match(await row.textContent() ?? "", /\d+(\.\d+)? (B|KiB|MiB)/);
          await page.goto(`${admin.url}#/dashboard`);
          await page.waitForSelector("[data-tile=backup]:has-text('ago')");
          await page.goto(`${admin.url}#/backup`);
          await page.click("[data-extract='ui-test.tar.gz']");
          const target = `${rig.backupDir}/../restored`;
          await page.fill("input[name=target]", target);
          const t1 = Date.now();
          await page.click(".card form button[type=submit]");
          await page.waitForSelector("#extract-progress[data-done]:not([data-done=''])", { timeout: 60_000 });
          console.log(`admin_browser_test: extract finished in ${Date.now() - t1} ms`);
          const progress = await page.textContent("#extract-progress") ?? "";
          assert.equal(await page.getAttribute("#extract-progress", "data-done"), "0", progress);
          assert.match(progress, /done: extracted into/);
          const expected = await items.find({}).sort({ _id: 1 }).toArray();
          const restored = await startServer({ port: 0, storagePath: target, logLevel: "ERROR" });
          const c2 = new MongoClient(restored.uri);
          try {
            const got = await c2.db("test").collection<AnyDoc>("items").find({}).sort({ _id: 1 }).toArray();
            assert.deepEqual(got, expected);
            assert.equal(
              (await c2.db("test").collection<AnyDoc>("items").findOne({ _id: 45 }))?.tag,
              "edited",
            );
          } finally {
            await c2.close();
            await restored.stop();
          }
        },
      );

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
