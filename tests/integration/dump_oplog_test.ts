/**
 * Issue 13, `secantusdb dump --oplog` and `load --oplog-replay` against the real tools: while a writer
 * keeps changing the source (a counter, then an insert naming the counter's value), a dump with the
 * oplog is taken as a directory and as a gzipped archive; `mongorestore --oplogReplay` and our
 * `load --oplog-replay` both bring back one consistent state (the counter and the inserted ids agree,
 * which the collection scans alone cannot give), and the same one. mongodump's own `--oplog` archive
 * is read by our load. `--oplog` with `--db` or offline is refused.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { PROJECT_ROOT, runCli } from "./helpers/server_process.ts";
import { startServer } from "../../mod.ts";

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
    signal: AbortSignal.timeout(90_000),
  }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout) + d.decode(r.stderr) };
}

type D = { _id: number; n?: number; pad?: string };

/** The counter, the event ids and everything else of db "shop" on a server. */
async function state(uri: string) {
  const client = new MongoClient(uri);
  try {
    const db = client.db("shop");
    const n = (await db.collection<D>("aaa").findOne({ _id: 1 }))?.n ?? -1;
    const ids = (await db.collection<D>("events").find({}).sort({ _id: 1 }).toArray()).map((d) => d._id);
    const big = await db.collection("big").countDocuments();
    const indexes = (await db.collection("events").listIndexes().toArray()).map((i) => i["name"]).sort();
    return { n, ids, big, indexes };
  } finally {
    await client.close();
  }
}

/** Consistent: events 1..m with m = n (the insert after the counter's set) or n - 1 (between them). */
function assertConsistent(s: { n: number; ids: number[] }, label: string): void {
  const m = s.ids.length;
  assert.deepEqual(s.ids, Array.from({ length: m }, (_, i) => i + 1), label);
  assert.ok(m === s.n || m === s.n - 1, `${label}: counter ${s.n}, ${m} events`);
}

Deno.test({
  name: "dump --oplog (directory and archive) replayed by mongorestore --oplogReplay and load --oplog-replay",
  ignore: !HAVE_TOOLS,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "secantus-dump-oplog-" });
    const source = await startServer({ logLevel: "WARNING" });
    const targets = await Promise.all([1, 2, 3, 4, 5].map(() => startServer({ logLevel: "WARNING" })));
    const client = new MongoClient(source.uri);
    let writing = true;
    let writer: Promise<void> = Promise.resolve();
    try {
      const db = client.db("shop");
      const pad = "x".repeat(1000);
      for (let b = 0; b < 3; b++) {
        await db.collection<D>("big").insertMany(
          Array.from({ length: 2000 }, (_, i) => ({ _id: b * 2000 + i, pad })),
        );
      }
      await db.collection<D>("aaa").insertOne({ _id: 1, n: 0 });
      await db.collection<D>("events").createIndex({ n: 1 });
      writer = (async () => {
        for (let i = 1; writing; i++) {
          await db.collection<D>("aaa").updateOne({ _id: 1 }, { $set: { n: i } });
          await db.collection<D>("events").insertOne({ _id: i, n: i });
          await new Promise((r) => setTimeout(r, 2)); // a steady trickle, not a flood
        }
      })();
      await new Promise((r) => setTimeout(r, 100));
      const dir = await runCli(["dump", "--uri", source.uri, "--oplog", "--out", `${work}/dir`], {
        timeoutMs: 120_000,
      });
      assert.equal(dir.code, 0, dir.stderr);
      assert.match(dir.stderr, /dumped [1-9]\d* oplog entries/);
      const arch = await runCli(
        ["dump", "--uri", source.uri, "--oplog", "--archive", `${work}/a.archive.gz`, "--gzip"],
        { timeoutMs: 120_000 },
      );
      assert.equal(arch.code, 0, arch.stderr);
      const real = await tool("mongodump", [
        `--uri=${source.uri}`,
        "--oplog",
        `--archive=${work}/real.archive`,
      ]);
      assert.equal(real.code, 0, real.out);
      writing = false;
      await writer;

      // The collection scan alone is not consistent; the replay makes it so.
      const dumped = await tool("bsondump", [`${work}/dir/shop/aaa.bson`]);
      const nDumped = Number(/"n":\{"\$numberInt":"(\d+)"\}/.exec(dumped.out)?.[1]);
      assert.ok(Deno.statSync(`${work}/dir/oplog.bson`).size > 0);

      const [t1, t2, t3, t4, t5] = targets as [
        typeof source,
        typeof source,
        typeof source,
        typeof source,
        typeof source,
      ];
      const r1 = await tool("mongorestore", [`--uri=${t1.uri}`, "--oplogReplay", `${work}/dir`]);
      assert.equal(r1.code, 0, r1.out);
      const l2 = await runCli(["load", "--uri", t2.uri, "--dir", `${work}/dir`, "--oplog-replay"], {
        timeoutMs: 120_000,
      });
      assert.equal(l2.code, 0, l2.stderr);
      assert.match(l2.stderr, /replayed [1-9]\d* oplog entries/);
      const s1 = await state(t1.uri);
      const s2 = await state(t2.uri);
      assertConsistent(s1, "mongorestore --oplogReplay of dump --oplog");
      assert.ok(s1.n > nDumped, `the replay moved the counter past the scanned ${nDumped}`);
      assert.equal(s1.big, 6_000);
      assert.deepEqual(s1.indexes, ["_id_", "n_1"]);
      assert.deepEqual(s2, s1, "load --oplog-replay = mongorestore --oplogReplay");

      const r3 = await tool("mongorestore", [
        `--uri=${t3.uri}`,
        "--oplogReplay",
        "--gzip",
        `--archive=${work}/a.archive.gz`,
      ]);
      assert.equal(r3.code, 0, r3.out);
      const l4 = await runCli([
        "load",
        "--uri",
        t4.uri,
        "--archive",
        `${work}/a.archive.gz`,
        "--oplog-replay",
      ], { timeoutMs: 120_000 });
      assert.equal(l4.code, 0, l4.stderr);
      const s3 = await state(t3.uri);
      assertConsistent(s3, "mongorestore of the archive");
      assert.deepEqual(await state(t4.uri), s3);

      // mongodump's own --oplog archive, read by our load.
      const l5 = await runCli([
        "load",
        "--uri",
        t5.uri,
        "--archive",
        `${work}/real.archive`,
        "--oplog-replay",
      ], {
        timeoutMs: 120_000,
      });
      assert.equal(l5.code, 0, l5.stderr);
      assertConsistent(await state(t5.uri), "load of mongodump --oplog");

      const noReplay = await runCli(["load", "--uri", t5.uri, "--dir", `${work}/dir`, "--drop"], {
        timeoutMs: 120_000,
      });
      assert.equal(noReplay.code, 0, noReplay.stderr);
      assert.match(noReplay.stderr, /oplog entries not replayed \(pass --oplog-replay\)/);

      const partial = await runCli([
        "dump",
        "--uri",
        source.uri,
        "--oplog",
        "--db",
        "shop",
        "--out",
        `${work}/p`,
      ]);
      assert.equal(partial.code, 2);
      assert.match(partial.stderr, /only supported on full dumps/);
      const offline = await runCli(["dump", "--storage-path", work, "--oplog", "--out", `${work}/o`]);
      assert.equal(offline.code, 2);
      assert.match(offline.stderr, /needs a running server/);
    } finally {
      writing = false;
      await writer.catch(() => {});
      await client.close();
      for (const t of targets) await t.stop();
      await source.stop();
      await Deno.remove(work, { recursive: true });
    }
  },
});
