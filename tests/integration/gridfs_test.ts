/**
 * GridFS through npm:mongodb's GridFSBucket: upload (streaming, several chunks), download by id and
 * by name (with revisions), partial download (start/end), rename, delete, drop. GridFS is plain
 * collections (`<bucket>.files`, `<bucket>.chunks` with their indexes), so this checks the server
 * does everything the driver needs. One server for the file.
 */
import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { GridFSBucket, MongoClient, type ObjectId } from "mongodb";
import { Readable } from "node:stream";
import { startServer } from "../../mod.ts";

function upload(bucket: GridFSBucket, name: string, data: Uint8Array): Promise<ObjectId> {
  return new Promise((resolve, reject) => {
    const up = bucket.openUploadStream(name, { chunkSizeBytes: 1024, metadata: { kind: "test" } });
    Readable.from([data]).pipe(up).on("error", reject).on("finish", () => resolve(up.id as ObjectId));
  });
}

async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(new Uint8Array(c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test({
  name: "GridFSBucket: upload, download, revisions, ranges, rename, delete, drop",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const client = new MongoClient(server.uri);
    try {
      const db = client.db("gridfs");
      const bucket = new GridFSBucket(db, { bucketName: "files" });
      const v1 = new Uint8Array(5000).map((_, i) => i % 251);
      const v2 = new TextEncoder().encode("second revision");
      const id1 = await upload(bucket, "a.bin", v1);
      await upload(bucket, "a.bin", v2);
      assertEquals(await db.collection("files.chunks").countDocuments({ files_id: id1 }), 5);
      assertEquals(await readAll(bucket.openDownloadStream(id1)), v1);
      assertEquals(await readAll(bucket.openDownloadStreamByName("a.bin")), v2); // latest revision
      assertEquals(await readAll(bucket.openDownloadStreamByName("a.bin", { revision: 0 })), v1);
      assertEquals(
        await readAll(bucket.openDownloadStream(id1, { start: 1000, end: 1010 })),
        v1.slice(1000, 1010),
      );
      const files = await bucket.find({ filename: "a.bin" }).sort({ uploadDate: 1 }).toArray();
      assertEquals(files.map((f) => f.length), [5000, v2.length]);
      assertEquals(files[0]?.metadata, { kind: "test" });
      const idx = (await db.collection("files.chunks").indexes()).map((i) => i.key);
      assertEquals(idx[1], { files_id: 1, n: 1 });
      await bucket.rename(id1, "renamed.bin");
      assertEquals(await readAll(bucket.openDownloadStreamByName("renamed.bin")), v1);
      await bucket.delete(id1);
      assertEquals(await db.collection("files.chunks").countDocuments({ files_id: id1 }), 0);
      await rejects(readAll(bucket.openDownloadStream(id1)), /FileNotFound|not found/i);
      await bucket.drop();
      assertEquals((await db.listCollections().toArray()).map((c) => c.name), []);
    } finally {
      await client.close();
      await server.stop();
    }
  },
});
