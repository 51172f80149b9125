/**
 * An in-process server (`startServer`, `:memory:`) and one npm:mongodb client per test, closed in
 * order whatever the test does — the boilerplate of most integration tests.
 */
import { MongoClient, type MongoClientOptions } from "mongodb";
import { type RunningServer, startServer } from "../../../mod.ts";
import { defaultConfig, type ServerConfig } from "../../../src/config/mod.ts";

export async function withServer(
  fn: (client: MongoClient, server: RunningServer) => Promise<void>,
  clientOptions: MongoClientOptions = {},
  serverOptions: { standalone?: boolean } = {},
): Promise<void> {
  const server = await startServer({
    port: 0,
    storagePath: ":memory:",
    logLevel: "WARNING",
    ...serverOptions,
  });
  const client = new MongoClient(server.uri, clientOptions);
  try {
    await fn(client, server);
  } finally {
    await client.close();
    await server.stop();
  }
}

/**
 * `withServer` for an in-process `:memory:` server with some `[server]` settings of its own (`io`,
 * `noTableScan`, …; test commands on, logging at ERROR unless given).
 */
export async function withServerSettings(
  settings: Partial<ServerConfig>,
  fn: (client: MongoClient, server: RunningServer) => Promise<void>,
): Promise<void> {
  const d = defaultConfig();
  const server = await startServer({
    config: {
      ...d,
      server: {
        ...d.server,
        port: 0,
        storagePath: ":memory:",
        logLevel: "ERROR" as const,
        enableTestCommands: true,
        ...settings,
      },
    },
  });
  const client = new MongoClient(server.uri);
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

/** A Deno test over `withServer` against a `--standalone` server (no replica-set persona). */
export function standaloneServerTest(
  name: string,
  fn: (client: MongoClient, server: RunningServer) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () => withServer(fn, {}, { standalone: true }),
  });
}

/** An in-process `:memory:` server whose TTL sweeper runs every second (TTL tests wait for it). */
export function startFastTtlServer(): Promise<RunningServer> {
  const d = defaultConfig();
  return startServer({
    config: {
      ...d,
      server: { ...d.server, port: 0, storagePath: ":memory:", logLevel: "ERROR" as const },
      storage: { ...d.storage, ttlSweepSeconds: 1 },
    },
  });
}
