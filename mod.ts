/**
 * SecantusDB's embedding API for test authors:
 *
 * ```ts
 * import { startServer } from "./mod.ts";
 * const server = await startServer({ port: 0, storagePath: ":memory:" });
 * // … new MongoClient(server.uri) …
 * await server.stop();
 * ```
 */
export { startServer } from "./src/app/start_server.ts";
export type { RunningServer, StartOptions } from "./src/app/start_server.ts";
