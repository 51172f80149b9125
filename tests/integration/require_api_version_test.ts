/**
 * mongod's requireApiVersion through real clients: set at start (`--require-api-version`) or at run time
 * (setParameter), a command without `apiVersion` is 498870 — pings and finds by `_id` too, which the I/O
 * thread otherwise answers itself — while a driver with `serverApi` works as before.
 */
import assert from "node:assert/strict";
import { BSON, MongoClient, ServerApiVersion } from "mongodb";
import { startServer } from "../../mod.ts";
import { rawConnection } from "./helpers/raw_wire.ts";

/** The reply document of a raw OP_MSG reply (flag bits, section kind, document). */
const doc = (frame: Uint8Array) => BSON.deserialize(frame.subarray(5));

Deno.test({
  name:
    "requireApiVersion at run time: the I/O thread stops answering, 498870 without apiVersion, serverApi works",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "ERROR" });
    const api = new MongoClient(server.uri, { serverApi: { version: ServerApiVersion.v1 } });
    const raw = await rawConnection(server.port);
    try {
      const c = api.db("t").collection<{ _id: number; v: string }>("c");
      await c.insertOne({ _id: 1, v: "a" });
      // a find by _id and a ping the I/O thread may answer by now
      for (let i = 0; i < 3; i++) {
        assert.equal(doc(await raw.ask({ find: "c", filter: { _id: 1 }, $db: "t" })).ok, 1);
        assert.equal(doc(await raw.ask({ ping: 1, $db: "admin" })).ok, 1);
      }
      const io = (await api.db("admin").command({ serverStatus: 1 })).secantus.ioThread;
      assert.ok(Number(io.pings) >= 1 && Number(io.finds) >= 1, "the I/O thread answered them");
      assert.equal(
        (await api.db("admin").command({ getParameter: 1, requireApiVersion: 1 })).requireApiVersion,
        false,
      );
      const was = await api.db("admin").command({ setParameter: 1, requireApiVersion: true });
      assert.equal(was.was, false);
      for (const body of [{ ping: 1, $db: "admin" }, { find: "c", filter: { _id: 1 }, $db: "t" }]) {
        const r = doc(await raw.ask(body));
        assert.equal(r.ok, 0);
        assert.equal(r.code, 498870);
        assert.equal(
          r.errmsg,
          "The apiVersion parameter is required, please configure your MongoClient's API version",
        );
      }
      assert.equal(doc(await raw.ask({ ping: 1, apiVersion: "1", $db: "admin" })).ok, 1);
      assert.deepEqual(await c.findOne({ _id: 1 }), { _id: 1, v: "a" });
      await c.updateOne({ _id: 1 }, { $set: { v: "b" } });
      assert.equal(
        (await api.db("admin").command({ getParameter: 1, requireApiVersion: 1 })).requireApiVersion,
        true,
      );
      const bad = await api.db("admin").command({ setParameter: 1, requireApiVersion: "yes" }).catch((e) =>
        e
      );
      assert.equal(bad.code, 14);
      // off again: requests without apiVersion run
      await api.db("admin").command({ setParameter: 1, requireApiVersion: false });
      assert.equal(
        doc(await raw.ask({ find: "c", filter: { _id: 1 }, $db: "t" })).cursor.firstBatch[0].v,
        "b",
      );
    } finally {
      raw.close();
      await api.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "requireApiVersion at start (--require-api-version): a driver without serverApi cannot run commands",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const server = await startServer({
      args: ["--port", "0", "--storage-path", ":memory:", "--require-api-version"],
    });
    const plain = new MongoClient(server.uri, { serverSelectionTimeoutMS: 1500 });
    const api = new MongoClient(server.uri, { serverApi: { version: ServerApiVersion.v1 } });
    try {
      const e = await plain.db("admin").command({ ping: 1 }).catch((x) => x);
      assert.ok(e instanceof Error);
      assert.match(String(e.message), /apiVersion parameter is required/);
      assert.equal((await api.db("admin").command({ ping: 1 })).ok, 1);
      assert.equal(
        (await api.db("admin").command({ getParameter: 1, requireApiVersion: 1 })).requireApiVersion,
        true,
      );
    } finally {
      await plain.close();
      await api.close();
      await server.stop();
    }
  },
});
