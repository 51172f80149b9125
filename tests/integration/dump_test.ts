/**
 * Issue 13, built-in dump and load in mongodump's formats, proven against the real tools in
 * ../shared/tools/mongo-tools: our directory and archive dumps (plain and gzipped) are read by
 * `mongorestore` and `bsondump`; mongodump's dumps of our server are read by our `load`; our offline
 * dump of a data directory matches the online one; views travel as mongodump writes them (definition
 * in the metadata, no documents) both ways, and `load --storage-path` fills a data directory offline.
 * Skipped when the tools are absent.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { PROJECT_ROOT, runCli, spawnServer } from "./helpers/server_process.ts";

const TOOLS = `${PROJECT_ROOT}../shared/tools/mongo-tools/bin`;
const HAVE_TOOLS = (() => {
  try {
    return Deno.statSync(`${TOOLS}/mongorestore`).isFile;
  } catch {
    return false;
  }
})();

async function tool(name: string, args: string[]): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(`${TOOLS}/${name}`, {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

async function contents(uri: string, dbName: string): Promise<Record<string, unknown>> {
  const client = new MongoClient(uri);
  try {
    const db = client.db(dbName);
    const out: Record<string, unknown> = {};
    for (const info of await db.listCollections().toArray()) {
      const c = db.collection(info.name);
      out[info.name] = {
        docs: await c.find({}).sort({ _id: 1 }).toArray(),
        indexes: (await c.listIndexes().toArray()).map(({ v: _v, ...i }) => i).sort((a, b) =>
          a.name < b.name ? -1 : 1
        ),
      };
    }
    return out;
  } finally {
    await client.close();
  }
}

Deno.test({
  name: "dump/load round trips with mongodump, mongorestore and bsondump (directory, archive, gzip, offline)",
  ignore: !HAVE_TOOLS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-dump-" });
    const source = await spawnServer({ dataDir: `${work}/src`, cwd: work });
    const target = await spawnServer({ dataDir: `${work}/dst`, cwd: work });
    try {
      const client = new MongoClient(source.uri);
      const db = client.db("shop");
      await db.collection<{ _id: number }>("items").insertMany(
        Array.from({ length: 300 }, (_, i) => ({ _id: i, sku: `s${i}`, n: i % 5, when: new Date(i * 1000) })),
      );
      await db.collection("items").createIndex({ sku: 1 }, { unique: true });
      await db.collection("items").createIndex({ n: 1, sku: -1 }, { name: "n_sku" });
      await db.collection<{ _id: string; text: string; big: bigint }>("notes").insertOne({
        _id: "a",
        text: "héllo",
        big: 2n ** 40n,
      });
      await client.close();
      const expected = await contents(source.uri, "shop");

      // 1. ours → mongorestore, for each format.
      const outputs: [string, string[], string[]][] = [
        ["dir", ["--out", `${work}/d1`], [`${work}/d1`]],
        ["dir-gz", ["--out", `${work}/d2`, "--gzip"], ["--gzip", `${work}/d2`]],
        ["archive", ["--archive", `${work}/a1`], [`--archive=${work}/a1`]],
        ["archive-gz", ["--archive", `${work}/a2`, "--gzip"], ["--gzip", `--archive=${work}/a2`]],
      ];
      for (const [name, dumpArgs, restoreArgs] of outputs) {
        const d = await runCli(["dump", "--uri", source.uri, "--db", "shop", ...dumpArgs], {
          timeoutMs: 60_000,
        });
        assert.equal(d.code, 0, `${name}: ${d.stderr}`);
        const r = await tool("mongorestore", [
          "--uri",
          target.uri,
          "--drop",
          "--nsFrom",
          "shop.*",
          "--nsTo",
          `r_${name.replace("-", "_")}.*`,
          ...restoreArgs,
        ]);
        assert.equal(r.code, 0, `${name}: ${r.out}`);
        assert.match(
          r.out,
          /301 document\(s\) restored successfully\. 0 document\(s\) failed/,
          `${name}: ${r.out}`,
        );
        assert.deepEqual(await contents(target.uri, `r_${name.replace("-", "_")}`), expected, name);
      }
      const b = await tool("bsondump", [`${work}/d1/shop/notes.bson`]);
      assert.equal(b.code, 0, b.out);
      assert.match(b.out, /"text":"héllo"/);

      // 2. mongodump of our server → our load.
      for (
        const [name, args, loadArgs] of [
          ["dir", ["--out", `${work}/m1`], ["--dir", `${work}/m1`]],
          ["archive-gz", [`--archive=${work}/m2`, "--gzip"], ["--archive", `${work}/m2`]],
        ] as const
      ) {
        const m = await tool("mongodump", ["--uri", source.uri, "--db", "shop", ...args]);
        assert.equal(m.code, 0, m.out);
        const l = await runCli(["load", "--uri", target.uri, "--drop", ...loadArgs], { timeoutMs: 60_000 });
        assert.equal(l.code, 0, `${name}: ${l.stderr}`);
        assert.match(l.stderr, /loaded 301 documents into 2 collections/, name);
        assert.deepEqual(await contents(target.uri, "shop"), expected, name);
      }

      // 3. Offline dump of the source's data directory (server stopped) equals the online dump.
      await source.stop();
      const off = await runCli(["dump", "--storage-path", `${work}/src`, "--out", `${work}/off`], {
        timeoutMs: 60_000,
      });
      assert.equal(off.code, 0, off.stderr);
      for (const f of ["items.bson", "items.metadata.json", "notes.bson", "notes.metadata.json"]) {
        assert.deepEqual(
          await Deno.readFile(`${work}/off/shop/${f}`),
          await Deno.readFile(`${work}/d1/shop/${f}`),
          f,
        );
      }
    } finally {
      await source.stop();
      await target.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});

/** Collections and views of a database: type, view definition, documents (sorted), index names. */
async function withViews(uri: string, dbName: string): Promise<Record<string, unknown>> {
  const client = new MongoClient(uri);
  try {
    const db = client.db(dbName);
    const out: Record<string, unknown> = {};
    for (const info of await db.listCollections().toArray()) {
      const c = db.collection(info.name);
      const view = info.type === "view";
      out[info.name] = {
        type: info.type,
        ...(view ? { options: (info as { options?: unknown }).options } : {}),
        docs: await c.find({}).sort({ _id: 1 }).toArray(),
        ...(view ? {} : { indexes: (await c.listIndexes().toArray()).map((i) => i["name"]).sort() }),
      };
    }
    return out;
  } finally {
    await client.close();
  }
}

