/**
 * Wire compression (issue 15 item 10) through npm:mongodb: the server advertises snappy, zstd and zlib
 * in `hello.compression` (the client's list, kept to what it has), decompresses OP_COMPRESSED requests
 * and answers compressed with the same compressor. The Node driver's zlib path needs no extra package;
 * its snappy and zstd paths need optional native packages (`snappy`, `@mongodb-js/zstd`) that this
 * repository does not depend on (a native `snappy` breaks the npm package's bundle; zstd's build cannot be
 * fetched here): snappy, zstd and noop are covered by the wire/ unit tests and server_test's raw-socket
 * round trip. (Checked by hand: the driver with `snappy@7.4.3` installed talks snappy to this server.)
 */
// deno-lint-ignore no-explicit-any
type AnyDoc = any;
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { startServer } from "../../mod.ts";

for (const compressor of ["zlib"] as const) {
  Deno.test({
    name:
      `compression: ${compressor} negotiated and used by the Node driver; hello lists only what both have`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
      const client = new MongoClient(server.uri, { compressors: [compressor] });
      try {
        const db = client.db("z");
        const hello = await db.command({ hello: 1, compression: ["zstd", "lz4", "zlib"] });
        assert.deepEqual(hello.compression, ["zstd", "zlib"]);
        const plain = await db.command({ hello: 1 });
        assert.equal(plain.compression, undefined);
        const c = db.collection<AnyDoc>("c");
        const big = "compress me ".repeat(2000);
        await c.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i, big })));
        const back = await c.find({}, { batchSize: 10 }).toArray();
        assert.equal(back.length, 50);
        assert.equal(back[49].big, big);
        const status = await db.admin().command({ serverStatus: 1 });
        const net = status.network as AnyDoc;
        // The replies were compressed: far fewer bytes out than the 50 × 24 KB of documents.
        assert.ok(Number(net.bytesOut) < 500_000, `bytesOut ${net.bytesOut}`);
        // network.compression as mongod: each compressor's compressor/decompressor byte counts
        assert.deepEqual(Object.keys(net.compression), ["snappy", "zstd", "zlib"]);
        const z = net.compression.zlib;
        assert.ok(Number(z.decompressor.bytesOut) > Number(z.decompressor.bytesIn), "requests were inflated");
        assert.ok(
          Number(z.decompressor.bytesOut) > 50 * 24_000,
          `decompressor ${JSON.stringify(z.decompressor)}`,
        );
        assert.ok(Number(z.compressor.bytesIn) > 50 * 24_000, `compressor ${JSON.stringify(z.compressor)}`);
        assert.ok(Number(z.compressor.bytesOut) < Number(z.compressor.bytesIn) / 10);
        assert.equal(Number(net.compression.snappy.compressor.bytesIn), 0);
      } finally {
        await client.close();
        await server.stop();
      }
    },
  });
}
