/** SecantusServer through the ESM entry: storage directories, standalone, stop, start-up errors. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { MongoClient } from "mongodb";
import { SecantusServer } from "secantusdb";

async function withClient(server, fn) {
  const client = new MongoClient(server.getUri("app"));
  try {
    return await fn(client.db());
  } finally {
    await client.close();
  }
}

test("a data directory keeps documents across a restart", async () => {
  const dir = mkdtempSync(join(tmpdir(), "secantus-vitest-"));
  try {
    const first = await SecantusServer.create({ storagePath: dir });
    expect(first.storagePath).toBe(dir);
    await withClient(first, (db) => db.collection("kept").insertOne({ _id: 1, v: "x" }));
    await first.stop();
    expect(first.running).toBe(false);
    const second = await SecantusServer.create({ storagePath: dir });
    expect(await withClient(second, (db) => db.collection("kept").findOne({ _id: 1 }))).toEqual({
      _id: 1,
      v: "x",
    });
    await second.stop({ doCleanup: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("replSet: false is a standalone server; getUri and stop behave", async () => {
  const server = await SecantusServer.create({ replSet: false });
  expect(server.getUri()).toBe(`mongodb://127.0.0.1:${server.port}/?directConnection=true`);
  const hello = await withClient(server, (db) => db.admin().command({ hello: 1 }));
  expect(hello.setName).toBeUndefined();
  await server.stop();
  await server.stop(); // idempotent
});

test("a port in use rejects create() with the server's reason", async () => {
  const server = await SecantusServer.create();
  try {
    await expect(SecantusServer.create({ port: server.port })).rejects.toThrow(/log tail/);
  } finally {
    await server.stop();
  }
});

test("a server killed under the test makes stop() reject with its log tail", async () => {
  const server = await SecantusServer.create();
  process.kill(server.pid, "SIGKILL");
  await expect(server.stop()).rejects.toThrow(/exited abnormally \(signal SIGKILL\); log tail/);
});

test("auth: true enforces authentication (first user through the localhost exception)", async () => {
  const server = await SecantusServer.create({ auth: true });
  try {
    const anon = new MongoClient(server.getUri());
    try {
      await expect(anon.db("app").collection("c").findOne({})).rejects.toThrow(/requires authentication/);
      await anon.db("admin").command({ createUser: "u", pwd: "p", roles: ["root"] });
    } finally {
      await anon.close();
    }
    const user = new MongoClient(server.getUri("app").replace("mongodb://", "mongodb://u:p@"), { authSource: "admin" });
    try {
      await user.db("app").collection("c").insertOne({ a: 1 });
      expect(await user.db("app").collection("c").countDocuments()).toBe(1);
    } finally {
      await user.close();
    }
  } finally {
    await server.stop();
  }
});
