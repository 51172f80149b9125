/** Each Jest worker has its own server; the CJS API rejects a bad start with the server's log tail. */
const { MongoClient } = require("mongodb");
const { SecantusServer } = require("secantusdb");

test("this worker has its own server", async () => {
  const mine = process.env[`MONGO_URI_${process.env.JEST_WORKER_ID}`];
  expect(mine).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/test\?directConnection=true$/);
  expect(new Set([process.env.MONGO_URI_1, process.env.MONGO_URI_2]).size).toBe(2);
  const client = new MongoClient(mine);
  try {
    const hello = await client.db("admin").command({ hello: 1 });
    expect(hello.setName).toBe("secantus");
    expect(hello.isWritablePrimary).toBe(true);
  } finally {
    await client.close();
  }
});

test("a bad flag rejects create() with the log tail", async () => {
  await expect(SecantusServer.create({ args: ["--no-such-flag"] })).rejects.toThrow(
    /exited before it was ready[\s\S]*unknown flag --no-such-flag/,
  );
});
