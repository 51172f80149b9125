/**
 * The `secantusdb` npm package: a MongoDB-wire-compatible server for Node test suites, with no
 * download at test time and transactions by default. `SecantusServer` is the API; the
 * `secantusdb/mongodb-memory-server` entry offers drop-in `MongoMemoryServer`/`MongoMemoryReplSet`.
 */
export {
  type LogLevel,
  SecantusServer,
  type SecantusServerOptions,
  type StopOptions,
} from "./secantus_server.ts";
