// The package's CJS declarations (require).
import secantus = require("secantusdb");
import mms = require("secantusdb/mongodb-memory-server");

export async function cjs(): Promise<number> {
  const server = await secantus.SecantusServer.create({ replSet: false, logLevel: "WARNING" });
  const port: number = server.port;
  await server.stop();
  const mongod = new mms.MongoMemoryServer();
  await mongod.start();
  // @ts-expect-error getUri takes strings
  mongod.getUri(1);
  return port;
}
