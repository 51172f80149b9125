/**
 * Issue 13, native backup and restore end to end on real processes: a server on disk, data in two
 * databases with secondary (unique, partial) indexes, a backup taken through mongosh exactly as the
 * production guide's cron line does, `secantusdb restore-archive` into a new directory, a second
 * server started on it, and every collection, document, index and option compared. Also: the
 * refusals (overwrite, a directory a running server holds, a non-empty target, unsafe or tampered
 * archives) and `kill -9` during a backup leaving nothing under the final name.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { pack as tarPack } from "tar-stream";
import { runCli, spawnServer } from "./helpers/server_process.ts";
import { MONGOSH, runMongosh } from "./helpers/mongosh.ts";

async function snapshot(uri: string): Promise<Record<string, unknown>> {
  const client = new MongoClient(uri);
  try {
    const out: Record<string, unknown> = {};
    for (const { name: dbName } of (await client.db("admin").admin().listDatabases()).databases) {
      if (dbName === "admin" || dbName === "local" || dbName === "config") continue;
      const db = client.db(dbName);
      for (const info of await db.listCollections().toArray()) {
        const c = db.collection(info.name);
        out[`${dbName}.${info.name}`] = {
          options: (info as unknown as { options: unknown }).options,
          indexes: (await c.listIndexes().toArray()).sort((a, b) => a.name < b.name ? -1 : 1),
          docs: await c.find({}).sort({ _id: 1 }).toArray(),
        };
      }
    }
    return out;
  } finally {
    await client.close();
  }
}

async function gzipTar(
  entries: { name: string; body: Uint8Array; type?: "file" | "symlink" }[],
): Promise<Uint8Array> {
  const p = tarPack();
  for (const e of entries) {
    if (e.type === "symlink") p.entry({ name: e.name, type: "symlink", linkname: "/etc/passwd" });
    else p.entry({ name: e.name, size: e.body.length }, e.body);
  }
  p.finalize();
  const gz = (ReadableStream.from(p) as ReadableStream<Uint8Array>)
    .pipeThrough(new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(gz).arrayBuffer());
}

Deno.test({
  name: "backup through mongosh (the cron line), restore-archive, second server holds exactly the data",
  ignore: MONGOSH === undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-backup-" });
    const server = await spawnServer({ dataDir: `${work}/data`, cwd: work });
    let second: Awaited<ReturnType<typeof spawnServer>> | undefined;
    try {
      await runMongosh(
        server.uri,
        `
        const a = db.getSiblingDB("shop");
        a.items.insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: i, sku: "s" + i, qty: i % 7, tags: ["t" + (i % 3)] })));
        a.items.createIndex({ sku: 1 }, { unique: true });
        a.items.createIndex({ qty: 1 }, { partialFilterExpression: { qty: { $gt: 2 } } });
        a.items.createIndex({ tags: 1 });
        a.orders.insertOne({ _id: "o1", items: [1, 2], total: NumberDecimal("9.99"), at: new Date(0) });
        db.getSiblingDB("crm").people.insertMany([{ _id: 1, name: "ada" }, { _id: 2, name: "grace" }]);
      `,
      );
      const archive = `${work}/archive-1.tar.gz`;
      const out = await runMongosh(
        server.uri,
        `printjson(db.adminCommand({"secantusAdmin.backupArchive": 1, outputPath: "${archive}"}))`,
      );
      assert.match(out, /ok: 1/);
      assert.match(out, /durationMs/);
      assert.ok(Deno.statSync(archive).size > 0);
      // Writes after the backup are not in it; an existing archive is never overwritten.
      const again = await runMongosh(
        server.uri,
        `db.getSiblingDB("crm").people.insertOne({ _id: 3, name: "late" });
        try { db.adminCommand({"secantusAdmin.backupArchive": 1, outputPath: "${archive}"}) } catch (e) { print(0, e.codeName) }`,
      );
      assert.match(again, /0 IllegalOperation/);

      // A directory a running server holds is refused.
      const held = await runCli(["restore-archive", "--archive", archive, "--target-dir", server.dataDir]);
      assert.equal(held.code, 1);
      assert.match(held.stderr, /in use by a running server/);

      const restored = await runCli([
        "restore-archive",
        "--archive",
        archive,
        "--target-dir",
        `${work}/restored`,
      ]);
      assert.equal(restored.code, 0, restored.stderr);
      // (admin.system.version, holding the featureCompatibilityVersion document, is the fourth)
      assert.match(restored.stdout, /restored .* 4 collections/);
      assert.match(restored.stderr, /restore: 100%/); // not a terminal: plain progress lines

      // A non-empty target needs --allow-existing.
      const nonEmpty = await runCli([
        "restore-archive",
        "--archive",
        archive,
        "--target-dir",
        `${work}/restored`,
      ]);
      assert.equal(nonEmpty.code, 1);
      assert.match(nonEmpty.stderr, /not empty/);

      const expected = await snapshot(server.uri);
      delete (expected["crm.people"] as { docs: unknown[] }).docs[2]; // the late write
      (expected["crm.people"] as { docs: unknown[] }).docs.length = 2;
      second = await spawnServer({ dataDir: `${work}/restored`, cwd: work });
      const got = await snapshot(second.uri);
      assert.deepEqual(Object.keys(got).sort(), ["crm.people", "shop.items", "shop.orders"]);
      assert.deepEqual(got, expected);
      const v = await runMongosh(second.uri, `print(db.getSiblingDB("shop").items.validate().valid)`);
      assert.match(v, /true/);
    } finally {
      await second?.stop();
      await server.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "restore-archive refuses unsafe members, links, missing manifests and tampered files",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-restore-" });
    try {
      const body = new TextEncoder().encode("x");
      const cases: [string, { name: string; body: Uint8Array; type?: "file" | "symlink" }[], RegExp][] = [
        ["dotdot", [{ name: "data/../../evil", body }], /unsafe path/],
        ["absolute", [{ name: "/etc/evil", body }], /unsafe path/],
        ["outside", [{ name: "other/file", body }], /unsafe path/],
        ["link", [{ name: "data/WiredTiger", body, type: "symlink" }], /symlink, not a file/],
        ["nomanifest", [{ name: "data/WiredTiger", body }], /no manifest.json/],
        [
          "tampered",
          [
            { name: "data/WiredTiger", body },
            {
              name: "manifest.json",
              body: new TextEncoder().encode(JSON.stringify({
                formatVersion: 1,
                collections: [],
                files: [{ name: "WiredTiger", size: 1, sha256: "00".repeat(32) }],
              })),
            },
          ],
          /does not match its manifest checksum/,
        ],
      ];
      for (const [name, entries, message] of cases) {
        const file = `${work}/${name}.tar.gz`;
        await Deno.writeFile(file, await gzipTar(entries));
        const r = await runCli(["restore-archive", "--archive", file, "--target-dir", `${work}/t-${name}`]);
        assert.equal(r.code, 1, `${name}: ${r.stderr}`);
        assert.match(r.stderr, message, name);
        assert.throws(() => Deno.statSync(`${work}/t-${name}`), Deno.errors.NotFound, name);
      }
      await Deno.writeFile(`${work}/junk.tar.gz`, new TextEncoder().encode("not an archive"));
      const junk = await runCli([
        "restore-archive",
        "--archive",
        `${work}/junk.tar.gz`,
        "--target-dir",
        `${work}/tj`,
      ]);
      assert.equal(junk.code, 1);
      assert.match(junk.stderr, /not a readable backup archive/);
      const flags = await runCli(["restore-archive", "--archive", `${work}/junk.tar.gz`]);
      assert.equal(flags.code, 2);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "kill -9 during a backup leaves no archive under the final name; in-memory servers refuse",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-backup-kill-" });
    const server = await spawnServer({ dataDir: `${work}/data`, cwd: work });
    const client = new MongoClient(server.uri);
    try {
      const c = client.db("big").collection("c");
      const pad = "x".repeat(2000);
      for (let i = 0; i < 10; i++) {
        await c.insertMany(Array.from({ length: 1000 }, (_, j) => ({ i, j, pad: pad + i + j })));
      }
      const archive = `${work}/killed.tar.gz`;
      const pending = client.db("admin").command({ "secantusAdmin.backupArchive": 1, outputPath: archive })
        .catch((e) => e);
      const deadline = Date.now() + 10_000;
      // Kill as soon as the temporary file exists (the backup is under way).
      while (Date.now() < deadline && ![...Deno.readDirSync(work)].some((e) => e.name.includes(".tmp-"))) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await server.stop("SIGKILL");
      await pending;
      assert.throws(() => Deno.statSync(archive), Deno.errors.NotFound);
    } finally {
      await client.close();
      await server.stop();
      await Deno.remove(work, { recursive: true });
    }
    const mem = await spawnServer({ args: ["--storage-path", ":memory:"] });
    const mc = new MongoClient(mem.uri);
    try {
      await assert.rejects(
        mc.db("admin").command({ "secantusAdmin.backupArchive": 1, outputPath: "/tmp/never.tar.gz" }),
        { codeName: "IllegalOperation" },
      );
      await assert.rejects(
        mc.db("admin").command({ "secantusAdmin.backupArchive": 1, outputPath: "relative.tar.gz" }),
        { codeName: "InvalidPath" },
      );
    } finally {
      await mc.close();
      await mem.stop();
    }
  },
});
