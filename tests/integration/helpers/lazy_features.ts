/**
 * The server features that load a module on first use (a chunk of their own in a code-split bundle, a
 * CommonJS package's among them), used once each through the Node driver: zlib wire compression, a text
 * index's stemmer, a hashed index, `$where` (the JavaScript worker) and SCRAM-SHA-256 with a non-ASCII
 * password (SASLprep). For tests that run the server from a bundle (the start bundle, the npm package's):
 * each feature must work there as it does from the sources. Leaves database "lazy" with two documents.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";

export async function useLazyFeatures(port: number): Promise<void> {
  const base = `mongodb://127.0.0.1:${port}/?directConnection=true&serverSelectionTimeoutMS=5000`;
  const c = new MongoClient(`${base}&compressors=zlib`);
  try {
    const db = c.db("lazy");
    const coll = db.collection<{ _id: number; text: string; k: string }>("docs");
    await coll.insertMany([
      { _id: 1, text: "the runners were running", k: "a" },
      { _id: 2, text: "a quiet afternoon", k: "b" },
    ]);
    await coll.createIndex({ text: "text" }, { default_language: "english" });
    const stemmed = await coll.find({ $text: { $search: "run" } }, { projection: { _id: 1 } }).toArray();
    assert.deepEqual(stemmed, [{ _id: 1 }]);
    await coll.createIndex({ k: "hashed" });
    assert.deepEqual(
      await coll.find({ k: "b" }, { projection: { _id: 1 } }).hint({ k: "hashed" }).toArray(),
      [{ _id: 2 }],
    );
    const where = await coll.find({ $where: "this.k === 'a'" }, { projection: { _id: 1 } }).toArray();
    assert.deepEqual(where, [{ _id: 1 }]);
    await db.command({ createUser: "bundled", pwd: "pässwörd", roles: [] });
  } finally {
    await c.close();
  }
  const user = new MongoClient(base, {
    auth: { username: "bundled", password: "pässwörd" },
    authSource: "lazy",
    authMechanism: "SCRAM-SHA-256",
  });
  try {
    const status = await user.db("lazy").command({ connectionStatus: 1 });
    assert.deepEqual(status.authInfo.authenticatedUsers, [{ user: "bundled", db: "lazy" }]);
  } finally {
    await user.close();
  }
}
