/**
 * Backup, restore, dump and load speed (issue 13): a server on disk with BACKUP_DOCS documents of
 * ~1 KB (default 100,000), then
 *  - secantusAdmin.backupArchive: MB/s of data files read (the archive is gzipped),
 *  - restore-archive: MB/s of data files written,
 *  - `secantusdb dump --uri` (directory) and `secantusdb load --uri`: documents/s,
 *  - the real `mongodump --uri` against our server (../shared/tools/mongo-tools), for comparison.
 * Figures vary with the machine's load; run it alone.
 */
import { MongoClient } from "mongodb";

const ROOT = new URL("../", import.meta.url).pathname;
const DOCS = Number(Deno.env.get("BACKUP_DOCS") ?? 100_000);
const MONGODUMP = `${ROOT}../shared/tools/mongo-tools/bin/mongodump`;

async function run(cmd: string, args: string[]): Promise<number> {
  const t = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
  if (out.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return (performance.now() - t) / 1000;
}

async function startServer(dir: string): Promise<{ uri: string; child: Deno.ChildProcess }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`, "--port", "0", "--storage-path", dir],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Keep draining the server's log (a full pipe would block it), looking for the startup line.
  let text = "";
  const started = Promise.withResolvers<string>();
  (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      if (text.length < 65536) text += chunk;
      const m = /listening on \S+?:(\d+)/.exec(text);
      if (m) started.resolve(m[1]!);
    }
    started.reject(new Error(`server exited: ${text}`));
  })();
  const timer = setTimeout(() => started.reject(new Error(`server did not start: ${text}`)), 30_000);
  const port = await started.promise;
  clearTimeout(timer);
  return { uri: `mongodb://127.0.0.1:${port}/?directConnection=true`, child };
}

const work = await Deno.makeTempDir({ prefix: "secantus-bench-backup-" });
const server = await startServer(`${work}/data`);
try {
  const client = new MongoClient(server.uri);
  const c = client.db("bench").collection("docs");
  const pad = "x".repeat(900);
  for (let i = 0; i < DOCS; i += 5000) {
    await c.insertMany(
      Array.from({ length: Math.min(5000, DOCS - i) }, (_, j) => ({ n: i + j, pad, at: new Date() })),
    );
  }
  const t = performance.now();
  const b = await client.db("admin").command({
    "secantusAdmin.backupArchive": 1,
    outputPath: `${work}/a.tar.gz`,
  });
  const backupSecs = (performance.now() - t) / 1000;
  await client.close();
  const mb = Number(b["dataSize"]) / 1048576;
  console.log(
    `backupArchive: ${mb.toFixed(1)} MB of data files in ${backupSecs.toFixed(2)} s = ${
      (mb / backupSecs).toFixed(1)
    } MB/s` +
      ` (archive ${(Number(b["size"]) / 1048576).toFixed(1)} MB)`,
  );
  const restoreSecs = await run(Deno.execPath(), [
    "run",
    "-A",
    `${ROOT}main.ts`,
    "restore-archive",
    "--archive",
    `${work}/a.tar.gz`,
    "--target-dir",
    `${work}/restored`,
  ]);
  console.log(
    `restore-archive: ${mb.toFixed(1)} MB in ${restoreSecs.toFixed(2)} s = ${
      (mb / restoreSecs).toFixed(1)
    } MB/s (incl. process start)`,
  );
  const dumpSecs = await run(Deno.execPath(), [
    "run",
    "-A",
    `${ROOT}main.ts`,
    "dump",
    "--uri",
    server.uri,
    "--out",
    `${work}/d`,
  ]);
  console.log(
    `secantusdb dump --uri: ${DOCS} docs in ${dumpSecs.toFixed(2)} s = ${
      (DOCS / dumpSecs).toFixed(0)
    } docs/s`,
  );
  try {
    const mSecs = await run(MONGODUMP, ["--uri", server.uri, "--out", `${work}/m`]);
    console.log(
      `mongodump --uri (same server): ${DOCS} docs in ${mSecs.toFixed(2)} s = ${
        (DOCS / mSecs).toFixed(0)
      } docs/s`,
    );
  } catch (e) {
    console.log(`mongodump: not measured (${e instanceof Error ? e.message.trim().split("\n").at(-1) : e})`);
  }
  const loadSecs = await run(Deno.execPath(), [
    "run",
    "-A",
    `${ROOT}main.ts`,
    "load",
    "--uri",
    server.uri,
    "--dir",
    `${work}/d`,
    "--drop",
  ]);
  console.log(
    `secantusdb load --uri: ${DOCS} docs in ${loadSecs.toFixed(2)} s = ${
      (DOCS / loadSecs).toFixed(0)
    } docs/s`,
  );
} finally {
  server.child.kill("SIGTERM");
  await server.child.status;
  await Deno.remove(work, { recursive: true });
}