Deno.test({
  name: "views both ways with the real tools; load --storage-path fills a data directory offline",
  ignore: !HAVE_TOOLS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-dump-views-" });
    const source = await spawnServer({ dataDir: `${work}/src`, cwd: work });
    const target = await spawnServer({ dataDir: `${work}/dst`, cwd: work });
    let offline: Awaited<ReturnType<typeof spawnServer>> | undefined;
    try {
      const client = new MongoClient(source.uri);
      const db = client.db("v");
      await db.collection<{ _id: number; age: number }>("people").insertMany([
        { _id: 1, age: 30 },
        { _id: 2, age: 12 },
        { _id: 3, age: 45 },
      ]);
      await db.createCollection("adults", {
        viewOn: "people",
        pipeline: [{ $match: { age: { $gte: 18 } } }],
      });
      await client.close();
      const expected = await withViews(source.uri, "v");
      const names = (c: Record<string, unknown>) => Object.keys(c).sort();
      assert.deepEqual(names(expected), ["adults", "people", "system.views"]);

      // Ours → mongorestore: the view comes back as a view.
      const d = await runCli(["dump", "--uri", source.uri, "--out", `${work}/d`], { timeoutMs: 60_000 });
      assert.equal(d.code, 0, d.stderr);
      assert.deepEqual([...Deno.readDirSync(`${work}/d/v`)].map((e) => e.name).sort(), [
        "adults.metadata.json",
        "people.bson",
        "people.metadata.json",
      ]);
      const r = await tool("mongorestore", ["--uri", target.uri, "--drop", `${work}/d`]);
      assert.equal(r.code, 0, r.out);
      assert.deepEqual(await withViews(target.uri, "v"), expected);

      // mongodump's archive → load --storage-path into a fresh directory, then a server on it.
      const m = await tool("mongodump", ["--uri", source.uri, "--db", "v", `--archive=${work}/m.archive`]);
      assert.equal(m.code, 0, m.out);
      const l = await runCli(
        ["load", "--storage-path", `${work}/off`, "--archive", `${work}/m.archive`],
        { timeoutMs: 60_000 },
      );
      assert.equal(l.code, 0, l.stderr);
      assert.match(l.stderr, /loaded 3 documents into 1 collections .*; 1 view/);
      offline = await spawnServer({ dataDir: `${work}/off`, cwd: work });
      assert.deepEqual(await withViews(offline.uri, "v"), expected);
      const held = await runCli(["load", "--storage-path", `${work}/off`, "--dir", `${work}/d`]);
      assert.equal(held.code, 1);
      assert.match(held.stderr, /in use by a running server/);
      await offline.stop();

      // The offline dump of that directory writes the view as the online dump does.
      const off = await runCli(["dump", "--storage-path", `${work}/off`, "--out", `${work}/od`], {
        timeoutMs: 60_000,
      });
      assert.equal(off.code, 0, off.stderr);
      assert.equal(
        await Deno.readTextFile(`${work}/od/v/adults.metadata.json`),
        await Deno.readTextFile(`${work}/d/v/adults.metadata.json`),
      );
      assert.throws(() => Deno.statSync(`${work}/od/v/system.views.bson`), Deno.errors.NotFound);
    } finally {
      await offline?.stop();
      await source.stop();
      await target.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});
