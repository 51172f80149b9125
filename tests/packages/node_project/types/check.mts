// The package's ESM declarations: these lines must type-check (tsc --noEmit), and the @ts-expect-error ones must not.
import { SecantusServer, type SecantusServerOptions } from "secantusdb";
import { MongoMemoryReplSet, MongoMemoryServer } from "secantusdb/mongodb-memory-server";

const opts: SecantusServerOptions = {
  storagePath: ":memory:",
  port: 0,
  replSet: true,
  args: ["--cache-size", "256M"],
};
export async function esm(): Promise<string> {
  const server: SecantusServer = await SecantusServer.create(opts);
  const uri: string = server.getUri("db");
  await server.stop({ doCleanup: true });
  const mongod = await MongoMemoryServer.create({ instance: { dbName: "x" } });
  const rs = await MongoMemoryReplSet.create({ replSet: { count: 1 } });
  await mongod.stop({ doCleanup: true, force: false });
  await rs.stop(false);
  // @ts-expect-error port is a number
  await SecantusServer.create({ port: "27017" });
  return uri + mongod.getUri() + rs.getUri("db");
}
