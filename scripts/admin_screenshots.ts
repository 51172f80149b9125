/**
 * `deno task screenshots`: a PNG of every admin dashboard page (docs/admin/<page>.png) for the README,
 * taken in headless chromium against an in-process server (on disk) holding a little sample data, with
 * the profiler on, an open cursor, a backup archive and change events, so each page shows something.
 */
import { signIn, startRig } from "../tests/integration/helpers/admin_browser.ts";

const OUT = new URL("../docs/admin/", import.meta.url).pathname;
const PAGES: [string, string, string][] = [
  // name, hash, selector to wait for
  ["dashboard", "#/dashboard", "[data-tile=uptime]"],
  ["databases", "#/databases", "table"],
  ["collections", "#/db/shop", "table"],
  ["documents", "#/coll/shop/orders/documents", ".doc"],
  ["indexes", "#/coll/shop/orders/indexes", "table"],
  ["explain", "#/coll/shop/orders/explain", "form"],
  ["schema", "#/coll/shop/orders/schema", "table"],
  ["users", "#/users", "h2"],
  ["changes", "#/changes/shop/orders", "#change-state"],
  ["console", "#/console", "textarea"],
  ["connections", "#/connections", "#ops table, #ops .absent"],
  ["cursors", "#/cursors", "h2"],
  ["oplog", "#/oplog", "h1"],
  ["profiler", "#/profiler/shop", "h1"],
  ["logs", "#/logs", "#log, .absent"],
  ["backup", "#/backup", "#archives table"],
  ["maintenance", "#/maintenance", "button"],
];

if (import.meta.main) {
  await Deno.mkdir(OUT, { recursive: true });
  const rig = await startRig();
  try {
    const shop = rig.client.db("shop");
    await shop.collection<{ _id: number }>("orders").insertMany(Array.from({ length: 40 }, (_, i) => ({
      _id: i + 1,
      customer: `c${i % 7}`,
      total: Math.round(i * 13.7) / 10,
      status: ["new", "paid", "shipped"][i % 3],
      items: [{ sku: `s${i % 5}`, qty: 1 + (i % 3) }],
      placed: new Date(Date.UTC(2026, 10, 1 + (i % 28))),
    })));
    await shop.collection("orders").createIndex({ customer: 1, placed: -1 });
    await shop.collection("orders").createIndex({ status: 1 }, { sparse: true });
    // Capped collections and views where the server has them (each badge shows then).
    await shop.createCollection("events", { capped: true, size: 1 << 20 }).catch(() =>
      shop.createCollection("events")
    );
    await shop.createCollection("big_orders", {
      viewOn: "orders",
      pipeline: [{ $match: { total: { $gt: 30 } } }],
    })
      .catch(() => undefined);
    await shop.createCollection("customers", {
      validator: { $jsonSchema: { required: ["name"] } },
    }).catch(() => undefined);
    // Something for the profiler, cursors, backup and change-stream pages to show.
    await shop.command({ profile: 1, slowms: 0 });
    const orders = shop.collection<{ _id: number; [field: string]: unknown }>("orders");
    await orders.find({ status: "paid" }).toArray();
    await orders.find({ customer: "c3" }).sort({ placed: -1 }).toArray();
    await orders.aggregate([{ $group: { _id: "$status", n: { $sum: 1 } } }]).toArray();
    await shop.command({ profile: 0 });
    const cursor = orders.find({}, { batchSize: 5 });
    await cursor.next();
    await rig.client.db("admin").command({
      "secantusAdmin.backupArchive": 1,
      outputPath: `${rig.backupDir}/archive-2026-12-02T06.tar.gz`,
    });
    await signIn(rig);
    const load = setInterval(() => {
      shop.collection("events").insertOne({ at: new Date() }).catch(() => undefined);
    }, 50);
    for (const [name, hash, wait] of PAGES) {
      await rig.page.goto(`${rig.admin.url}${hash}`);
      await rig.page.waitForSelector(wait).catch(() => undefined);
      if (name === "dashboard") await rig.page.waitForTimeout(5000);
      else await rig.page.waitForTimeout(400);
      if (name === "changes") {
        await rig.page.waitForSelector("#change-state[data-open='1']").catch(() => undefined);
        await orders.insertOne({ _id: 100, customer: "c9", total: 12.5, status: "new" });
        await orders.updateOne({ _id: 100 }, { $set: { status: "paid" } });
        await orders.deleteOne({ _id: 100 });
        await rig.page.waitForSelector("#events [data-op=delete]").catch(() => undefined);
      }
      if (name === "explain") {
        await rig.page.fill("textarea[aria-label=filter]", '{"total": {"$gt": 20}}');
        await rig.page.click("button[type=submit]");
        await rig.page.waitForSelector("#plan-tree li").catch(() => undefined);
      }
      await rig.page.screenshot({ path: `${OUT}${name}.png`, fullPage: false });
      console.log(`docs/admin/${name}.png`);
    }
    // The dark theme (follows the OS) and a phone-width layout.
    await rig.page.emulateMedia({ colorScheme: "dark" });
    await rig.page.goto(`${rig.admin.url}#/coll/shop/orders/indexes`);
    await rig.page.waitForSelector("table");
    await rig.page.screenshot({ path: `${OUT}dark-indexes.png` });
    console.log("docs/admin/dark-indexes.png");
    await rig.page.emulateMedia({ colorScheme: "light" });
    await rig.page.setViewportSize({ width: 390, height: 800 });
    await rig.page.goto(`${rig.admin.url}#/dashboard`);
    await rig.page.waitForSelector("[data-tile=uptime]");
    await rig.page.waitForTimeout(3000);
    await rig.page.screenshot({ path: `${OUT}phone-dashboard.png` });
    console.log("docs/admin/phone-dashboard.png");
    clearInterval(load);
    await cursor.close();
  } finally {
    await rig.close();
  }
}
