/**
 * An in-process server (`startServer`, `:memory:`) and one npm:mongodb client per test, closed in
 * order whatever the test does — the boilerplate of most integration tests.
 */
import { MongoClient, type MongoClientOptions } from "mongodb";
import { type RunningServer, startServer } from "../../../mod.ts";

export async function withServer(
  fn: (client: MongoClient, server: RunningServer) => Promise<void>,
  clientOptions: MongoClientOptions = {},
): Promise<void> {
  const server = await startServer({ port: 0, storagePath: ":memory:", logLevel: "WARNING" });
  const client = new MongoClient(server.uri, clientOptions);
  try {
    await fn(client, server);
  } finally {
    await client.close();
    await server.stop();
  }
}

/** A Deno test over `withServer` (driver timers outlive the test, so the sanitizers are off). */
export function serverTest(
  name: string,
  fn: (client: MongoClient, server: RunningServer) => Promise<void>,
  clientOptions: MongoClientOptions = {},
): void {
  Deno.test({ name, sanitizeResources: false, sanitizeOps: false, fn: () => withServer(fn, clientOptions) });
}
